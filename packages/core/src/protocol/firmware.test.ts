import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../errors.ts';
import { decodeEvent } from './event.ts';
import { decodeStatus } from './status.ts';
import { firmwareProgressKind, firmwareStates, parseFirmwareProgress } from './firmware.ts';

const progress = { kind: firmwareProgressKind, campaign: 'spring-2027', target: 'PW3/r2/PW3-r2-1.4.0.bin', version: '1.4.0' };

describe('status firmware', () => {
  it('refuses a status whose firmware is on slot c or lacks its security version, naming the field', () => {
    const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
    for (const firmware of [{ version: '1.4.0', slot: 'c', securityVersion: 5 }, { version: '1.4.0', slot: 'a' }]) {
      assert.throws(() => decodeStatus(json({ state: 'online', firmware })),
        (error) => error instanceof DecodeError && error.code === 'PW_ERR_STATUS_INVALID' && error.message.includes('firmware'));
    }
  });
});

describe('firmware-progress event', () => {
  it('reads every state, from a plain object or a CBOR map, and keeps the reason', () => {
    for (const state of firmwareStates) assert.deepEqual(parseFirmwareProgress({ ...progress, state }), { ...progress, state });
    const map = new Map<string, unknown>([...Object.entries(progress), ['state', 'rolled-back'], ['reason', 'PW_ERR_X: no ack in 60 s']]);
    assert.deepEqual(parseFirmwareProgress(map), { ...progress, state: 'rolled-back', reason: 'PW_ERR_X: no ack in 60 s' });
    assert.equal(decodeEvent({ ...progress, state: 'trial' }).kind, 'firmware-progress');
  });

  it('ignores a field a later version adds, and drops it', () => {
    assert.deepEqual(parseFirmwareProgress({ ...progress, state: 'downloading', bytes: 1024 }), { ...progress, state: 'downloading' });
  });

  it('refuses an unknown state, a missing campaign and another kind, naming the field', () => {
    const refuses = (value: unknown, field: string): void => {
      assert.throws(() => parseFirmwareProgress(value),
        (error) => error instanceof DecodeError && error.code === 'PW_ERR_FIRMWARE_PROGRESS' && error.message.includes(field));
    };
    refuses({ ...progress, state: 'bricked' }, 'state');
    refuses({ ...progress, campaign: undefined, state: 'trial' }, 'campaign');
    refuses({ ...progress, kind: 'protection-trip', state: 'trial' }, 'kind');
    refuses({ ...progress, state: 'failed', reason: 'x'.repeat(501) }, 'reason');
  });
});
