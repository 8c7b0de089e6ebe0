// An imbalance scenario: the negative sequence of the supply grows over a few hours and falls back.
// The voltages are built from chosen VUF values (U2 = VUF · U1), so the intervals at which the alarm
// must raise, escalate and clear follow from the thresholds alone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { abs, arg, complex, fromSymmetricalComponents, Q, SeededRandom, type Snapshot } from '@phasewire/core';
import { AlarmEngine } from './alarm-engine.ts';
import { metricsOf, silenceOf, veeFailuresOf } from './alarm-metrics.ts';
import { notificationOf, alarmTopic } from './notification.ts';
import { intervalAnalytics } from '../analytics/interval-analytics.ts';
import { meterMeta, monday, quarterHour } from '../testing/mdm-test-kit.ts';

const meta = meterMeta({ groups: ['feeder-7'] });
const t = (k: number): number => monday + k * quarterHour;

/** A snapshot of 230 V positive sequence with the given VUF, and a balanced 40 A load. */
function snapshot(at: number, vuf: number): Snapshot {
  const phases = fromSymmetricalComponents({ zero: complex(0), positive: complex(230), negative: complex(230 * vuf) });
  const angle = (k: 1 | 2): number => (((arg(phases[0]) - arg(phases[k])) * 180) / Math.PI + 360) % 360;
  return {
    meter: meta.meter,
    at,
    values: new Map([
      [Q.voltageL1, abs(phases[0])], [Q.voltageL2, abs(phases[1])], [Q.voltageL3, abs(phases[2])],
      [Q.angleVoltageL2, angle(1)], [Q.angleVoltageL3, angle(2)],
      [Q.currentL1, 40], [Q.currentL2, 40], [Q.currentL3, 40], [Q.powerFactor, 0.97],
    ]),
  };
}

//                 0    1    2    3    4    5    6    7    8    9    10   11   12   13   14   15   16
const schedule = [1.0, 1.0, 1.0, 1.0, 2.1, 2.2, 2.6, 3.1, 3.4, 3.5, 2.9, 2.5, 1.9, 1.7, 1.6, 1.0, 1.0];

function replay(engine: AlarmEngine): string[] {
  const path: string[] = [];
  schedule.forEach((percent, k) => {
    const analytics = intervalAnalytics(snapshot(t(k), percent / 100));
    for (const tr of engine.evaluate(meta, t(k), metricsOf(analytics, meta)))
      path.push(`${tr.alarm.type} ${tr.from}→${tr.alarm.state} at ${k}`);
  });
  return path;
}

describe('the alarm engine on a developing imbalance', () => {
  it('raises at the second interval above 2 %, escalates at the second above 3 % and clears at the second below 1.8 %', () => {
    const engine = new AlarmEngine();
    assert.deepEqual(replay(engine), [
      'voltage-unbalance normal→raised at 5',
      'voltage-unbalance raised→escalated at 8',
      'voltage-unbalance escalated→cleared at 14',
    ]);
    const alarm = engine.alarm(meta.meter, 'voltage-unbalance');
    assert.ok(Math.abs((alarm.peak ?? 0) - 0.035) < 1e-12);
    assert.deepEqual(engine.active(), []);
  });

  it('raises once, not many times, on a seeded noisy VUF around the 2 % threshold', () => {
    const random = new SeededRandom(7);
    const engine = new AlarmEngine();
    const bare = new AlarmEngine({ defaults: { rules: { 'voltage-unbalance': { hysteresis: 0, raiseAfter: 1, clearAfter: 1 } },
      lifecycle: { reopenWithinMs: 0 } } });
    let raised = 0;
    let flaps = 0;
    for (let k = 0; k < 400; k++) {
      const metrics = metricsOf(intervalAnalytics(snapshot(t(k), 0.0205 + random.between(-0.0015, 0.0015))), meta);
      raised += engine.evaluate(meta, t(k), metrics).filter((tr) => tr.alarm.state === 'raised').length;
      flaps += bare.evaluate(meta, t(k), metrics).filter((tr) => tr.alarm.state === 'raised').length;
    }
    assert.equal(raised, 1);
    assert.ok(flaps > 30, `without hysteresis and debounce the same signal raised ${flaps} times`);
  });

  it('follows the configuration of the meter\'s group', () => {
    const engine = new AlarmEngine({ groups: { 'feeder-7': { rules: { 'voltage-unbalance': { warn: 0.025, critical: 0.05 } } } } });
    assert.deepEqual(replay(engine), ['voltage-unbalance normal→raised at 7', 'voltage-unbalance raised→cleared at 13']);
  });

  it('carries its state over a restore', () => {
    const engine = new AlarmEngine();
    const analytics = intervalAnalytics(snapshot(t(0), 0.025));
    engine.evaluate(meta, t(0), metricsOf(analytics, meta));
    const restored = AlarmEngine.restore({}, engine.state());
    assert.equal(restored.evaluate(meta, t(1), metricsOf(analytics, meta))[0]?.alarm.state, 'raised');
  });

  it('raises no low-power-factor warning for a balanced motor at exactly PF 0.90, and raises it at 0.89', () => {
    // The balanced-motor scenario (docs/sensing.md): 10 A per phase at PF 0.9, P = 3 × 2070 W, S = 3 × 2300 VA.
    const motor = (at: number, pf: number): Snapshot => ({
      meter: meta.meter, at, values: new Map([
        [Q.voltageL1, 230], [Q.voltageL2, 230], [Q.voltageL3, 230], [Q.angleVoltageL2, 120], [Q.angleVoltageL3, 240],
        [Q.currentL1, 10], [Q.currentL2, 10], [Q.currentL3, 10], [Q.activePower, 6900 * pf], [Q.apparentPower, 6900], [Q.powerFactor, pf],
      ]),
    });
    const at = (pf: number): string[] => {
      const engine = new AlarmEngine();
      return Array.from({ length: 8 }, (_, k) => engine.evaluate(meta, t(k), metricsOf(intervalAnalytics(motor(t(k), pf)), meta)))
        .flat().map((tr) => `${tr.alarm.type} ${tr.alarm.state}`);
    };
    assert.deepEqual(at(0.9), []);
    assert.deepEqual(at(0.89), ['low-power-factor raised']);
  });

  it('acknowledges with a note and tells the notifiers what happened', () => {
    const engine = new AlarmEngine();
    for (const k of [0, 1]) engine.evaluate(meta, t(k), metricsOf(intervalAnalytics(snapshot(t(k), 0.025)), meta));
    const ack = engine.acknowledge(meta, 'voltage-unbalance', t(2), 'op-li', 'tap changer on feeder 7 checked');
    const n = notificationOf(ack);
    assert.deepEqual(n, {
      kind: 'phasewire.alarm', version: 1, id: 'meter-0001/voltage-unbalance/1', meter: 'meter-0001', alarm: 'voltage-unbalance',
      occurrence: 1,
      state: 'acknowledged', previousState: 'raised', severity: 'warn', at: '2024-01-01T00:30:00.000Z', value: 2.5, peak: 2.5, unit: '%',
      reason: 'acknowledged by op-li: tap changer on feeder 7 checked', reopened: 0,
      acknowledgement: { at: '2024-01-01T00:30:00.000Z', actor: 'op-li', note: 'tap changer on feeder 7 checked' },
    });
    assert.equal(alarmTopic('phasewire/alarms', n), 'phasewire/alarms/meter-0001/voltage-unbalance');
  });

  it('escalates an unacknowledged alarm on a tick when the meter has gone quiet', () => {
    const engine = new AlarmEngine({ defaults: { lifecycle: { escalateAfterMs: 2 * quarterHour } } });
    engine.evaluate(meta, t(0), { 'meter-silent': silenceOf(t(-5), t(0), quarterHour) });
    assert.equal(engine.alarm(meta.meter, 'meter-silent').state, 'raised');
    assert.deepEqual(engine.tick([meta], t(1)), []);
    assert.deepEqual(engine.tick([meta], t(2)).map((tr) => tr.alarm.state), ['escalated']);
  });
});

describe('alarm metrics', () => {
  it('sees a lost phase as phase loss, not as under-voltage of the phases left', () => {
    const lost: Snapshot = { meter: meta.meter, at: t(0), values: new Map([[Q.voltageL1, 231], [Q.voltageL2, 229], [Q.voltageL3, 3]]) };
    const m = metricsOf(intervalAnalytics(lost), meta);
    assert.ok(Math.abs((m['phase-loss'] ?? 1) - 3 / 230) < 1e-12);
    assert.equal(m['under-voltage'], 229 / 230);
  });

  it('does not judge power factor or current unbalance at no load', () => {
    const idle: Snapshot =
      { meter: meta.meter, at: t(0), values: new Map([[Q.currentL1, 0.5], [Q.currentL2, 0], [Q.currentL3, 0], [Q.powerFactor, 0.2]]) };
    const m = metricsOf(intervalAnalytics(idle), meta);
    assert.equal(m['low-power-factor'], null);
    assert.equal(m['current-unbalance'], null);
  });

  it('counts silence in whole intervals and VEE failures from provenance', () => {
    assert.equal(silenceOf(t(0), t(4) + 1, quarterHour), 4);
    assert.equal(silenceOf(null, t(4), quarterHour), null);
    const intervals = [
      { at: t(1), value: 1, quality: 'validated' as const, raw: 1, provenance: [], history: [] },
      { at: t(2), value: 1, quality: 'suspect' as const, raw: 1, provenance: [], history: [] },
      { at: t(3), value: 1, quality: 'estimated' as const, raw: 9,
        provenance: [{ rule: 'VEE-REGISTER-BACKWARDS' as const, from: 9, to: null, quality: 'missing' as const, reason: '' }],
        history: [] },
      { at: t(4), value: 1, quality: 'estimated' as const, raw: null,
        provenance: [{ rule: 'VEE-GAP' as const, from: null, to: null, quality: 'missing' as const, reason: '' }], history: [] },
    ];
    assert.equal(veeFailuresOf(intervals), 2);
  });
});
