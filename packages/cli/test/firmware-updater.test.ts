// The meter agent's firmware updater against phasewire's repository, through the cellular link
// emulator (its bandwidth and loss; latency shortened so the test runs in seconds): an image is
// fetched in byte-range chunks, verified by tuf-js, staged in the inactive slot, booted on trial
// and committed; a cut download resumes re-fetching at most one chunk; a validly signed image below
// the security version, an altered image, a failed health check and a restart during the trial
// each leave the device on its old firmware with the reason kept.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SeededRandom } from '@phasewire/core';
import { factorySlots, linkProfiles } from '@phasewire/agent';
import { ChunkedFetcher, FirmwareUpdater, LinkEmulator } from '@phasewire/agent/node';
import type { FirmwareRepository } from '@phasewire/mdm/firmware';
import { storedTargetPath } from '@phasewire/mdm/firmware';
import { startFirmwareFixture } from './firmware-kit.ts';
import type { FirmwareFixture } from './firmware-kit.ts';

const chunkBytes = 32_768;
const imageBytes = 256_000;
const image = randomBytes(imageBytes);
let fixture: FirmwareFixture;
let repository: FirmwareRepository;
let link: LinkEmulator;
let device: string;
let fetcher: ChunkedFetcher | undefined;

before(async () => {
  fixture = await startFirmwareFixture();
  repository = await fixture.open();
  await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.1.0', securityVersion: 3, bytes: image });
  const port = Number(new URL(fixture.baseUrl).port);
  link = await LinkEmulator.start({ target: { host: '127.0.0.1', port }, random: new SeededRandom(19),
    // The cellular profile's loss, with latency, retransmission timer and rate shortened so the test runs
    // in seconds; the bytes counted do not depend on them.
    conditions: { ...linkProfiles.cellular.emulated, latencyMs: 20, jitterMs: 0, retransmitMs: 100, downBitsPerSecond: 2_000_000 } });
  device = await fixture.newDevice('meter');
  await writeFile(join(device, 'factory.bin'), 'factory image 1.0.0');
});
after(async () => {
  fetcher?.close();
  await link.close();
  await fixture.close();
});

async function openUpdater(onProgress?: (chunkStart: number, received: number) => void, chunk = chunkBytes): Promise<FirmwareUpdater> {
  fetcher?.close();
  fetcher = new ChunkedFetcher({ host: '127.0.0.1', port: link.port, servername: 'localhost', trust: await caTrust(), chunkBytes: chunk,
    partialDir: join(device, 'partial'), retryDelayMs: 100, ...(onProgress === undefined ? {} : { onProgress }) });
  return FirmwareUpdater.open({
    dataDir: device, baseUrl: fixture.baseUrl, fetcher, trustedRoot: join(fixture.directory, 'metadata', '1.root.json'),
    factory: factorySlots('PW3', 'r2', { version: '1.0.0', securityVersion: 2, sha256: '0'.repeat(64) }),
  });
}

async function caTrust(): Promise<{ anchors: string }> {
  return { anchors: await readFile(join(fixture.work, 'ca.pem'), 'utf8') };
}

test('a download cut by the link resumes where it stopped, re-fetching at most one chunk', async (t) => {
  // The link drops as the sixth chunk arrives: the emulator delivers what the server wrote as one piece,
  // so that chunk completes and the next request meets the outage.
  let updater = await openUpdater((chunkStart, received) => {
    if (chunkStart === 5 * chunkBytes && received < chunkBytes && !link.isDown) link.cut();
  });
  const cut = await updater.update('1.1.0');
  assert.equal(cut.outcome, 'interrupted');
  assert.equal(updater.state.staged, undefined, 'nothing staged from a cut download');
  const before = fetcher?.imageBytesFetched ?? 0;
  link.restore();
  updater = await openUpdater();
  const resumed = await updater.update('1.1.0');
  assert.equal(resumed.outcome, 'staged', JSON.stringify(resumed));
  const refetched = before + (fetcher?.imageBytesFetched ?? 0) - image.length;
  t.diagnostic(`cut in chunk 6 of ${Math.ceil(image.length / chunkBytes)}; re-fetched ${refetched} bytes (chunk ${chunkBytes})`);
  assert.ok(refetched <= chunkBytes, `re-fetched ${refetched} bytes; expected at most one chunk (${chunkBytes})`);
});

test('the staged image boots on trial in slot B and is committed by a good health check', async () => {
  link.resetStats();
  const updater = await openUpdater();
  assert.deepEqual([updater.state.trial, updater.state.staged], ['b', undefined], 'the restart booted the staged image');
  assert.deepEqual(Buffer.from(await updater.runningImageBytes()), image);
  const state = await updater.finishTrial(true);
  assert.deepEqual([state.active, state.securityVersion, state.last?.outcome], ['b', 3, 'committed']);
});

test('bytes on the cellular link per image stay within 1.05 × the image plus its metadata', async (t) => {
  const size = 256_000;
  await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.2.0', securityVersion: 3, bytes: randomBytes(size) });
  link.resetStats();
  // 32 KiB chunks: each answer's HTTP head (about 300 bytes) is then under 1 % of it.
  const updater = await openUpdater(undefined, 32_768);
  const result = await updater.update('1.2.0');
  assert.equal(result.outcome, 'staged', JSON.stringify(result));
  const names = ['timestamp.json', `${repository.state.snapshot.signed.version}.snapshot.json`,
    `${repository.state.targets.signed.version}.targets.json`,
    `${repository.state.snapshot.signed.meta['PW3-r2.json']?.version}.PW3-r2.json`];
  let metadata = 0;
  for (const name of names) metadata += (await readFile(join(fixture.directory, 'metadata', name))).length;
  const budget = 1.05 * size + metadata;
  t.diagnostic(`image ${size} B, metadata ${metadata} B, down ${link.stats.bytesDown} B payload (${link.wireBytes} B with IP/TCP `
    + `headers both ways): ${(link.stats.bytesDown / (size + metadata)).toFixed(3)} × (image + metadata); budget ${budget} B`);
  assert.ok(link.stats.bytesDown <= budget, `${link.stats.bytesDown} bytes down; budget ${budget}`);
  await (await openUpdater()).finishTrial('no acknowledgement within 60 s');
});

test('a validly signed image below the device\'s security version is refused (anti-rollback)', async () => {
  await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.0.9', securityVersion: 2, bytes: randomBytes(1000) });
  const updater = await openUpdater();
  const result = await updater.update('1.0.9');
  assert.deepEqual(result, { outcome: 'refused', reason: 'security version 2 is below the device\'s 3' });
  assert.deepEqual([updater.state.active, updater.state.slots.b?.version], ['b', '1.1.0']);
});

test('an altered image is refused by its hashes and the device keeps running its firmware', async () => {
  const added = await repository.add({
    model: 'PW3', hardwareRevision: 'r2', version: '1.3.0', securityVersion: 4, bytes: randomBytes(40_000),
  });
  const stored = join(fixture.directory, storedTargetPath(added.targetPath, added.sha256));
  const bytes = await readFile(stored);
  bytes[7] = (bytes[7] ?? 0) ^ 1;
  await writeFile(stored, bytes);
  const updater = await openUpdater();
  const result = await updater.update('1.3.0');
  assert.equal(result.outcome, 'refused');
  assert.match(result.reason, /Expected hash [0-9a-f]{64} but got/);
  assert.deepEqual([updater.state.active, updater.state.staged, updater.state.slots.a], ['b', undefined, undefined]);
  assert.deepEqual(Buffer.from(await updater.runningImageBytes()), image);
});

test('a failed health check, and a restart during the trial, roll back to the old slot', async () => {
  await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.4.0', securityVersion: 5, bytes: randomBytes(20_000) });
  let updater = await openUpdater();
  const staged = await updater.update('1.4.0');
  assert.equal(staged.outcome, 'staged', JSON.stringify(staged));
  updater = await openUpdater();
  assert.equal(updater.state.trial, 'a');
  const failed = await updater.finishTrial('no acknowledgement within 60 s');
  assert.deepEqual([failed.active, failed.securityVersion, failed.last], ['b', 3,
    { outcome: 'rolled-back', version: '1.4.0', reason: 'no acknowledgement within 60 s' }]);

  assert.equal((await updater.update('1.4.0')).outcome, 'staged');
  await updater.restart();
  const crashed = await openUpdater();
  assert.deepEqual([crashed.state.active, crashed.state.trial, crashed.state.last?.reason], ['b', undefined,
    'the device restarted during the trial']);
  assert.deepEqual(Buffer.from(await crashed.runningImageBytes()), image);
});
