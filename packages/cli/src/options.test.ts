import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseChoice, parseDuration, parseInstant, parseInteger } from './options.ts';

describe('option parsers', () => {
  it('read durations in every unit and in combination', () => {
    assert.equal(parseDuration('--d', '250ms'), 250);
    assert.equal(parseDuration('--d', '90s'), 90_000);
    assert.equal(parseDuration('--d', '15m'), 900_000);
    assert.equal(parseDuration('--d', '15min'), 900_000);
    assert.equal(parseDuration('--d', '1h30m'), 5_400_000);
    assert.equal(parseDuration('--d', '2d'), 172_800_000);
    assert.equal(parseDuration('--d', '0.5h'), 1_800_000);
  });

  it('refuse durations that are empty, negative, unitless or zero', () => {
    for (const bad of ['', '-1h', '15', 'h', '1 h', '1y', '0m']) {
      assert.throws(() => parseDuration('--duration', bad), { code: 'PW_ERR_INVALID_OPTION', message: /--duration/ }, bad);
    }
  });

  it('read integers within bounds only', () => {
    assert.equal(parseInteger('--n', '12', 1, 100), 12);
    for (const bad of ['0', '101', '1e3', '1.5', 'ten', '']) assert.throws(() => parseInteger('--n', bad, 1, 100),
      /expected a whole number from 1 to 100/);
  });

  it('read one of a set of words', () => {
    assert.equal(parseChoice('--f', 'csv', ['csv', 'json']), 'csv');
    assert.throws(() => parseChoice('--f', 'CSV', ['csv', 'json']), /expected one of csv, json/);
  });

  it('read ISO 8601 instants with a zone only', () => {
    assert.equal(parseInstant('--start', '2026-01-01T00:00:00Z'), Date.UTC(2026, 0, 1));
    assert.equal(parseInstant('--start', '2026-01-01T01:00+01:00'), Date.UTC(2026, 0, 1));
    for (const bad of ['2026-01-01', '2026-01-01T00:00:00', 'tomorrow', '2026-13-01T00:00:00Z']) {
      assert.throws(() => parseInstant('--start', bad), /expected an ISO 8601 time with a zone/, bad);
    }
  });
});
