// A head-end in a child process, for the crash test (head-end-durability.test.ts): reads its
// configuration as JSON from argv[2], starts the embedded head-end on the data in it and prints
// `port <n>` once it listens. The test kills it with SIGKILL and starts it again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '@phasewire/core';
import { InstalledEnvelopeKeys, KeyRing, RevocationSet } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { NodeAead, tlsIdentity, tlsTrust } from '@phasewire/secure/node';
import { SqliteMeterStore } from '../store/sqlite/sqlite-meter-store.ts';
import { openHeadEndDatabase } from './sqlite-registry.ts';
import { startHeadEnd } from './head-end.ts';

export interface ChildConfig {
  readonly dir: string;
  readonly chain: string;
  readonly key: string;
  readonly anchors: string;
  /** Device id → envelope key (hex), key id 1. */
  readonly keys: Readonly<Record<string, string>>;
}

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ChildConfig;
const clock: Clock = { now: () => Date.now() };
const aead = new NodeAead();
const keys = new InstalledEnvelopeKeys(aead);
for (const [device, hex] of Object.entries(config.keys)) keys.install(device as DeviceId, 1, Buffer.from(hex, 'hex'));
const store = await SqliteMeterStore.open({ path: join(config.dir, 'store.db') });
const headEnd = await startHeadEnd({
  store, db: openHeadEndDatabase(join(config.dir, 'headend.db')), keys, keyRing: new KeyRing({ clock, initialKeyId: 1 }), clock,
  broker: { kind: 'embedded', identity: tlsIdentity(config.chain, config.key), trust: tlsTrust(config.anchors), revocations: () => RevocationSet.empty },
});
process.stdout.write(`port ${headEnd.port}\n`);
