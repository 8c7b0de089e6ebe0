import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hasCode } from '@phasewire/core';
import { parseServerConfig } from './server-config.ts';

const message = (value: unknown): string => {
  try {
    parseServerConfig(value);
  } catch (error) {
    assert.ok(hasCode(error, 'PW_ERR_SERVER_CONFIG'), String(error));
    return (error as Error).message;
  }
  return assert.fail(`accepted ${JSON.stringify(value)}`);
};

test('the example of docs/configuration.md is accepted as written, with its thresholds in percent', () => {
  const page = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  const example = /```json\n([\s\S]*?)\n```/.exec(page)?.[1];
  assert.ok(example !== undefined, 'docs/configuration.md has a JSON example');
  const config = parseServerConfig(JSON.parse(example));
  assert.deepEqual(config.hosts, ['meters.example.net', '10.0.0.5']);
  assert.deepEqual(config.mdm.alarms.defaults?.rules?.['voltage-unbalance'], { warn: 0.015, critical: 0.025 });
  assert.equal(config.mdm.mqttNotify?.topicPrefix, 'phasewire/alarms');
});

test('a field the schema does not know is refused, at every depth, with the fields allowed there', () => {
  assert.equal(message({ api: { prot: 9443 } }),
    'Cannot use the server configuration: field api.prot is 9443, expected no such field '
    + '(allowed: enabled, bind, port, certificate, key, metrics)');
  assert.equal(message({ keystore: { kind: 'software', keyfile: 'k' } }),
    'Cannot use the server configuration: field keystore.keyfile is "k", '
    + 'expected no such field (allowed: kind, file, keyFile, passphraseEnv)');
  assert.equal(message({ mdm: { webhooks: [{ url: 'https://x.example', secretEnv: 'S', secret: 'x' }] } }),
    'Cannot use the server configuration: field mdm.webhooks[0].secret is "x", expected no such field (allowed: url, secretEnv, caFile)');
  assert.match(message({ hots: ['a.example'] }), /field hots is \["a\.example"\], expected no such field \(allowed: hosts, bind, mqtt,/);
  // The store's own fields are the store's to check (store.md), with its own message inside.
  assert.match(message({ store: { kind: 'sqlite', pth: 'x' } }), /store is not valid: .*pth/);
});

test('each refusal says the field, what was found and what was expected', () => {
  const cases: [unknown, string][] = [
    [{ mqtt: { port: 'eighty' } }, 'field mqtt.port is "eighty", expected a whole number from 0 to 65535'],
    [{ mqtt: { port: 8443 } },
      'field mqtt.port is 8443, expected a port no other listener of the server uses (enrollment.port is 8443 too)'],
    [{ hosts: ['ok.example', 'not a host'] }, 'field hosts[1] is "not a host", expected a DNS name or an IP address'],
    [{ broker: { kind: 'emqx' } }, 'field broker.kind is "emqx", expected one of embedded, mosquitto'],
    [{ keystore: { kind: 'pkcs11', slot: -1 } }, 'field keystore.slot is -1, expected a whole number from 0 to 4294967295'],
    [{ store: { kind: 'mysql' } }, 'field store.kind is "mysql", expected one of sqlite, postgres'],
    [{ mdm: { schedule: { pollMs: 1.5 } } }, 'field mdm.schedule.pollMs is 1.5, expected a positive whole number of milliseconds'],
    [{ mdm: { webhooks: [{ url: 'https://x.example' }] } }, 'field mdm.webhooks[0].secretEnv is missing, expected a non-empty string'],
    [{ ingest: { maxReadingAheadMinutes: 1.5 } }, 'field ingest.maxReadingAheadMinutes is 1.5, expected a whole number from 0 to 1440'],
    [[], 'field (root) is [], expected an object'],
  ];
  for (const [value, expected] of cases) assert.equal(message(value), `Cannot use the server configuration: ${expected}`);
});
