// Scenario tests of local protection on the sensing layer: a reacting motor behind the relay, each
// scenario trips (or does not) at the time its settings give, in simulated time, and the motor's
// currents fall to zero after the trip.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMeterId, Q, type Snapshot } from '@phasewire/core';
import { defaultProtectionSettings, type ProtectionSettings } from '@phasewire/core/protocol';
import { defaultReactingMotor } from '../motor.ts';
import type { Scenario } from '../scenario.ts';
import { findScenario } from '../scenarios.ts';
import { createProtectedMeter } from './protected-meter.ts';
import type { TripRecord } from './protection.ts';

const start = Date.UTC(2026, 0, 1);
const second = 1000;
/** One 10-cycle window at 50 Hz: protection sees the meter this often. */
const window = 200;

const motorised = (name: string, changes: Partial<Scenario> = {}): Scenario => ({
  ...findScenario(name), name: `${name}-motor`, motor: defaultReactingMotor, ...changes,
});

function run(scenario: Scenario, until: number, settings: Partial<ProtectionSettings> = {}, mode: 'phasor' | 'waveform' = 'phasor') {
  const trips: TripRecord[] = [];
  const meter = createProtectedMeter({
    meter: parseMeterId('prot-1'), scenario, mode, seed: 1, start, settings: { ...defaultProtectionSettings, ...settings },
    onTrip: (record) => trips.push(record),
  });
  const snapshots: Snapshot[] = [];
  for (let t = second; t <= until; t += second) snapshots.push(meter.meter.advanceTo(start + t));
  return { meter, trips, snapshots };
}

const currents = (s: Snapshot): number[] => [Q.currentL1, Q.currentL2, Q.currentL3].map((code) => s.values.get(code) ?? Number.NaN);

/**
 * The trip came at `expected` ms after start, or within one window after it (protection sees each
 * window once); waveform mode stamps a window with its end, so a crossing inside one is seen up to a
 * window later: two windows.
 */
function assertTripAt(trip: TripRecord | undefined, fn: string, expected: number, windows = 1): TripRecord {
  assert.ok(trip !== undefined, `a ${fn} trip`);
  assert.equal(trip.fn, fn, `tripped by ${fn}: ${trip.reason}`);
  const at = trip.at - start;
  const latest = expected + windows * window;
  assert.ok(at >= expected - 1e-6 && at <= latest + 1e-6, `tripped at ${at} ms, expected ${expected} to ${latest} ms`);
  return trip;
}

/** After the trip, every interval that starts a window past it shows no current. */
function assertStopped(snapshots: readonly Snapshot[], trip: TripRecord): void {
  const after = snapshots.filter((s) => s.at - trip.at >= 2 * second);
  assert.ok(after.length > 0);
  for (const s of after) assert.deepEqual(currents(s), [0, 0, 0], `no current at ${s.at - start} ms`);
}

describe('local protection on the sensing layer', () => {
  for (const mode of ['phasor', 'waveform'] as const) {
    it(`phase loss (${mode}): L3 lost at 30 s trips 500 ms later, with single phasing in the pre-trip values`, () => {
      const { trips, snapshots } = run(motorised('phase-loss'), 40 * second, {}, mode);
      assert.equal(trips.length, 1);
      const trip = assertTripAt(trips[0], 'phase-loss', 30 * second + 500, mode === 'phasor' ? 1 : 2);
      assert.equal(trip.values.voltage[2], 0);
      assert.ok(Math.abs((trip.values.current[0] ?? 0) - 10 * Math.sqrt(3)) < 0.2, `pre-trip L1 ${trip.values.current[0]} A`);
      assert.deepEqual(trip.events.map((e) => e.fn).slice(0, 1), ['phase-loss']);
      assert.ok(Math.abs(currents(snapshots[20] ?? snapshots[0] as Snapshot)[0] as number - 10) < 0.1, 'the motor ran before');
      assertStopped(snapshots, trip);
    });
  }

  it('a developing imbalance trips on voltage unbalance when the NEMA unbalance has stayed past the trip level for its delay', () => {
    const hour = 3_600_000;
    const scenario = motorised('balanced-motor', {
      events: [{ kind: 'sag', phases: ['L3'], depth: 0.08, start: 0, duration: Number.POSITIVE_INFINITY, rise: hour }],
    });
    // L3 at u·230 V: U12 = 230√3, U23 = U31 = 230√(1 + u + u²); LVUR = 2(U12 − U23)/(U12 + 2·U23). Crossing 2 % by bisection.
    const lvurAt = (t: number): number => {
      const u = 1 - 0.08 * Math.min(1, t / hour);
      const u12 = Math.sqrt(3);
      const u23 = Math.sqrt(1 + u + u * u);
      return (2 * (u12 - u23)) / (u12 + 2 * u23);
    };
    let [low, high] = [0, hour];
    for (let k = 0; k < 60; k++) [low, high] = lvurAt((low + high) / 2) >= 0.02 ? [low, (low + high) / 2] : [(low + high) / 2, high];
    const crossing = Math.ceil(high / window) * window;
    const settings = { voltageUnbalance: { ...defaultProtectionSettings.voltageUnbalance, trip: 0.02, tripDelayMs: 10_000 } };
    const { trips, snapshots } = run(scenario, Math.round(crossing + 20 * second), settings);
    const trip = assertTripAt(trips[0], 'voltage-unbalance', crossing + 10_000);
    assert.match(trip.reason, /derating factor 0\.95/);
    assert.ok(trip.values.currentUnbalance > 4 * trip.values.voltageUnbalance, 'the motor turned it into a larger current unbalance');
    assertStopped(snapshots, trip);
  });

  it('a reversed rotation trips a running motor and blocks closing the relay', () => {
    const scenario = motorised('balanced-motor', { supply: { rotation: 'reversed' } });
    const { meter, trips, snapshots } = run(scenario, 5 * second);
    // Picked up at the first window (200 ms), tripped at the first window 500 ms after it.
    const trip = assertTripAt(trips[0], 'phase-sequence', 700);
    assert.equal(trip.values.sequence, 'negative');
    assertStopped(snapshots, trip);
    const armed = meter.control.reconnect('arm', false);
    assert.deepEqual([armed.ok, armed.armed], [true, true]);
    const refused = meter.control.confirmLocally();
    assert.equal(refused.code, 'PW_ERR_RELAY_BLOCKED');
    assert.match(refused.reason ?? '', /phase sequence is reversed/);
    assert.equal(meter.relay.state, 'open');
    assert.deepEqual(currents(meter.meter.advanceTo(start + 8 * second)), [0, 0, 0]);
  });

  it('a 30 % sag trips on undervoltage 3 s after it starts; a sag shorter than the delay does not trip', () => {
    const { trips, snapshots } = run(motorised('sag'), 30 * second);
    const trip = assertTripAt(trips[0], 'undervoltage', 23 * second);
    assert.ok(Math.abs((trip.values.current[0] ?? 0) - 10 / 0.7) < 0.1, 'the motor drew more current in the sag');
    assertStopped(snapshots, trip);
    const long = run(motorised('sag'), 130 * second, { undervoltage: { enabled: true, pickup: 0.85, delayMs: 6000 } });
    assert.deepEqual(long.trips, []);
  });

  it('an over-current of twice rated trips on the extremely inverse curve: 80/((2/1.2)² − 1) s after it starts', () => {
    const scenario = motorised('balanced-motor', {
      events: [{ kind: 'load-change', phases: ['L1', 'L2', 'L3'], change: 1, start: 10 * second, duration: Number.POSITIVE_INFINITY }],
    });
    const expected = 10 * second + 1000 * 80 / ((2 / 1.2) ** 2 - 1);
    const { trips, snapshots } = run(scenario, 70 * second);
    // Integrated window by window (the value at a window's start held over it): never before the curve's time.
    const trip = assertTripAt(trips[0], 'overcurrent', expected);
    assertStopped(snapshots, trip);
  });

  it('a healthy motor does not trip, and the status shows no unbalance and a derating factor of 1', () => {
    const { meter, trips } = run(motorised('balanced-motor'), 60 * second);
    assert.deepEqual(trips, []);
    const status = meter.protection.status();
    assert.deepEqual([status.armed, status.pickedUp, status.derating], [true, [], 1]);
    assert.ok(meter.evaluations >= 60 * 5);
  });
});
