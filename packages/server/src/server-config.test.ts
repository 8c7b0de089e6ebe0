import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '@phasewire/core';
import { defaultServerConfig, mergeServerConfigInput, parseServerConfig } from './server-config.ts';

const refusal = (value: unknown, field: string) => (error: unknown): boolean => {
  assert.ok(hasCode(error, 'PW_ERR_SERVER_CONFIG'), String(error));
  assert.match((error as Error).message, new RegExp(field.replace(/[.[\]]/g, '\\$&')));
  assert.ok(value !== null);
  return true;
};

test('an empty configuration is the embedded default: SQLite, embedded broker, software keystore, loopback', () => {
  const config = parseServerConfig({});
  assert.deepEqual(config, defaultServerConfig);
  assert.deepEqual(parseServerConfig(undefined), defaultServerConfig);
  assert.equal(config.store.kind, 'sqlite');
  assert.deepEqual(config.hosts, ['localhost', '127.0.0.1']);
});

test('every section is read with its own defaults filled in', () => {
  const config = parseServerConfig({
    hosts: ['meters.example.net', '10.0.0.5'], bind: '0.0.0.0', mqtt: { port: 1883 }, enrollment: {}, keyProvisioning: { port: 0 },
    store: { kind: 'postgres', connectionString: 'postgres://phasewire@db/phasewire' },
    broker: { kind: 'mosquitto' },
    keystore: { kind: 'pkcs11', tokenLabel: 'phasewire', pinFile: '/etc/phasewire/pin' },
  });
  assert.deepEqual(config.hosts, ['meters.example.net', '10.0.0.5']);
  assert.equal(config.mqtt.port, 1883);
  assert.equal(config.enrollment.port, 8443);
  assert.equal(config.keyProvisioning.port, 0);
  assert.equal(config.store.kind, 'postgres');
  assert.deepEqual(config.broker, { kind: 'mosquitto', binary: 'mosquitto' });
  assert.deepEqual(config.keystore, {
    kind: 'pkcs11', module: '/usr/lib/softhsm/libsofthsm2.so', token: { label: 'phasewire' }, pin: { file: '/etc/phasewire/pin' },
  });
  assert.deepEqual(parseServerConfig({ keystore: { kind: 'software', passphraseEnv: 'PW_PASS' } }).keystore,
    { kind: 'software', file: 'pki/keystore.json', unlock: { passphraseEnv: 'PW_PASS' } });
});

test('the head-end state on PostgreSQL uses the store\'s database; local (headend.db) by default', () => {
  assert.deepEqual(parseServerConfig({}).state, { kind: 'local' });
  const store = { kind: 'postgres', connectionString: 'postgres://phasewire@db/phasewire', schema: 'readings' };
  assert.deepEqual(parseServerConfig({ store, state: { kind: 'postgres' } }).state,
    { kind: 'postgres', connectionString: 'postgres://phasewire@db/phasewire', poolSize: 4 });
  assert.deepEqual(parseServerConfig({ store, state: { kind: 'local' } }).state, { kind: 'local' });
});

test('a bad value is refused with an error that names its field', () => {
  const cases: [unknown, string][] = [
    [{ mqtt: { port: 70_000 } }, 'mqtt.port'],
    [{ mqtt: { port: 8443 } }, 'mqtt.port'],
    [{ hosts: [] }, 'hosts'],
    [{ hosts: ['ok.example', 'not a host'] }, 'hosts[1]'],
    [{ bind: 'with space' }, 'bind'],
    [{ brokr: {} }, 'brokr'],
    [{ broker: { kind: 'emqx' } }, 'broker.kind'],
    [{ broker: { kind: 'embedded', binary: 'x' } }, 'broker.binary'],
    [{ keystore: { kind: 'pkcs11' } }, 'keystore.tokenLabel'],
    [{ keystore: { kind: 'pkcs11', slot: -1 } }, 'keystore.slot'],
    [{ keystore: { kind: 'software', keyFile: 'a', passphraseEnv: 'B' } }, 'keystore.passphraseEnv'],
    [{ store: { kind: 'mysql' } }, 'store'],
    [{ state: { kind: 'postgres' } }, 'state.kind'],
    [{ state: { kind: 'redis' } }, 'state.kind'],
    [[], '(root)'],
  ];
  for (const [value, field] of cases) assert.throws(() => parseServerConfig(value), refusal(value, field), JSON.stringify(value));
});

test('flags lay over the file field by field and change neither input', () => {
  const file = { hosts: ['a.example'], mqtt: { port: 1000 }, broker: { kind: 'mosquitto', binary: '/opt/mosquitto' } };
  const merged = mergeServerConfigInput(file, { mqtt: { port: 2000 }, bind: '0.0.0.0' });
  assert.deepEqual(merged,
    { hosts: ['a.example'], mqtt: { port: 2000 }, broker: { kind: 'mosquitto', binary: '/opt/mosquitto' }, bind: '0.0.0.0' });
  assert.equal(file.mqtt.port, 1000);
  assert.deepEqual(mergeServerConfigInput(undefined, { bind: '::1' }), { bind: '::1' });
});

test('the API and the MDM are on by default, the API on its own port next to the other listeners', () => {
  const config = parseServerConfig({});
  assert.deepEqual(config.api, { enabled: true, bind: undefined, port: 8445, certificate: undefined, key: undefined,
    metrics: { enabled: true, tokenEnv: undefined } });
  assert.deepEqual(config.mdm, { enabled: true, schedule: {}, alarms: {}, meters: {}, webhooks: [] });
  const set = parseServerConfig({
    api: { bind: '0.0.0.0', port: 9443 },
    mdm: {
      schedule: { runEveryMs: 30_000 }, alarms: { defaults: { rules: { 'voltage-unbalance': { warn: 1.5 } } } },
      meters: { meters: { 'meter-0001': { ctRatio: 40 } } },
      webhooks: [{ url: 'https://ops.example.net/hook', secretEnv: 'PW_HOOK_SECRET' }],
    },
  });
  assert.deepEqual(set.api, { enabled: true, bind: '0.0.0.0', port: 9443, certificate: undefined, key: undefined,
    metrics: { enabled: true, tokenEnv: undefined } });
  assert.deepEqual(set.mdm.schedule, { runEveryMs: 30_000 });
  assert.deepEqual(set.mdm.alarms, { defaults: { rules: { 'voltage-unbalance': { warn: 0.015 } } } },
    'percent in the file, ratios for the engine');
  assert.deepEqual(set.mdm.webhooks, [{ url: 'https://ops.example.net/hook', secretEnv: 'PW_HOOK_SECRET', caFile: undefined }]);
  assert.deepEqual(set.mdm.meters, { meters: { 'meter-0001': { ctRatio: 40 } } });
  assert.equal(set.mdm.mqttNotify, undefined, 'no MQTT notifications unless configured');
  // A disabled API leaves its port to another listener.
  assert.equal(parseServerConfig({ api: { enabled: false, port: 8443 } }).api.enabled, false);
});

test('a bad API or MDM field is refused with an error that names it', () => {
  const cases: [unknown, string][] = [
    [{ api: { port: 8443 } }, 'api.port'],
    [{ api: { port: -1 } }, 'api.port'],
    [{ api: { enabled: 'yes' } }, 'api.enabled'],
    [{ api: { bind: 'with space' } }, 'api.bind'],
    [{ api: { host: 'x' } }, 'api.host'],
    [{ api: { key: 'own.key' } }, 'api.certificate'],
    [{ api: { certificate: '' , key: 'own.key' } }, 'api.certificate'],
    [{ mdm: { schedule: { runEveryMs: 0 } } }, 'mdm.schedule.runEveryMs'],
    [{ mdm: { schedule: { everyMs: 1000 } } }, 'mdm.schedule.everyMs'],
    [{ mdm: { alarms: [] } }, 'mdm.alarms'],
    [{ mdm: { alarms: { default: {} } } }, 'mdm.alarms.default'],
    [{ mdm: { meters: { meter: {} } } }, 'mdm.meters.meter'],
    [{ mdm: { webhooks: [{ url: 'ftp://x', secretEnv: 'S' }] } }, 'mdm.webhooks[0].url'],
    [{ mdm: { webhooks: [{ url: 'https://x.example' }] } }, 'mdm.webhooks[0].secretEnv'],
    [{ mdm: { enabled: 1 } }, 'mdm.enabled'],
    [{ mdm: { mqttNotify: 'mqtts://b.example' } }, 'mdm.mqttNotify'],
    [{ mdm: { mqttNotify: {} } }, 'mdm.mqttNotify.url'],
    [{ mdm: { mqttNotify: { url: 'mqtt://b.example' } } }, 'mdm.mqttNotify.url'],
    [{ mdm: { mqttNotify: { url: 'mqtts://user:pw@b.example' } } }, 'mdm.mqttNotify.url'],
    [{ mdm: { mqttNotify: { url: 'mqtts://b.example/alarms' } } }, 'mdm.mqttNotify.url'],
    [{ mdm: { mqttNotify: { url: 'mqtts://b.example', topicPrefix: 'alarms/#' } } }, 'mdm.mqttNotify.topicPrefix'],
    [{ mdm: { mqttNotify: { url: 'mqtts://b.example', topicPrefix: 'alarms/' } } }, 'mdm.mqttNotify.topicPrefix'],
    [{ mdm: { mqttNotify: { url: 'mqtts://b.example', key: 'own.key' } } }, 'mdm.mqttNotify.certificate'],
    [{ mdm: { mqttNotify: { url: 'mqtts://b.example', retain: 'yes' } } }, 'mdm.mqttNotify.retain'],
    [{ mdm: { mqttNotify: { url: 'mqtts://b.example', qos: 2 } } }, 'mdm.mqttNotify.qos'],
  ];
  for (const [value, field] of cases) assert.throws(() => parseServerConfig(value), refusal(value, field), JSON.stringify(value));
});

test('MQTT alarm notifications: an mqtts:// broker, the default topic prefix and the server\'s own client certificate unless given', () => {
  assert.deepEqual(parseServerConfig({ mdm: { mqttNotify: { url: 'mqtts://broker.example.net' } } }).mdm.mqttNotify, {
    url: 'mqtts://broker.example.net', topicPrefix: 'phasewire/alarms', retain: false,
    certificate: undefined, key: undefined, caFile: undefined,
  });
  const own = {
    url: 'mqtts://10.0.0.7:8884', topicPrefix: 'site-3/alarms', retain: true, certificate: 'alarms.pem', key: 'alarms.key',
    caFile: '/etc/ssl/broker-ca.pem',
  };
  assert.deepEqual(parseServerConfig({ mdm: { mqttNotify: own } }).mdm.mqttNotify, own);
});

test('the ingest window of reading times: a floor, an optional maximum age and a margin ahead of the clock, each checked', () => {
  assert.deepEqual(parseServerConfig({}).ingest.readingTimes,
    { earliest: Date.UTC(2020, 0, 1), maxAgeMs: Number.POSITIVE_INFINITY, maxAheadMs: 15 * 60_000 });
  const ingest = { earliestReading: '2024-06-01T00:00:00Z', maxReadingAgeDays: 400, maxReadingAheadMinutes: 5 };
  assert.deepEqual(parseServerConfig({ ingest }).ingest.readingTimes,
    { earliest: Date.UTC(2024, 5, 1), maxAgeMs: 400 * 86_400_000, maxAheadMs: 5 * 60_000 });
  const cases: [unknown, string][] = [
    [{ ingest: { earliestReading: 'yesterday' } }, 'ingest.earliestReading'],
    [{ ingest: { maxReadingAgeDays: -1 } }, 'ingest.maxReadingAgeDays'],
    [{ ingest: { maxReadingAheadMinutes: 1.5 } }, 'ingest.maxReadingAheadMinutes'],
    [{ ingest: { maxReadingAheadMinutes: 100_000 } }, 'ingest.maxReadingAheadMinutes'],
    [{ ingest: { maxAheadMs: 1 } }, 'ingest.maxAheadMs'],
  ];
  for (const [value, field] of cases) assert.throws(() => parseServerConfig(value), refusal(value, field));
});

test('the billing section: its defaults, values given, and a bad one refused with its field', () => {
  assert.deepEqual(parseServerConfig({}).billing, { completenessLimit: 0.98, cycleDay: 1, batchSize: 500 });
  assert.deepEqual(parseServerConfig({ billing: { completenessLimit: 0.9, cycleDay: 15 } }).billing,
    { completenessLimit: 0.9, cycleDay: 15, batchSize: 500 });
  const cases: [unknown, string][] = [
    [{ billing: { completenessLimit: 98 } }, 'billing.completenessLimit'],
    [{ billing: { cycleDay: 31 } }, 'billing.cycleDay'],
    [{ billing: { cycle: 'monthly' } }, 'billing.cycle'],
  ];
  for (const [value, field] of cases) assert.throws(() => parseServerConfig(value), refusal(value, field), JSON.stringify(value));
});
