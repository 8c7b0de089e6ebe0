import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CommandRecord } from '../command-record.ts';
import { CommandLog } from './command-log.ts';
import { openHeadEndDatabase } from './sqlite-registry.ts';

const t0 = Date.UTC(2026, 0, 5, 10, 0);
const day = 86_400_000;

describe('command log', () => {
  it('keeps pending commands across a restart of the head-end, settles them once, and drops settled ones after their retention',
    async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-command-log-'));
    try {
      const path = join(dir, 'headend.db');
      let db = openHeadEndDatabase(path);
      let log = new CommandLog(db, { retentionMs: day });
      const sent: CommandRecord = { id: 'c1', device: 'm-1', kind: 'read', sentAt: t0, expiresAt: t0 + 7_200_000, status: 'pending' };
      log.add(sent);
      log.add({ ...sent, id: 'c2', kind: 'clock-sync' });
      db.close();

      db = openHeadEndDatabase(path);
      log = new CommandLog(db, { retentionMs: day });
      assert.deepEqual(log.pending().map((r) => r.id).sort(), ['c1', 'c2']);
      const done: CommandRecord = { ...sent, status: 'done', settledAt: t0 + 60_000, result: { at: 'x', values: { big: 10n ** 20n } } };
      log.settle(done);
      assert.deepEqual(log.get('c1'), { ...done, result: { at: 'x', values: { big: '100000000000000000000' } } });
      assert.deepEqual(log.pending().map((r) => r.id), ['c2']);
      log.add({ ...sent, id: 'c3', sentAt: t0 + 2 * day });
      assert.equal(log.get('c1'), undefined, 'settled more than a day before: dropped');
      assert.equal(log.get('c2')?.status, 'pending', 'a pending command is kept whatever its age');
      db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps what a command carried, and finds the latest protection settings a device confirmed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-command-log-'));
    try {
      const db = openHeadEndDatabase(join(dir, 'headend.db'));
      const log = new CommandLog(db);
      const base: CommandRecord = {
        id: 'p1', device: 'm-1', kind: 'protection-settings', sentAt: t0, expiresAt: t0 + 60_000, status: 'pending',
      };
      log.add(base, { settings: { version: 2 } });
      log.add({ ...base, id: 'p2', sentAt: t0 + 1000 }, { settings: { version: 3 } });
      log.add({ ...base, id: 'p3', device: 'm-2' }, { settings: { version: 9 } });
      assert.equal(log.latestDone('m-1', 'protection-settings'), undefined, 'none confirmed yet');
      log.settle({ ...base, status: 'done', settledAt: t0 + 500 });
      log.settle({ ...base, id: 'p2', status: 'failed', code: 'PW_ERR_PROTECTION_VERSION', settledAt: t0 + 1500 });
      const latest = log.latestDone('m-1', 'protection-settings');
      assert.deepEqual([latest?.record.id, latest?.params], ['p1', { settings: { version: 2 } }],
        'the refused version 3 is not the meter\'s');
      db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
