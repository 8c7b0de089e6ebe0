import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerConfig } from './server-config.ts';

const refused = (homeAssistant: unknown, field: string): void => {
  assert.throws(() => parseServerConfig({ homeAssistant }), (error: Error) => error.message.includes(field), JSON.stringify(homeAssistant));
};

describe('the homeAssistant section of the server configuration', () => {
  it('fills in the prefixes and keeps the credentials as the name of an environment variable', () => {
    const config = parseServerConfig({ homeAssistant: { url: 'mqtts://ha.example.net', username: 'pw', passwordEnv: 'PW_HA' } });
    assert.deepEqual(config.homeAssistant, {
      url: 'mqtts://ha.example.net', discoveryPrefix: 'homeassistant', topicPrefix: 'phasewire',
      credentials: { username: 'pw', passwordEnv: 'PW_HA' }, certificate: undefined, key: undefined, caFile: undefined,
    });
    assert.equal(parseServerConfig({}).homeAssistant, undefined);
  });

  it('takes mqtt:// to loopback only, and refuses a URL with a user, a wildcard prefix or half a pair', () => {
    assert.equal(parseServerConfig({ homeAssistant: { url: 'mqtt://127.0.0.1:1883' } }).homeAssistant?.url, 'mqtt://127.0.0.1:1883');
    refused({ url: 'mqtt://ha.example.net' }, 'homeAssistant.url');
    refused({ url: 'https://ha.example.net' }, 'homeAssistant.url');
    refused({ url: 'mqtts://user:secret@ha.example.net' }, 'homeAssistant.url');
    refused({ url: 'mqtts://ha.example.net', topicPrefix: 'site/#' }, 'homeAssistant.topicPrefix');
    refused({ url: 'mqtts://ha.example.net', topicPrefix: 'homeassistant/phasewire' }, 'homeAssistant.topicPrefix');
    refused({ url: 'mqtts://ha.example.net', username: 'pw' }, 'homeAssistant.passwordEnv');
    refused({ url: 'mqtts://ha.example.net', certificate: 'c.pem' }, 'homeAssistant.key');
    refused({ url: 'mqtts://ha.example.net', password: 'in-the-file' }, 'homeAssistant');
  });
});
