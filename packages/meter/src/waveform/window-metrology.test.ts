import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newMeasurement } from '../measurement.ts';
import type { SampleWindow } from './sampler.ts';
import { WindowMetrology } from './window-metrology.ts';

const spc = 64;
const cycles = 10;
const n = spc * cycles;

/** x(k) = Σ √2·X·cos(h·(2πk/spc + shift) + angle) over the given harmonics. */
function signal(shift: number, parts: readonly [h: number, rms: number, angle: number][]): Float64Array {
  return Float64Array.from({ length: n }, (_, k) => parts.reduce((x, [h, x1, a]) => x + Math.SQRT2 * x1 * Math.cos(h * ((2 * Math.PI * k) /
    spc + shift) + a), 0));
}

describe('WindowMetrology', () => {
  it('measures RMS, P, Q1, THD and the neutral of a distorted three-phase window', () => {
    const shifts = [0, (-2 * Math.PI) / 3, (2 * Math.PI) / 3];
    const phi = Math.acos(0.8);
    const window: SampleWindow = {
      voltage: shifts.map((s) => signal(s, [[1, 230, 0], [5, 230 * 0.04, 0]])) as unknown as SampleWindow['voltage'],
      // Secondary amperes of a 100/5 CT: 0.5 A fundamental and a 3rd of 40 %.
      current: shifts.map((s) => signal(s, [[1, 0.5, -phi], [3, 0.2, 0]])) as unknown as SampleWindow['current'],
      time: new Float64Array(n),
    };
    const m = newMeasurement();
    new WindowMetrology(cycles, spc, [20, 20, 20]).measure(window, m);
    const close = (x: number, y: number, what: string): void => { assert.ok(Math.abs(x - y) < 1e-9 * Math.max(1, Math.abs(y)),
      `${what}: ${x} vs ${y}`); };
    close(m.currentSquare[0] ?? 0, 10 * 10 + 4 * 4, 'I² in primary amperes');
    close(m.voltageSquare[1] ?? 0, 230 ** 2 * (1 + 0.04 ** 2), 'V²');
    close(m.active[2] ?? 0, 230 * 10 * 0.8, 'P: the 3rd has no voltage to work with');
    close(m.reactive[0] ?? 0, 230 * 10 * 0.6, 'Q1');
    close(m.apparent[0] ?? 0, Math.sqrt(230 ** 2 * 1.0016 * 116), 'S = Vrms·Irms');
    close(Math.sqrt((m.voltageDistortionSquare[0] ?? 0) / (m.voltageFundamentalSquare[0] ?? 1)), 0.04, 'THD V');
    close(Math.sqrt((m.currentDistortionSquare[1] ?? 0) / (m.currentFundamentalSquare[1] ?? 1)), 0.4, 'THD I');
    // The fundamentals cancel in the neutral; the three 3rd harmonics are in phase and add.
    close(m.neutralSquare, (3 * 4) ** 2, 'I N² = (3 × 4 A)²');
    close(m.lineSquare[0] ?? 0, 3 * 230 ** 2 * (1 + 0.04 ** 2), 'L1-L2²: 5th is negative sequence, √3 as well');
  });
});
