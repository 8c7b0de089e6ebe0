import assert from 'node:assert/strict';
import { appendFile, chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hasCode, ManualClock } from '@phasewire/core';
import { InstalledEnvelopeKeys } from '../../envelope/envelope-keys.ts';
import { EnvelopeReceiver } from '../../envelope/envelope-receiver.ts';
import { EnvelopeSender } from '../../envelope/envelope-sender.ts';
import { decodeEnvelope } from '../../envelope/envelope-format.ts';
import { KeyRing } from '../../envelope/key-ring.ts';
import { counterScope } from '../../replay/counter-store.ts';
import { meterA, meterB, refusedWith } from '../../testing/envelope-test-kit.ts';
import { FileCounterStore } from './file-counter-store.ts';
import { NodeAead } from './node-aead.ts';

let directory: string;
let serial = 0;
const fresh = (): string => join(directory, `counters-${++serial}`);
const scopeA = counterScope(meterA, 'uplink', 1);
const scopeB = counterScope(meterB, 'downlink', 3);

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'phasewire-counters-'));
});

after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('keeps the highest value per scope across a restart, in a file of mode 0600', async () => {
  const path = fresh();
  const store = await FileCounterStore.open(path);
  await store.advance(scopeA, 5n);
  await store.advance(scopeA, 9n);
  await store.advance(scopeA, 7n);
  await store.advance(scopeB, 0xffff_ffff_ffff_ffffn);
  assert.equal(store.get(scopeA), 9n);
  await store.close();
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const reopened = await FileCounterStore.open(path);
  assert.equal(reopened.get(scopeA), 9n);
  assert.equal(reopened.get(scopeB), 0xffff_ffff_ffff_ffffn);
  assert.equal(reopened.get(counterScope(meterA, 'downlink', 1)), 0n);
  await reopened.close();
});

test('records every one of many concurrent advances before they resolve', async () => {
  const path = fresh();
  const store = await FileCounterStore.open(path);
  const scopes = Array.from({ length: 50 }, (_, i) => counterScope(meterA, 'uplink', i + 1));
  await Promise.all(scopes.map((scope, i) => store.advance(scope, BigInt(i + 1))));
  const lines = (await readFile(path, 'utf8')).trim().split('\n');
  assert.equal(lines.length, 1 + 50);
  await store.close();
});

test('compacts the log as it grows and still restores every value', async () => {
  const path = fresh();
  const store = await FileCounterStore.open(path);
  for (let i = 1; i <= 1500; i += 1) await store.advance(scopeA, BigInt(i));
  await store.close();
  const lines = (await readFile(path, 'utf8')).trim().split('\n');
  assert.ok(lines.length < 1100, `the log was compacted (${lines.length} lines)`);
  const reopened = await FileCounterStore.open(path);
  assert.equal(reopened.get(scopeA), 1500n);
  await reopened.close();
});

test('skips a torn last record (a crash mid-write) but refuses damage followed by good records', async () => {
  const path = fresh();
  const store = await FileCounterStore.open(path);
  await store.advance(scopeA, 41n);
  await store.close();
  await appendFile(path, `${scopeA} 99`);
  const recovered = await FileCounterStore.open(path);
  assert.equal(recovered.get(scopeA), 41n);
  await recovered.close();

  const [header, good] = (await readFile(path, 'utf8')).trim().split('\n');
  assert.match(good!, / 41 [0-9a-f]{8}$/);
  // A record whose checksum fails, followed by a good one: not a torn tail.
  await writeFile(path, `${header}\n${good!.replace(' 41 ', ' 49 ')}\n${good}\n`, { mode: 0o600 });
  await assert.rejects(
    Promise.resolve(FileCounterStore.open(path)),
    (error) => hasCode(error, 'PW_ERR_COUNTER_STORE') && /damaged/.test((error as Error).message),
  );
});

test('refuses a store file that others may write', async () => {
  const path = fresh();
  await (await FileCounterStore.open(path)).close();
  await chmod(path, 0o662);
  await assert.rejects(Promise.resolve(FileCounterStore.open(path)), (error) => hasCode(error, 'PW_ERR_COUNTER_STORE'));
});

test('a meter restarted with the file store never reuses a counter, and the head-end restarted still refuses the replay', async () => {
  const aead = new NodeAead();
  const keys = new InstalledEnvelopeKeys(aead);
  keys.install(meterA, 1, new Uint8Array(32).fill(3));
  const clock = new ManualClock(0);
  const senderPath = fresh();
  const windowPath = fresh();
  const meter = (counters: FileCounterStore): EnvelopeSender =>
    new EnvelopeSender({
      direction: 'uplink', aead, keys, keyRing: new KeyRing({ clock, initialKeyId: 1 }), counters, counterBlockSize: 4,
    });
  const headEnd = (window: FileCounterStore): EnvelopeReceiver =>
    new EnvelopeReceiver({ direction: 'uplink', aead, keys, keyRing: new KeyRing({ clock, initialKeyId: 1 }), window });

  let counters = await FileCounterStore.open(senderPath);
  let window = await FileCounterStore.open(windowPath);
  let sender = meter(counters);
  let receiver = headEnd(window);
  const first = await sender.seal(meterA, 'readings', Uint8Array.of(1));
  const second = await sender.seal(meterA, 'readings', Uint8Array.of(2));
  await receiver.open(meterA, first);
  await receiver.open(meterA, second);
  // Both sides restart (the objects are dropped as after a crash; the files stay).
  await counters.close();
  await window.close();
  counters = await FileCounterStore.open(senderPath);
  window = await FileCounterStore.open(windowPath);
  sender = meter(counters);
  receiver = headEnd(window);
  const third = await sender.seal(meterA, 'readings', Uint8Array.of(3));
  assert.equal(decodeEnvelope(third).header.counter, 5n, 'the reserved block 1–4 is skipped, not reused');
  await assert.rejects(Promise.resolve(receiver.open(meterA, second)), refusedWith('PW_ERR_REPLAY'));
  assert.equal(window.get(scopeA), 2n);
  assert.deepEqual((await receiver.open(meterA, third)).body, Uint8Array.of(3));
  await counters.close();
  await window.close();
  await assert.rejects(window.advance(scopeA, 9n), refusedWith('PW_ERR_COUNTER_STORE'));
});
