import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '@phasewire/core';
import type { CampaignDeviceRecord, CampaignRecord } from '@phasewire/store';
import {
  applyProgress, assignWaves, checkCampaignSpec, nextStep, selectDevices, windowAt, type CampaignSpec, type FleetDevice,
} from './campaign-engine.ts';

const spec: CampaignSpec = {
  id: 'spring', name: 'Spring fix', target: 'PW3/r2/PW3-r2-1.4.0.bin', version: '1.4.0', selector: {}, waves: [0.1, 1],
  failureThreshold: 0.2, window: null,
};
const campaign: CampaignRecord = { ...checkCampaignSpec(spec), status: 'running', wave: 0, statusReason: null, acceptedFailures: 0,
  createdBy: 'user:ann', createdAt: 0, updatedAt: 0 };
const said = (outcome: CampaignDeviceRecord | string): string => (typeof outcome === 'string' ? outcome : outcome.state);
const device = (state: CampaignDeviceRecord['state']): CampaignDeviceRecord => ({
  campaign: 'spring', device: 'm1', wave: 0, state, reason: null, command: 'c1', updatedAt: 0,
});
const progress = (state: CampaignDeviceRecord['state'], reason?: string) => ({
  kind: 'firmware-progress' as const, campaign: 'spring', target: campaign.target, version: '1.4.0', state,
  ...(reason === undefined ? {} : { reason }),
});

describe('campaign engine', () => {
  it('selects by model, current version, group and tag, and leaves out devices already on the version', () => {
    const fleet: FleetDevice[] = [
      { id: 'a', model: 'PW3', version: '1.3.0', group: 'north', tags: ['pilot'] },
      { id: 'b', model: 'PW3', version: '1.2.0', group: 'south', tags: [] },
      { id: 'c', model: 'SM630', version: '1.3.0', group: 'north', tags: ['pilot'] },
      { id: 'd', model: 'PW3', version: '1.4.0', group: 'north', tags: ['pilot'] },
      { id: 'e', model: 'PW3', version: null, group: null, tags: ['pilot', 'x'] },
    ];
    const ids = (selector: CampaignSpec['selector']): string[] =>
      selectDevices(checkCampaignSpec({ ...spec, selector }).selector, '1.4.0', fleet).map((d) => d.id);
    assert.deepEqual(ids({}), ['a', 'b', 'e']);
    assert.deepEqual(ids({ versions: ['1.3.0'] }), ['a']);
    assert.deepEqual(ids({ groups: ['south'] }), ['b']);
    assert.deepEqual(ids({ tags: ['x'] }), ['e']);
    assert.deepEqual(ids({ tags: ['pilot'], groups: ['north'] }), ['a']);
  });

  it('refuses a spec whose waves, threshold, window, zone or model do not make sense, saying which', () => {
    const refused = (change: Partial<CampaignSpec>, words: RegExp): void => {
      assert.throws(() => checkCampaignSpec({ ...spec, ...change }), (e) => hasCode(e, 'PW_ERR_CAMPAIGN_INVALID') && words.test(String(e)));
    };
    refused({ waves: [0.5, 0.4, 1] }, /waves/);
    refused({ waves: [0.1, 0.9] }, /waves/);
    refused({ failureThreshold: 1.5 }, /threshold/);
    refused({ window: { start: '25:00', end: '04:00', zone: 'UTC' } }, /window/);
    refused({ window: { start: '22:00', end: '04:00', zone: 'Mars/Olympus' } }, /zone/);
    refused({ selector: { models: ['SM630'] } }, /for model PW3 only/);
    refused({ target: '../etc/passwd' }, /target/);
  });

  it('puts a canary share in the first wave, at least one device, the same way on every run', () => {
    const devices = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    const waves = assignWaves('spring', [0.05, 0.3, 1], devices);
    const sizes = [0, 1, 2].map((w) => [...waves.values()].filter((x) => x === w).length);
    assert.deepEqual(sizes, [50, 250, 700]);
    assert.deepEqual(assignWaves('spring', [0.05, 0.3, 1], [...devices].reverse()), waves);
    assert.deepEqual([...assignWaves('x', [0.01, 1], ['a', 'b', 'c']).values()].sort(), [0, 1, 1]);
  });

  it('moves a device forward only, takes failed from any step, and keeps a final state', () => {
    const trial = applyProgress(device('downloading'), campaign, progress('trial'), 5);
    assert.equal(typeof trial !== 'string' && trial.state, 'trial');
    assert.match(said(applyProgress(device('trial'), campaign, progress('downloading'), 5)), /already trial/);
    const failed = applyProgress(device('downloading'), campaign, progress('failed', 'PW_ERR_FIRMWARE_DOWNLOAD: cut'), 5);
    assert.deepEqual(typeof failed === 'string' ? failed : [failed.state, failed.reason], ['failed', 'PW_ERR_FIRMWARE_DOWNLOAD: cut']);
    assert.match(said(applyProgress(device('committed'), campaign, progress('rolled-back'), 5)), /already committed/);
    assert.match(said(applyProgress(device('offered'), campaign, { ...progress('trial'), version: '9.9.9' }, 5)), /the campaign offered/);
  });

  it('pauses when failures pass the threshold, then moves to the next wave once every device of the waves so far is final', () => {
    const count = (state: CampaignDeviceRecord['state'], n: number, wave = 0) => ({ wave, state, count: n });
    assert.equal(nextStep(campaign, [count('committed', 8), count('failed', 2), count('pending', 90, 1)]).kind, 'next-wave');
    assert.equal(nextStep(campaign, [count('committed', 7), count('rolled-back', 3), count('pending', 90, 1)]).kind, 'pause');
    assert.equal(nextStep({ ...campaign, acceptedFailures: 3 }, [count('committed', 7), count('rolled-back', 3)]).kind, 'next-wave');
    assert.equal(nextStep(campaign, [count('committed', 8), count('trial', 2), count('pending', 90, 1)]).kind, 'offer');
    assert.equal(nextStep({ ...campaign, wave: 1 }, [count('committed', 10), count('committed', 90, 1)]).kind, 'done');
  });

  it('opens a maintenance window in its zone, across midnight and across a change of the clocks', () => {
    const window = { start: '22:00', end: '04:00', zone: 'Europe/Berlin' };
    // 2027-01-15 12:00 UTC is 13:00 in Berlin: closed, next from 21:00 UTC to 03:00 UTC.
    const noon = Date.UTC(2027, 0, 15, 12);
    assert.deepEqual(windowAt(window, noon), { open: false, from: Date.UTC(2027, 0, 15, 21), until: Date.UTC(2027, 0, 16, 3) });
    // 01:30 UTC is 02:30 in Berlin: inside the window that began the evening before.
    assert.deepEqual(windowAt(window, Date.UTC(2027, 0, 16, 1, 30)),
      { open: true, from: Date.UTC(2027, 0, 15, 21), until: Date.UTC(2027, 0, 16, 3) });
    // Summer (CEST, UTC+2): the window starts at 20:00 UTC.
    assert.equal(windowAt(window, Date.UTC(2027, 6, 15, 12)).from, Date.UTC(2027, 6, 15, 20));
    assert.equal(windowAt(null, noon).open, true);
  });
});
