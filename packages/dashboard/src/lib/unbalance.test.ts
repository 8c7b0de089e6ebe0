import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { labelOf, unbalanceLevel } from './unbalance.ts';

describe('unbalance labels', () => {
  it('name each figure with its standard', () => {
    assert.equal(labelOf('vuf'), 'VUF (IEC 61000-4-30)');
    assert.equal(labelOf('lvur'), 'LVUR (NEMA MG 1)');
    assert.equal(labelOf('pvur'), 'PVUR (IEEE 112)');
  });
});

describe('unbalanceLevel', () => {
  it('grades against the NEMA derating point and the EN 50160 limit', () => {
    assert.equal(unbalanceLevel(0.005), 'normal');
    assert.equal(unbalanceLevel(0.01), 'elevated');
    assert.equal(unbalanceLevel(0.0199), 'elevated');
    assert.equal(unbalanceLevel(0.02), 'over');
    assert.equal(unbalanceLevel(0.027), 'over');
  });
  it('says unknown rather than normal when there is no figure', () => {
    assert.equal(unbalanceLevel(null), 'unknown');
    assert.equal(unbalanceLevel(Number.NaN), 'unknown');
  });
});
