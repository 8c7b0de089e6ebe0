import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMeterId } from '@phasewire/core';
import { parseIsoWeek, weekSpan, weeklyPqReport } from '@phasewire/mdm';
import { powerQualityCsv } from './power-quality-csv.ts';

test('a ten-minute interval of 200 000 readings (1 ms apart) is written, with its frequency range, without overflowing the stack', () => {
  const week = weekSpan(parseIsoWeek('2026-W10'), 'UTC');
  const readings = Array.from({ length: 200_000 }, (_, k) => ({
    at: week.from + 1 + k, voltages: [230, 230, 230] as const, unbalance: 0.001, thd: [0.01, 0.01, 0.01] as const,
    frequency: k === 7 ? 49.9 : k === 99_999 ? 50.2 : 50,
  }));
  const report = weeklyPqReport({ meter: parseMeterId('pq-dense-1'), week, declaredVoltage: 230, nominalFrequency: 50, readings });
  const first = powerQualityCsv(report).split('\r\n')[1]?.split(',') ?? [];
  assert.deepEqual([first[6], first[14], first[15]], ['200000', '49.9', '50.2']);
});
