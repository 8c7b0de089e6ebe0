import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '@phasewire/core';
import { defaultProtectionSettings, parseProtectionSettings } from '@phasewire/core/protocol';
import { LoadRelay } from '../load-relay.ts';
import { DefiniteTimeElement, InverseTimeElement, operatingTimeMs } from './elements.ts';
import { newProtectionInput } from './protection-input.ts';
import { nemaDerating, Protection } from './protection.ts';

describe('protection elements', () => {
  it('IEC 60255-151 curves: standard, very and extremely inverse at 2 × Is and TMS 0.1', () => {
    assert.ok(Math.abs(operatingTimeMs('standard-inverse', 0.1, 2) - 100 * 0.14 / (2 ** 0.02 - 1)) < 1e-9);
    assert.ok(Math.abs(operatingTimeMs('standard-inverse', 0.1, 2) - 1002.9) < 0.01, 'SI: 1.003 s');
    assert.equal(operatingTimeMs('very-inverse', 0.1, 2), 1350);
    assert.ok(Math.abs(operatingTimeMs('extremely-inverse', 0.1, 2) - 8000 / 3) < 1e-9);
    assert.equal(operatingTimeMs('extremely-inverse', 1, 1), Number.POSITIVE_INFINITY);
  });

  it('inverse time keeps a thermal memory: a second overload soon after the first trips sooner', () => {
    const element = new InverseTimeElement('very-inverse', 1, 1, 60_000, 0.02);
    let t = 0;
    const runAt = (multiple: number, ms: number): number | undefined => {
      for (let end = t + ms; t < end; t += 100) if (element.update(t, multiple) === 'operate') return t;
      return undefined;
    };
    runAt(2, 6_800); // 13.5 s at 2 × Is: half of it spent
    assert.ok(Math.abs(element.elapsed - 0.5) < 0.01);
    runAt(0, 15_000); // cools by 15/60 of the full memory
    assert.ok(Math.abs(element.elapsed - 0.25) < 0.01, `memory ${element.elapsed}`);
    const from = t;
    const tripped = runAt(2, 20_000);
    const after = tripped === undefined ? Number.POSITIVE_INFINITY : tripped - from;
    assert.ok(Math.abs(after - 0.75 * 13_500) <= 200, `tripped ${after} ms in, expected 3/4 of 13.5 s`);
  });

  it('a noisy value at the threshold picks up once and does not chatter (hysteresis)', () => {
    const random = new SeededRandom(7);
    const element = new DefiniteTimeElement('under', 0.85, 600_000, 0.02);
    const changes: string[] = [];
    for (let t = 0; t < 600_000; t += 200) {
      // ±0.5 % noise about the pickup: within the 2 % hysteresis band.
      const change = element.update(t, 0.85 * (1 + 0.01 * (random.next() - 0.5)));
      if (change !== undefined) changes.push(change);
    }
    assert.deepEqual(changes, ['pickup']);
  });

  it('protection on a noisy voltage at the undervoltage threshold: one pickup, no trip before the delay, no chatter', () => {
    const random = new SeededRandom(11);
    const relay = new LoadRelay();
    const protection = new Protection({ ...defaultProtectionSettings, undervoltage: { enabled: true, pickup: 0.85, delayMs: 120_000 } },
      relay);
    const input = newProtectionInput();
    let trips = 0;
    for (let t = 0; t < 119_800; t += 200) {
      for (let p = 0; p < 3; p++) {
        const v = 230 * 0.85 * (1 + 0.01 * (random.next() - 0.5));
        const angle = (-2 * Math.PI * p) / 3;
        input.voltage[p] = v;
        input.voltageRe[p] = v * Math.cos(angle);
        input.voltageIm[p] = v * Math.sin(angle);
        input.line[p] = v * Math.sqrt(3);
        input.current[p] = 10;
      }
      if (protection.evaluate(t, input) !== undefined) trips++;
    }
    assert.equal(trips, 0);
    assert.deepEqual(protection.status().pickedUp, ['undervoltage']);
    assert.equal(relay.state, 'closed');
  });

  it('NEMA MG 1 derating: 1 at 1 %, 0.75 at 5 %, none above', () => {
    assert.equal(nemaDerating(0.01), 1);
    assert.ok(Math.abs((nemaDerating(0.025) ?? 0) - 0.92) < 1e-9);
    assert.equal(nemaDerating(0.05), 0.75);
    assert.equal(nemaDerating(0.06), undefined);
  });

  it('settings: defaults filled in; a field out of range or a warning above the trip is refused, naming the field', () => {
    const settings = parseProtectionSettings({ version: 3, overcurrent: { curve: 'very-inverse' } });
    assert.deepEqual([settings.version, settings.overcurrent.curve, settings.overcurrent.pickup], [3, 'very-inverse', 1.2]);
    assert.throws(() => parseProtectionSettings({ version: 1, undervoltage: { pickup: 7 } }),
      (e: Error & { code?: string }) => e.code === 'PW_ERR_PROTECTION_SETTINGS' && e.message.includes('undervoltage.pickup'));
    assert.throws(() => parseProtectionSettings({ version: 1, voltageUnbalance: { warn: 0.05, trip: 0.03 } }), /warn is 0.05/);
    assert.throws(() => parseProtectionSettings({ version: 1, extra: true }), /extra/);
  });
});
