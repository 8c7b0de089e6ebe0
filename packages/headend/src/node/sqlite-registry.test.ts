import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { parseMeterId } from '@phasewire/core';
import { openHeadEndDatabase, SqliteDeviceRegistry } from './sqlite-registry.ts';

const meter = parseMeterId('meter-reg-001');
const cert = { fingerprint: 'aa'.repeat(32), serial: '01' };
const dirs: string[] = [];
after(async () => { for (const dir of dirs) await rm(dir, { recursive: true, force: true }); });

async function freshPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pw-registry-'));
  dirs.push(dir);
  return join(dir, 'headend.db');
}

/** What another process would find in the file: a second connection sees committed rows only. */
function onDisk(path: string, id: string): { state: string; lastSeen: number | null; fingerprint: string | null } | undefined {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare('SELECT state, last_seen, fingerprint FROM device WHERE id = ?').get(id);
    if (row === undefined) return undefined;
    return { state: String(row['state']), lastSeen: typeof row['last_seen'] === 'number' ? row['last_seen'] : null,
      fingerprint: typeof row['fingerprint'] === 'string' ? row['fingerprint'] : null };
  } finally {
    db.close();
  }
}

describe('SqliteDeviceRegistry write policy', () => {
  it('writes enrolment, the first binding and a revocation through, before the call returns', async () => {
    const path = await freshPath();
    const db = openHeadEndDatabase(path);
    const registry = new SqliteDeviceRegistry(db, { flushMs: 60_000 });
    registry.enrol({ id: meter, kind: 'meter' });
    assert.equal(onDisk(path, meter)?.state, 'enrolled');
    registry.bind(meter, cert, 1_000);
    assert.deepEqual(onDisk(path, meter), { state: 'active', lastSeen: 1_000, fingerprint: cert.fingerprint });
    registry.bind(meter, { fingerprint: 'bb'.repeat(32), serial: '02' }, 2_000);
    assert.equal(onDisk(path, meter)?.fingerprint, 'bb'.repeat(32), 'a new certificate is a change of what the device is');
    registry.revoke(meter, 3_000);
    assert.equal(onDisk(path, meter)?.state, 'revoked');
    assert.equal(registry.pending, 0);
    registry.close();
    db.close();
  });

  it('keeps the model and link a device reports, written through when they change, and ignores an unknown device', async () => {
    const path = await freshPath();
    const db = openHeadEndDatabase(path);
    const registry = new SqliteDeviceRegistry(db, { flushMs: 60_000 });
    registry.enrol({ id: meter, kind: 'meter' });
    assert.equal(registry.describe('nobody-here', { model: 'sdm630' }), undefined);
    registry.describe(meter, { model: 'sdm630', linkProfile: 'rs485' });
    registry.describe(meter, { linkProfile: 'rs485' });
    const second = openHeadEndDatabase(path);
    const reopened = new SqliteDeviceRegistry(second);
    assert.deepEqual([reopened.get(meter)?.model, reopened.get(meter)?.linkProfile], ['sdm630', 'rs485']);
    reopened.close();
    second.close();
    registry.close();
    db.close();
  });

  it('keeps the last seen of reconnects and disconnects in memory until the batch, then writes it in one go', async () => {
    const path = await freshPath();
    const db = openHeadEndDatabase(path);
    const registry = new SqliteDeviceRegistry(db, { flushMs: 60_000 });
    registry.enrol({ id: meter, kind: 'meter' });
    registry.bind(meter, cert, 1_000);
    registry.bind(meter, cert, 2_000);
    registry.touch(meter, 3_000);
    assert.equal(registry.get(meter)?.lastSeen, 3_000, 'reads see the newest mark at once');
    assert.equal(onDisk(path, meter)?.lastSeen, 1_000, 'the reconnect and the disconnect are not written yet');
    assert.equal(registry.pending, 1);
    registry.flush();
    assert.equal(onDisk(path, meter)?.lastSeen, 3_000);
    assert.equal(registry.pending, 0);
    registry.close();
    db.close();
  });

  it('writes the waiting marks on close, and a reopened registry reads them', async () => {
    const path = await freshPath();
    const db = openHeadEndDatabase(path);
    const registry = new SqliteDeviceRegistry(db, { flushMs: 60_000 });
    registry.enrol({ id: meter, kind: 'meter' });
    registry.bind(meter, cert, 1_000);
    registry.touch(meter, 5_000);
    registry.close();
    db.close();
    const again = openHeadEndDatabase(path);
    assert.equal(new SqliteDeviceRegistry(again).get(meter)?.lastSeen, 5_000);
    again.close();
  });

  it('writes the batch by itself after flushMs', async () => {
    const path = await freshPath();
    const db = openHeadEndDatabase(path);
    const registry = new SqliteDeviceRegistry(db, { flushMs: 20 });
    registry.enrol({ id: meter, kind: 'meter' });
    registry.bind(meter, cert, 1_000);
    registry.touch(meter, 4_000);
    // Waits for the timer's turn; the assertion is on what was written, not on how fast.
    for (let i = 0; i < 200 && onDisk(path, meter)?.lastSeen !== 4_000; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(onDisk(path, meter)?.lastSeen, 4_000);
    registry.close();
    db.close();
  });

  it('never moves last seen backwards, and a late batch leaves a revocation as it is', async () => {
    const path = await freshPath();
    const db = openHeadEndDatabase(path);
    const registry = new SqliteDeviceRegistry(db, { flushMs: 60_000 });
    registry.enrol({ id: meter, kind: 'meter' });
    registry.bind(meter, cert, 5_000);
    registry.touch(meter, 4_000);
    assert.equal(registry.pending, 0, 'an older mark is no news');
    registry.touch(meter, 6_000);
    registry.revoke(meter, 7_000);
    assert.deepEqual(onDisk(path, meter), { state: 'revoked', lastSeen: 6_000, fingerprint: cert.fingerprint },
      'the revocation carries the mark with it');
    registry.touch(meter, 8_000);
    registry.flush();
    assert.deepEqual(onDisk(path, meter), { state: 'revoked', lastSeen: 8_000, fingerprint: cert.fingerprint });
    registry.close();
    db.close();
  });

  it('with flushMs 0 writes every mark through', async () => {
    const path = await freshPath();
    const db = openHeadEndDatabase(path);
    const registry = new SqliteDeviceRegistry(db, { flushMs: 0 });
    registry.enrol({ id: meter, kind: 'meter' });
    registry.bind(meter, cert, 1_000);
    registry.touch(meter, 2_000);
    assert.equal(onDisk(path, meter)?.lastSeen, 2_000);
    registry.close();
    db.close();
  });

  it('after a SIGKILL keeps every state change and every mark of a written batch; loses only the batch not yet written', async () => {
    const path = await freshPath();
    const module = pathToFileURL(join(import.meta.dirname, 'sqlite-registry.ts')).href;
    // The child: a revocation and a flushed batch, then marks that wait for a batch that never comes.
    const script = `
      import { openHeadEndDatabase, SqliteDeviceRegistry } from ${JSON.stringify(module)};
      const registry = new SqliteDeviceRegistry(openHeadEndDatabase(${JSON.stringify(path)}), { flushMs: 60000 });
      const cert = { fingerprint: 'aa'.repeat(32), serial: '01' };
      for (const id of ['meter-a', 'meter-b']) { registry.enrol({ id, kind: 'meter' }); registry.bind(id, cert, 1000); }
      registry.touch('meter-a', 2000);
      registry.flush();
      registry.revoke('meter-b', 3000);
      registry.touch('meter-a', 9000);
      registry.touch('meter-b', 9000);
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => { child.once('exit', (_code, sig) => { resolve(sig); }); });
    assert.equal(signal, 'SIGKILL');
    const db = openHeadEndDatabase(path);
    const registry = new SqliteDeviceRegistry(db);
    assert.equal(registry.get('meter-a')?.lastSeen, 2_000, 'the flushed batch survived; the last one is lost');
    assert.equal(registry.get('meter-b')?.state, 'revoked');
    assert.equal(registry.get('meter-b')?.lastSeen, 1_000);
    registry.close();
    db.close();
  });
});
