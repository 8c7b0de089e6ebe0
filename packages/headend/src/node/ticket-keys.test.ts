import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@phasewire/core';
import { ensureTicketKeys, ticketKeyBytes, ticketKeyFile, ticketKeyLifetimeMs } from './ticket-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'phasewire-ticket-keys-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

test('the session-ticket keys are kept across starts for a day, then replaced, in a file only the owner reads', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  const first = await ensureTicketKeys(dir, clock);
  assert.equal(first.keys.length, ticketKeyBytes);
  assert.equal(statSync(join(dir, ticketKeyFile)).mode & 0o777, 0o600);
  clock.advance(ticketKeyLifetimeMs - 1);
  assert.deepEqual((await ensureTicketKeys(dir, clock)).keys, first.keys, 'a restart within the day reuses them');
  clock.advance(1);
  const second = await ensureTicketKeys(dir, clock);
  assert.notDeepEqual(second.keys, first.keys, 'rotated after a day');
  assert.equal(second.createdAt, clock.now());
  assert.deepEqual((await ensureTicketKeys(dir, clock)).keys, second.keys);
});

test('a damaged, short or future-dated key file is replaced, not trusted', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  for (const text of ['not json', JSON.stringify({ createdAt: clock.now(), keys: Buffer.alloc(16).toString('base64') }),
    JSON.stringify({ createdAt: clock.now() + 60_000, keys: Buffer.alloc(48, 1).toString('base64') })]) {
    writeFileSync(join(dir, ticketKeyFile), text);
    const keys = await ensureTicketKeys(dir, clock);
    assert.equal(keys.keys.length, ticketKeyBytes);
    assert.notDeepEqual(keys.keys, new Uint8Array(48).fill(1));
    assert.equal(keys.createdAt, clock.now());
  }
});
