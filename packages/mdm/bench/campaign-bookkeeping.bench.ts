// Campaign bookkeeping for 10,000 devices on SQLite (docs/firmware.md, "Campaigns"): the time the
// campaign service takes per device state transition (a firmware-progress event: read the campaign
// and the device, check the step, write the row) against a plain store write of the same rows, one
// transaction each as the service does, in the same run. Also recorded: creating the campaign
// (selection, waves, 10,000 rows) and offering a wave of all of them through a fake transport.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@phasewire/core';
import type { FirmwareState } from '@phasewire/core/protocol';
import { SqliteCampaignStore } from '@phasewire/store/node';
import type { Benchmark } from '@phasewire/bench';
import { CampaignService } from '../src/campaigns/index.ts';

const devices = 10_000;
const target = 'PW3/r2/PW3-r2-1.4.0.bin';

async function measure(): Promise<{ transitionUs: number; plainUs: number; createMs: number; offerMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-campaign-'));
  try {
    const store = await SqliteCampaignStore.open({ path: join(dir, 'campaigns.db') });
    const clock = new ManualClock(Date.UTC(2027, 0, 15, 12));
    const fleet = Array.from({ length: devices }, (_, i) => ({
      id: `meter-${String(i).padStart(5, '0')}`, model: 'PW3', version: '1.3.0',
    }));
    const service = new CampaignService({
      store, clock, fleet: () => fleet, audit: () => undefined, offersPerTick: devices,
      offer: (device) => Promise.resolve({ command: `cmd-${device}`, status: 'sent' as const }),
    });
    let start = performance.now();
    const spec = { id: 'bench', name: 'bench', target, version: '1.4.0', selector: {}, waves: [1], failureThreshold: 1, window: null };
    await service.create(spec, 'user:bench');
    const createMs = performance.now() - start;
    start = performance.now();
    await service.tick();
    const offerMs = performance.now() - start;
    const progress = (state: FirmwareState) => ({ kind: 'firmware-progress' as const, campaign: 'bench', target, version: '1.4.0', state });
    start = performance.now();
    for (const d of fleet) await service.progress(d.id, progress('downloading'));
    const transitionUs = (performance.now() - start) * 1000 / devices;
    const rows = await store.devices('bench');
    start = performance.now();
    for (const row of rows) await store.commitCampaign({ devices: [{ ...row, state: 'downloaded', updatedAt: row.updatedAt + 1 }] });
    const plainUs = (performance.now() - start) * 1000 / devices;
    await store.close();
    return { transitionUs, plainUs, createMs, offerMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const benchmark: Benchmark = {
  name: 'campaign-bookkeeping',
  title: `Firmware campaign bookkeeping for ${devices.toLocaleString('en')} devices on SQLite: time per device state transition `
    + 'against a plain store write of the same row (≤ 3×)',
  target: { atMost: 3 },
  runs: 3,
  async measure() {
    const m = await measure();
    return {
      figure: { label: 'campaign service, one firmware-progress event', value: m.transitionUs, unit: 'µs' },
      reference: { label: 'plain store write of the same row, one transaction', value: m.plainUs, unit: 'µs', kind: 'peer' },
      extra: { createCampaignMs: m.createMs, offerWaveMs: m.offerMs },
    };
  },
};

export default benchmark;
