// T16, the device's link: the agent's updater (tuf-js over the chunked fetcher) downloads an image
// from the HTTPS file server through the cellular link emulator (its loss; latency, retransmission
// timer and rate shortened, which changes when bytes arrive, not how many). Figure: bytes down on
// the link (TLS records and HTTP heads included) over image + metadata, against the limit 1.05 ×
// image + metadata (PERFORMANCE.md T16) as a ratio to it. Beside it: the same image downloaded 5
// times with the link cut at a random byte of the image each time, then restored and resumed; the
// most bytes of the image fetched twice, over one chunk (≤ 1 is the target of "re-fetches at most
// one chunk").
import type { Benchmark } from '@phasewire/bench';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SeededRandom } from '@phasewire/core';
import { factorySlots, linkProfiles } from '@phasewire/agent';
import { ChunkedFetcher, FirmwareUpdater, LinkEmulator } from '@phasewire/agent/node';
import { startFirmwareFixture } from '../test/firmware-kit.ts';

const imageBytes = 256_000;
const chunkBytes = 32_768;
const cuts = 5;

const benchmark: Benchmark = {
  name: 'firmware-link',
  title: 'Firmware over the cellular link: bytes down per device over (1.05 × image + metadata); a cut at a random byte re-fetches '
    + 'at most one chunk',
  target: { atMost: 1 },
  runs: 1,
  async measure() {
    const fixture = await startFirmwareFixture();
    const random = new SeededRandom(Date.now() % 100_000);
    const link = await LinkEmulator.start({ target: { host: '127.0.0.1', port: Number(new URL(fixture.baseUrl).port) }, random,
      conditions: { ...linkProfiles.cellular.emulated, latencyMs: 20, jitterMs: 0, retransmitMs: 100, downBitsPerSecond: 4_000_000 } });
    try {
      const repository = await fixture.open();
      const trust = { anchors: await readFile(join(fixture.work, 'ca.pem'), 'utf8') };
      let worstRefetch = 0;
      let ratio = 0;
      let metadata = 0;
      let down = 0;
      for (let round = 0; round <= cuts; round++) {
        const version = `1.${round}.0`;
        await repository.add({ model: 'PW3', hardwareRevision: 'r2', version, securityVersion: 1, bytes: randomBytes(imageBytes) });
        const device = await fixture.newDevice(`bench-${round}`);
        let fetcher: ChunkedFetcher | undefined;
        const open = (onProgress?: (chunkStart: number, received: number) => void): Promise<FirmwareUpdater> => {
          fetcher = new ChunkedFetcher({ host: '127.0.0.1', port: link.port, servername: 'localhost', trust, chunkBytes,
            partialDir: join(device, 'partial'), retryDelayMs: 50, attempts: 1, ...(onProgress === undefined ? {} : { onProgress }) });
          return FirmwareUpdater.open({ dataDir: device, baseUrl: fixture.baseUrl, fetcher,
            trustedRoot: join(fixture.directory, 'metadata', '1.root.json'),
            factory: factorySlots('PW3', 'r2', { version: '1.99.99', securityVersion: 1, sha256: '0'.repeat(64) }) });
        };
        link.resetStats();
        if (round === 0) {
          // The clean download: bytes on the link against the image and the metadata it needed.
          const result = await (await open()).update(version);
          if (result.outcome !== 'staged') throw new Error(`download ${version}: ${JSON.stringify(result)}`);
          const names = ['timestamp.json', `${repository.state.snapshot.signed.version}.snapshot.json`,
            `${repository.state.targets.signed.version}.targets.json`,
            `${repository.state.snapshot.signed.meta['PW3-r2.json']?.version}.PW3-r2.json`];
          for (const name of names) metadata += (await readFile(join(fixture.directory, 'metadata', name))).length;
          down = link.stats.bytesDown;
          ratio = down / (1.05 * imageBytes + metadata);
          fetcher?.close();
          continue;
        }
        const cutAt = Math.floor(random.next() * imageBytes);
        const first = await open((chunkStart, received) => { if (chunkStart + received >= cutAt && !link.isDown) link.cut(); });
        const cut = await first.update(version);
        const before = fetcher?.imageBytesFetched ?? 0;
        fetcher?.close();
        link.restore();
        // The last chunk can arrive whole before the cut takes: nothing to resume then.
        if (cut.outcome === 'staged') continue;
        const resumed = await (await open()).update(version);
        if (resumed.outcome !== 'staged') throw new Error(`resume ${version} after a cut at ${cutAt}: ${JSON.stringify(resumed)}`);
        worstRefetch = Math.max(worstRefetch, before + (fetcher?.imageBytesFetched ?? 0) - imageBytes);
        fetcher?.close();
        await rm(device, { recursive: true, force: true });
      }
      return {
        figure: { label: 'bytes down / (1.05 × image + metadata)', value: ratio, unit: '×' },
        reference: { label: 'the T16 limit', value: 1, unit: '×', kind: 'limit' },
        extra: {
          'bytes down': down, 'image bytes': imageBytes, 'metadata bytes': metadata,
          'down / (image + metadata)': down / (imageBytes + metadata), 'worst re-fetch after a random cut, bytes': worstRefetch,
          'worst re-fetch / chunk': worstRefetch / chunkBytes, 'chunk bytes': chunkBytes,
        },
      };
    } finally {
      await link.close();
      await fixture.close();
    }
  },
};

export default benchmark;
