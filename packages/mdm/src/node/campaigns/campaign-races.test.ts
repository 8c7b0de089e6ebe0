// The campaign service under races a real head-end produces: a device that reports progress while
// its offer is still waiting for the command's answer, and an operator's pause, resume or abort that
// lands while a tick is between reading the campaign and writing its next step.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode, ManualClock } from '@phasewire/core';
import type { FirmwareState, FirmwareUpdateArgs } from '@phasewire/core/protocol';
import type { CampaignStore } from '@phasewire/store';
import { SqliteCampaignStore } from '@phasewire/store/node';
import { assignWaves, CampaignService, checkCampaignSpec, type CampaignSpec, type OfferOutcome } from '../../campaigns/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-campaign-races-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
let n = 0;

const fleet = Array.from({ length: 10 }, (_, i) => ({ id: `meter-${i}`, model: 'PW3', version: '1.3.0' }));
const spec: CampaignSpec = {
  id: 'spring', name: 'Spring fix', target: 'PW3/r2/PW3-r2-1.4.0.bin', version: '1.4.0', selector: {}, waves: [0.1, 1],
  failureThreshold: 0.5, window: null,
};

function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((done) => { open = done; });
  return { promise, open };
}

async function setUp(offer: (device: string, args: FirmwareUpdateArgs, service: CampaignService) => Promise<OfferOutcome>,
  wrap: (store: CampaignStore) => CampaignStore = (s) => s): Promise<{ service: CampaignService; store: CampaignStore }> {
  const store = await SqliteCampaignStore.open({ path: join(dir, `r${++n}.db`) });
  const service: CampaignService = new CampaignService({
    store: wrap(store), clock: new ManualClock(Date.UTC(2027, 0, 15, 12)), fleet: () => fleet, audit: () => undefined,
    offer: (device, args) => offer(device, args, service),
  });
  return { service, store };
}

const report = (service: CampaignService, device: string, args: FirmwareUpdateArgs, state: FirmwareState, reason?: string) =>
  service.progress(device, { kind: 'firmware-progress', ...args, state, ...(reason === undefined ? {} : { reason }) });

void describe('campaign races', () => {
  void it('progress a device reports while its offer waits for the answer is not overwritten by "offered"', async () => {
    const { service, store } = await setUp(async (device, args, s) => {
      // The device refuses at once by a progress event that arrives before the command's answer.
      await report(s, device, args, 'failed', 'the image is for SM630 r1, this device is PW3 r2');
      return { command: `cmd-${device}`, status: 'sent' };
    });
    try {
      await service.create(spec, 'user:ann');
      await service.tick();
      const [canary] = await store.devices('spring', { wave: 0 });
      assert.ok(canary !== undefined);
      assert.equal(canary.state, 'failed', `the canary's refusal was lost: it is ${canary.state}`);
      assert.match(canary.reason ?? '', /SM630/);
      assert.equal(canary.command, `cmd-${canary.device}`);
    } finally {
      await store.close();
    }
  });

  void it('a device that goes silent half-way (downloading, trial) fails after the offer timeout, so its wave can finish', async () => {
    const clock = new ManualClock(Date.UTC(2027, 0, 15, 12));
    const store = await SqliteCampaignStore.open({ path: join(dir, `r${++n}.db`) });
    const service = new CampaignService({
      store, clock, fleet: () => fleet, audit: () => undefined, offerTimeoutMs: 3_600_000,
      offer: (device) => Promise.resolve({ command: `cmd-${device}`, status: 'sent' }),
    });
    try {
      await service.create({ ...spec, waves: [0.2, 1], failureThreshold: 1 }, 'user:ann');
      await service.tick();
      const [a, b] = await store.devices('spring', { wave: 0 });
      assert.ok(a !== undefined && b !== undefined);
      const args = { campaign: 'spring', target: spec.target, version: '1.4.0' };
      await report(service, a.device, args, 'downloading');
      await report(service, b.device, args, 'trial');
      clock.advance(3_600_001);
      await service.tick();
      const states = (await store.devices('spring', { wave: 0 })).map((d) => `${d.state}: ${d.reason ?? ''}`);
      assert.deepEqual(states.sort(), ['failed: no progress reported within 60 min of downloading',
        'failed: no progress reported within 60 min of trial']);
      assert.equal((await store.campaign('spring'))?.wave, 1, 'the next wave starts');
    } finally {
      await store.close();
    }
  });

  void it('a pause that lands while a tick moves to the next wave is kept', async () => {
    let hold: ReturnType<typeof gate> | undefined;
    const reached = gate();
    const { service, store } = await setUp((device) => Promise.resolve({ command: `cmd-${device}`, status: 'sent' }),
      (inner) => new Proxy(inner, {
        get: (target, key) => (key === 'counts' ? async (id: string) => {
          if (hold !== undefined) {
            reached.open();
            await hold.promise;
          }
          return target.counts(id);
        } : (target[key as keyof CampaignStore] as (...a: unknown[]) => unknown).bind(target)),
      }));
    try {
      await service.create(spec, 'user:ann');
      await service.tick();
      const [canary] = await store.devices('spring', { wave: 0 });
      assert.ok(canary !== undefined);
      for (const state of ['downloading', 'downloaded', 'installing', 'trial', 'committed'] as const) {
        await report(service, canary.device, { campaign: 'spring', target: spec.target, version: '1.4.0' }, state);
      }
      hold = gate();
      const ticking = service.tick();
      await reached.promise;
      const pausing = service.pause('spring', 'user:bob');
      hold.open();
      hold = undefined;
      await Promise.all([ticking, pausing]);
      const campaign = await store.campaign('spring');
      assert.equal(campaign?.status, 'paused', `the operator's pause was lost: ${campaign?.status ?? ''}`);
    } finally {
      await store.close();
    }
  });
});

void describe('hostile campaign specs', () => {
  void it('refuses shares of 0, NaN or not growing, a threshold outside 0..1, a bogus zone; spreads 100 000 devices', () => {
    const refused = (change: Partial<CampaignSpec>): boolean => {
      try {
        checkCampaignSpec({ ...spec, ...change });
        return false;
      } catch (error) {
        return hasCode(error, 'PW_ERR_CAMPAIGN_INVALID');
      }
    };
    const window = { start: '01:00', end: '03:00', zone: 'Europe/Zurich' };
    for (const change of [{ waves: [0, 1] }, { waves: [Number.NaN, 1] }, { waves: [0.5, 0.5, 1] }, { waves: [0.5] }, { waves: [] },
      { waves: [0.1, 2] }, { failureThreshold: 1.5 }, { failureThreshold: Number.NaN }, { failureThreshold: -0.1 },
      { window: { ...window, zone: 'Mars/Olympus_Mons' } }, { window: { ...window, end: '01:00' } },
      { window: { ...window, start: '24:00' } },
      { selector: { models: ['SM630'] } }] as Partial<CampaignSpec>[]) {
      assert.ok(refused(change), JSON.stringify(change));
    }
    assert.ok(!refused({ waves: [1] }), 'everything at once is allowed');
    const devices = Array.from({ length: 100_000 }, (_, i) => `m${i}`);
    const waves = assignWaves('big', [0.01, 0.25, 1], devices);
    const sizes = [0, 0, 0];
    for (const wave of waves.values()) sizes[wave] = (sizes[wave] ?? 0) + 1;
    assert.deepEqual(sizes, [1000, 24_000, 75_000]);
  });
});
