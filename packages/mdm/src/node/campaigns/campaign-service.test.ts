// The campaign service against the real SQLite campaign store and a fake device transport: devices
// that take the offer and report their progress as the test tells them to.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode, ManualClock } from '@phasewire/core';
import type { FirmwareState, FirmwareUpdateArgs } from '@phasewire/core/protocol';
import type { CampaignDeviceRecord, CampaignStore } from '@phasewire/store';
import { SqliteCampaignStore } from '@phasewire/store/node';
import { CampaignService, type CampaignAudit, type CampaignSpec, type OfferOutcome } from '../../campaigns/index.ts';

/** What a progress report did: the new state, or why it was ignored. */
const said = (outcome: CampaignDeviceRecord | string): string => (typeof outcome === 'string' ? outcome : outcome.state);

const dir = mkdtempSync(join(tmpdir(), 'pw-campaign-service-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
let n = 0;

interface Harness {
  readonly service: CampaignService;
  readonly store: CampaignStore;
  readonly clock: ManualClock;
  readonly offers: { device: string; args: FirmwareUpdateArgs }[];
  readonly audit: CampaignAudit[];
  readonly path: string;
  /** The device reports `state` for the campaign it was offered. */
  report(device: string, state: FirmwareState, reason?: string): Promise<string>;
}

const fleet = Array.from({ length: 40 }, (_, i) => ({ id: `meter-${String(i).padStart(2, '0')}`, model: 'PW3', version: '1.3.0' }));

async function harness(options: { path?: string; clock?: ManualClock; refuse?: Set<string> } = {}): Promise<Harness> {
  const path = options.path ?? join(dir, `c${++n}.db`);
  const store = await SqliteCampaignStore.open({ path });
  const clock = options.clock ?? new ManualClock(Date.UTC(2027, 0, 15, 12));
  const offers: Harness['offers'] = [];
  const audit: CampaignAudit[] = [];
  const service = new CampaignService({
    store, clock, fleet: () => fleet, audit: (entry) => { audit.push(entry); },
    offer: (device, args): Promise<OfferOutcome> => {
      offers.push({ device, args });
      return Promise.resolve(options.refuse?.has(device) === true
        ? { command: `cmd-${device}`, status: 'refused', reason: 'PW_ERR_COMMAND_UNSUPPORTED: no firmware updater' }
        : { command: `cmd-${device}`, status: 'sent' });
    },
  });
  const report = (device: string, state: FirmwareState, reason?: string): Promise<string> => {
    const offer = offers.find((o) => o.device === device);
    if (offer === undefined) throw new Error(`${device} was never offered anything`);
    const { campaign, target, version } = offer.args;
    return service.progress(device, {
      kind: 'firmware-progress', campaign, target, version, state, ...(reason === undefined ? {} : { reason }),
    }).then(said);
  };
  return { service, store, clock, offers, audit, path, report };
}

const spec: CampaignSpec = {
  id: 'spring', name: 'Spring metrology fix', target: 'PW3/r2/PW3-r2-1.4.0.bin', version: '1.4.0', selector: {}, waves: [0.1, 1],
  failureThreshold: 0.25, window: null,
};

async function succeed(h: Harness, devices: readonly string[]): Promise<void> {
  for (const d of devices) {
    for (const state of ['downloading', 'downloaded', 'installing', 'trial', 'committed'] as const) await h.report(d, state);
  }
}

void describe('campaign service', () => {
  void it('offers the canary, then the rest once the canary is done, and finishes; every step audited', async () => {
    const h = await harness();
    try {
      const created = await h.service.create(spec, 'user:ann');
      assert.equal(created.tally.devices, 40);
      assert.deepEqual(created.waves.map((w) => w.states['pending']), [4, 36]);
      await h.service.tick();
      assert.equal(h.offers.length, 4);
      assert.deepEqual(h.offers[0]?.args, { campaign: 'spring', target: spec.target, version: '1.4.0' });
      await h.service.tick();
      assert.equal(h.offers.length, 4, 'the second wave waits for the canary');
      await succeed(h, h.offers.map((o) => o.device));
      await h.service.tick();
      assert.equal(h.offers.length, 40);
      assert.equal((await h.service.view('spring')).campaign.wave, 1);
      await succeed(h, h.offers.slice(4).map((o) => o.device));
      await h.service.tick();
      const done = await h.service.view('spring');
      assert.deepEqual([done.campaign.status, done.tally.byState.committed], ['done', 40]);
      assert.deepEqual(h.audit.filter((a) => a.actor.startsWith('user:') || a.actor.startsWith('system:')).map((a) => a.action),
        ['firmware.campaign.create', 'firmware.campaign.wave', 'firmware.campaign.done']);
      assert.equal(h.audit.filter((a) => a.action === 'firmware.campaign.committed').length, 40);
    } finally {
      await h.store.close();
    }
  });

  void it('pauses itself when the canary fails past the threshold; resume accepts those failures; abort fails the pending', async () => {
    const h = await harness({ refuse: new Set() });
    try {
      await h.service.create(spec, 'user:ann');
      await h.service.tick();
      const [a, b, c, d] = h.offers.map((o) => o.device) as [string, string, string, string];
      await succeed(h, [a, b]);
      await h.report(c, 'trial');
      await h.report(c, 'rolled-back', 'PW_ERR_HEALTH_CHECK: no ack within 60 s');
      await h.report(d, 'failed', 'PW_ERR_FIRMWARE_REFUSED: security version 3 below 4');
      await h.service.tick();
      const paused = await h.service.view('spring');
      assert.equal(paused.campaign.status, 'paused');
      assert.match(paused.campaign.statusReason ?? '', /2 of 4 devices .* failed or rolled back, more than the threshold of 25 %/);
      assert.deepEqual((await h.service.devices('spring', { states: ['rolled-back', 'failed'] })).map((r) => r.reason).sort(),
        ['PW_ERR_FIRMWARE_REFUSED: security version 3 below 4', 'PW_ERR_HEALTH_CHECK: no ack within 60 s']);
      await h.service.tick();
      assert.equal(h.offers.length, 4, 'a paused campaign offers nothing');
      await assert.rejects(h.service.pause('spring', 'user:bob'), (e) => hasCode(e, 'PW_ERR_CAMPAIGN_STATE'));
      await h.service.resume('spring', 'user:bob');
      await h.service.tick();
      assert.equal(h.offers.length, 40, 'resumed, the failures so far accepted, the next wave goes out');
      await h.service.pause('spring', 'user:bob');
      await h.service.abort('spring', 'user:bob');
      const aborted = await h.service.view('spring');
      assert.equal(aborted.campaign.status, 'aborted');
      await assert.rejects(h.service.resume('spring', 'user:bob'), (e) => hasCode(e, 'PW_ERR_CAMPAIGN_STATE'));
      assert.deepEqual(h.audit.filter((x) => x.actor !== 'system:campaigns' && !x.actor.startsWith('device:')).map((x) => x.action),
        ['firmware.campaign.create', 'firmware.campaign.resume', 'firmware.campaign.pause', 'firmware.campaign.abort']);
      assert.equal(h.audit.find((x) => x.action === 'firmware.campaign.auto-pause')?.actor, 'system:campaigns');
      assert.equal(h.audit.find((x) => x.action === 'firmware.campaign.rolled-back')?.detail['reason'],
        'PW_ERR_HEALTH_CHECK: no ack within 60 s');
    } finally {
      await h.store.close();
    }
  });

  void it('offers only inside the maintenance window of its zone, with the window in the command', async () => {
    const clock = new ManualClock(Date.UTC(2027, 0, 15, 12));
    const h = await harness({ clock });
    try {
      await h.service.create({ ...spec, window: { start: '22:00', end: '04:00', zone: 'Europe/Berlin' } }, 'user:ann');
      await h.service.tick();
      assert.equal(h.offers.length, 0, '13:00 in Berlin: closed');
      clock.advance(9.5 * 3_600_000);
      await h.service.tick();
      assert.equal(h.offers.length, 4);
      assert.deepEqual(h.offers[0]?.args, { campaign: 'spring', target: spec.target, version: '1.4.0', notBefore: clock.now(),
        notAfter: Date.UTC(2027, 0, 16, 3) });
    } finally {
      await h.store.close();
    }
  });

  void it('keeps every device state across a restart: a new service over the same store carries on', async () => {
    const first = await harness();
    await first.service.create(spec, 'user:ann');
    await first.service.tick();
    const canary = first.offers.map((o) => o.device);
    await first.report(canary[0] ?? '', 'downloading');
    await first.store.close();
    const second = await harness({ path: first.path });
    try {
      const view = await second.service.view('spring');
      assert.deepEqual(view.waves[0]?.states, { downloading: 1, offered: 3 });
      await second.service.progress(canary[0] ?? '', { kind: 'firmware-progress', campaign: 'spring', target: spec.target, version: '1.4.0',
        state: 'trial' });
      assert.equal((await second.store.device('spring', canary[0] ?? ''))?.state, 'trial');
      await second.service.tick();
      assert.equal(second.offers.length, 0, 'nothing offered twice after the restart');
    } finally {
      await second.store.close();
    }
  });

  void it('fails a device that refuses the offer, ignores late and foreign progress, and refuses an empty selection', async () => {
    const h = await harness({ refuse: new Set(fleet.map((f) => f.id)) });
    try {
      await h.service.create({ ...spec, failureThreshold: 1 }, 'user:ann');
      await h.service.tick();
      const refused = await h.service.devices('spring', { states: ['failed'] });
      assert.equal(refused.length, 4);
      assert.match(refused[0]?.reason ?? '', /PW_ERR_COMMAND_UNSUPPORTED/);
      assert.match(await h.report(h.offers[0]?.device ?? '', 'trial'), /already failed/);
      assert.match(said(await h.service.progress('meter-00', { kind: 'firmware-progress', campaign: 'other', target: spec.target,
        version: '1.4.0', state: 'trial' })), /no campaign other/);
      await assert.rejects(h.service.create({ ...spec, id: 'none', selector: { groups: ['nowhere'] } }, 'user:ann'),
        (e) => hasCode(e, 'PW_ERR_CAMPAIGN_INVALID'));
    } finally {
      await h.store.close();
    }
  });
});
