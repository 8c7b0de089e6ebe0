// A head-end in a child process, for the crash test (head-end-durability.test.ts): reads its
// configuration as JSON from argv[2], starts the head-end on the data in it — the embedded broker,
// or an ingest client of the external broker named in `external` — and prints `port <n>` once
// devices can connect. The test kills it with SIGKILL and starts it again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '@phasewire/core';
import { InstalledEnvelopeKeys, KeyRing, RevocationSet } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { NodeAead, tlsIdentity, tlsTrust } from '@phasewire/secure/node';
import { SqliteMeterStore } from '@phasewire/store/node';
import { openHeadEndDatabase } from '../node/sqlite-registry.ts';
import { startHeadEnd } from '../node/head-end.ts';
import type { BrokerMode } from '../node/head-end.ts';

export interface ChildConfig {
  readonly dir: string;
  /** The embedded listener's certificate chain and key. */
  readonly chain: string;
  readonly key: string;
  readonly anchors: string;
  /** Device id → envelope key (hex), key id 1. */
  readonly keys: Readonly<Record<string, string>>;
  /**
   * Connect the ingest to this loopback Mosquitto instead of listening: the ingest worker's
   * certificate and its client id, the same on every start so its persistent session is resumed.
   */
  readonly external?: { readonly port: number; readonly chain: string; readonly key: string; readonly clientId: string };
}

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ChildConfig;
const clock: Clock = { now: () => Date.now() };
const aead = new NodeAead();
const keys = new InstalledEnvelopeKeys(aead);
for (const [device, hex] of Object.entries(config.keys)) keys.install(device as DeviceId, 1, Buffer.from(hex, 'hex'));
const trust = tlsTrust(config.anchors);
const broker: BrokerMode = config.external === undefined
  ? { kind: 'embedded', identity: tlsIdentity(config.chain, config.key), trust, revocations: () => RevocationSet.empty }
  : { kind: 'external', host: '127.0.0.1', port: config.external.port, servername: 'localhost',
    identity: tlsIdentity(config.external.chain, config.external.key), trust, clientId: config.external.clientId };
const store = await SqliteMeterStore.open({ path: join(config.dir, 'store.db') });
const headEnd = await startHeadEnd({
  store, db: openHeadEndDatabase(join(config.dir, 'headend.db')), keys, keyRing: new KeyRing({ clock, initialKeyId: 1 }), clock, broker,
});
process.stdout.write(`port ${headEnd.port}\n`);
