// When the MDM check of /readyz says the runs are current: the last run finished within three periods
// of the schedule (at least a minute) of real time, a run under way has not taken longer, and a
// service that has just started has until then for its first run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MdmService, MdmStatus } from '@phasewire/mdm/node';
import { bounded, mdmCurrent } from './readiness.ts';

const minute = 60_000;

function service(status: Partial<MdmStatus>): MdmService {
  const full: MdmStatus = {
    upForMs: 10 * minute, runEveryMs: minute, runs: 0, lastRun: null, runningForMs: null, writtenByRule: new Map(), meterFailures: 0,
    ...status,
  };
  return { status: () => full } as unknown as MdmService;
}
const last = (ageMs: number, failures = 0): MdmStatus['lastRun'] => ({ upTo: 0, durationMs: 100, ageMs, meters: 40, failures });

describe('readiness: MDM runs current', () => {
  it('is ok when the MDM is off, and failing when it should run and does not', () => {
    assert.deepEqual(mdmCurrent(undefined, false), { ok: true, detail: 'off (mdm.enabled is false)' });
    assert.equal(mdmCurrent(undefined, true).ok, false);
  });

  it('is ok while the last run finished within three periods, failing after', () => {
    assert.deepEqual(mdmCurrent(service({ lastRun: last(2 * minute, 1) }), true),
      { ok: true, detail: 'last run finished 120 s ago over 40 meters, 1 failed' });
    const stale = mdmCurrent(service({ lastRun: last(3 * minute + 1000) }), true);
    assert.equal(stale.ok, false);
    assert.match(stale.detail, /last run finished 181 s ago over 40 meters; expected one every 60 s \(allowed 180 s\)/);
  });

  it('gives a new service three periods for its first run, and a run under way as long', () => {
    assert.equal(mdmCurrent(service({ upForMs: 2 * minute }), true).ok, true);
    assert.match(mdmCurrent(service({ upForMs: 4 * minute }), true).detail, /no run has finished in 240 s since start/);
    assert.equal(mdmCurrent(service({ runningForMs: 2 * minute, lastRun: last(5 * minute) }), true).ok, true);
    assert.match(mdmCurrent(service({ runningForMs: 4 * minute, lastRun: last(9 * minute) }), true).detail,
      /a run has been under way for 240 s; the last finished 540 s ago/);
  });

  it('allows at least a minute when runs are more frequent', () => {
    assert.equal(mdmCurrent(service({ runEveryMs: 5000, lastRun: last(50_000) }), true).ok, true);
    assert.equal(mdmCurrent(service({ runEveryMs: 5000, lastRun: last(61_000) }), true).ok, false);
  });

describe('readiness: what /readyz shows of a failing peer', () => {
  it('scrubs a connection string\'s password from the error it shows (the probe answers anyone)', async () => {
    const check = await bounded('store', () => Promise.reject(new Error('connect ECONNREFUSED postgres://pw:hunter2@db:5432/phasewire')));
    assert.equal(check.state, 'failing');
    assert.equal(check.detail, 'connect ECONNREFUSED postgres://pw:[redacted]@db:5432/phasewire');
  });
});
});
