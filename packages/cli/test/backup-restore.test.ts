// `phasewire backup` under ingest load and `phasewire restore`: real meter agents publish to a
// running server (head-end, MDM, API: every SQLite database of a data directory) without pause; a
// backup is taken while they do, restored into a fresh directory, and a server started on it. Every
// reading the agents had had acknowledged before the backup started must be there with its value.
// Then the refusals: a damaged, altered or padded archive, a target that is not empty, a disk that
// fills up or a folder that cannot be written, each with a clear error and nothing half-made left.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromWireBatch, ManualClock, parseMeterId, SeededRandom, toWireBatch } from '@phasewire/core';
import type { MeterId, ObisCode, Snapshot } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import { createSimulatedMeter } from '@phasewire/meter';
import { ensureEnrolled, LinkEmulator, MeterAgent } from '@phasewire/agent/node';
import { deviceIdentity } from '@phasewire/secure';
import { parseServerConfig } from '@phasewire/server';
import { standardServices, startPhasewireServer, type PhasewireServer } from '@phasewire/server/node';
import { bufferIo } from '../src/io.ts';
import { runCli } from '../src/run.ts';

const t0 = Date.UTC(2026, 2, 2, 8, 0);
const minute = 60_000;
const meterCount = 3;
const main = join(dirname(fileURLToPath(import.meta.url)), '../src/main.ts');
const config = () => parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, api: { port: 0 } });
const services = () => standardServices({ mdm: { timer: false }, api: { scrypt: { N: 2 ** 10, r: 8, p: 1 } } });

async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Feeder { readonly id: MeterId; readonly agent: MeterAgent; readonly link: LinkEmulator; readonly acked: Snapshot[] }

const readingsOf = (snapshots: readonly Snapshot[]): number => snapshots.reduce((n, s) => n + s.values.size, 0);

describe('phasewire backup under ingest load, and restore', { timeout: 300_000 }, () => {
  let dir: string;
  let server: PhasewireServer;
  const feeders: Feeder[] = [];
  let feeding = true;
  const loops: Promise<void>[] = [];
  let archive: string;

  /** One meter's agent that reads, waits for the head-end's ack, and records the reading as acknowledged, until told to stop. */
  const feed = async (name: string): Promise<void> => {
    const id = parseMeterId(name);
    const dataDir = join(dir, 'meters', name);
    const token = await server.issueToken(deviceIdentity('meter', id));
    const { identity } = await ensureEnrolled({
      dataDir, meter: id, token: token.token, estServer: server.endpoints.enrollment, keyServer: server.endpoints.keyProvisioning,
      trustedCa: await readFile(server.endpoints.caFile, 'utf8'),
    });
    const link = await LinkEmulator.start({ target: { host: '127.0.0.1', port: server.endpoints.mqttPort }, conditions: { latencyMs: 1 },
      random: new SeededRandom(7) });
    const clock = new ManualClock(t0);
    const meter = createSimulatedMeter({ meter: id, scenario: 'developing-imbalance', mode: 'phasor', seed: 3, start: t0 });
    const twin = createSimulatedMeter({ meter: id, scenario: 'developing-imbalance', mode: 'phasor', seed: 3, start: t0 });
    const agent = await MeterAgent.open({
      identity, dataDir, broker: { host: '127.0.0.1', port: link.port, servername: 'localhost' },
      profile: { ...linkProfiles.wifi, reconnect: { initialMs: 50, maxMs: 200 } }, meter, clock, random: new SeededRandom(1),
    });
    agent.start();
    const feeder: Feeder = { id, agent, link, acked: [] };
    feeders.push(feeder);
    loops.push((async () => {
      while (feeding) {
        clock.advance(minute);
        // What goes on the wire: each quantity in its catalogue resolution.
        const [sent] = fromWireBatch(toWireBatch({ meter: id, snapshots: [twin.advanceTo(clock.now())] })).snapshots;
        await agent.takeReading();
        await until(() => agent.pending === 0 && agent.staged === 0, `the ack of ${id}`);
        if (sent !== undefined) feeder.acked.push(sent);
      }
    })());
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-backup-'));
    const running = services();
    server = await startPhasewireServer({ config: config(), dataDir: join(dir, 'data'), services: running });
    for (let i = 1; i <= meterCount; i++) await feed(`backup-meter-${i}`);
    await until(() => feeders.every((f) => f.acked.length >= 10), 'ten acknowledged readings per meter', 60_000);
    await running.mdm?.runOnce();
  });

  after(async () => {
    feeding = false;
    await Promise.allSettled(loops);
    for (const { agent, link } of feeders) {
      await agent.stop();
      await link.close();
    }
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a backup while the agents publish, and a server on its restore has every reading acknowledged before it started', async (t) => {
    archive = join(dir, 'backups', 'site.tar.gz');
    await mkdir(dirname(archive));
    // What the agents know is committed: copied now, the backup starts right after.
    const before = feeders.map((f) => ({ id: f.id, acked: [...f.acked] }));
    const io = bufferIo({}, dir);
    const code = await runCli(['backup', '--data-dir', join(dir, 'data'), '--out', archive], io);
    assert.equal(code, 0, io.stderr());
    const during = feeders.reduce((n, f, i) => n + readingsOf(f.acked.slice(before[i]?.acked.length ?? 0)), 0);
    assert.ok(during > 0, 'the agents were acknowledged readings while the backup ran');
    assert.match(io.stdout(), /SQLite databases copied online: api\.db, billing\.db, campaigns\.db, headend\.db, phasewire\.db/);

    const restoredDir = join(dir, 'restored');
    const restoreIo = bufferIo({}, dir);
    assert.equal(await runCli(['restore', '--in', archive, '--data-dir', restoredDir], restoreIo), 0, restoreIo.stderr());
    assert.match(restoreIo.stdout(), /checksums verified/);
    const restored = await startPhasewireServer({ config: config(), dataDir: restoredDir, services: services() });
    try {
      assert.deepEqual(restored.created, [], 'the CA, keystore, envelope master and certificates came back: nothing was made anew');
      assert.equal(await readFile(restored.endpoints.caFile, 'utf8'), await readFile(server.endpoints.caFile, 'utf8'));
      let expected = 0;
      let found = 0;
      for (const { id, acked } of before) {
        assert.equal(restored.headEnd.registry.get(id)?.kind, 'meter', `${id} is in the restored registry`);
        const quantities = new Set(acked.flatMap((s) => [...s.values.keys()]));
        const stored = new Map<ObisCode, Map<number, number>>();
        for (const quantity of quantities) {
          const rows = await restored.store.readings(id, quantity, { from: t0, to: t0 + 1000 * minute });
          stored.set(quantity, new Map(rows.map((r) => [r.at, r.value])));
        }
        for (const snapshot of acked) {
          for (const [quantity, value] of snapshot.values) {
            expected++;
            if (stored.get(quantity)?.get(snapshot.at) === value) found++;
          }
        }
      }
      const snapshots = before.reduce((n, m) => n + m.acked.length, 0);
      t.diagnostic(`acknowledged before the backup: ${expected} readings (${snapshots} snapshots of ${meterCount} meters); `
        + `found after restore: ${found}; acknowledged while the backup ran: ${during}`);
      assert.ok(expected > 0);
      assert.equal(found, expected, 'every reading acknowledged before the backup started is in the restored store');
    } finally {
      await restored.close();
    }
  });

  it('refuses a damaged archive, an altered file, an added file and a target that is not empty, with nothing restored', async () => {
    const restore = async (from: string, into: string, ...extra: string[]): Promise<{ code: number; err: string }> => {
      const io = bufferIo({}, dir);
      const code = await runCli(['restore', '--in', from, '--data-dir', into, ...extra], io);
      return { code, err: io.stderr() };
    };
    const bytes = await readFile(archive);
    const damaged = join(dir, 'backups', 'damaged.tar.gz');
    const flipped = Buffer.from(bytes);
    const middle = Math.floor(flipped.length / 2);
    flipped[middle] = (flipped[middle] ?? 0) ^ 0xff;
    await writeFile(damaged, flipped);
    const outcome = await restore(damaged, join(dir, 'r-damaged'));
    assert.equal(outcome.code, 1);
    assert.match(outcome.err, /PW_ERR_BACKUP_INVALID/);
    await assert.rejects(readdir(join(dir, 'r-damaged')), { code: 'ENOENT' });

    // Unpacked with the system's tar, changed, packed again: the manifest still says what was there.
    const work = join(dir, 'unpacked');
    await mkdir(work);
    assert.equal(spawnSync('tar', ['-xzf', archive, '-C', work]).status, 0);
    await writeFile(join(work, 'data', 'server.pem'), '-----BEGIN CERTIFICATE-----\nnot the one\n-----END CERTIFICATE-----\n');
    const altered = join(dir, 'backups', 'altered.tar.gz');
    assert.equal(spawnSync('tar', ['-czf', altered, '-C', work, 'manifest.json', 'data']).status, 0);
    const refused = await restore(altered, join(dir, 'r-altered'));
    assert.equal(refused.code, 1);
    assert.match(refused.err,
      /server\.pem differs from the manifest .* damaged or was altered; nothing was restored \[PW_ERR_BACKUP_INVALID\]/);
    await assert.rejects(readdir(join(dir, 'r-altered')), { code: 'ENOENT' });

    assert.equal(spawnSync('tar', ['-xzf', archive, '-C', work]).status, 0);
    await writeFile(join(work, 'data', 'phasewire.json'), '{ "hosts": ["attacker.example"] }');
    const padded = join(dir, 'backups', 'padded.tar.gz');
    assert.equal(spawnSync('tar', ['-czf', padded, '-C', work, 'manifest.json', 'data']).status, 0);
    assert.match((await restore(padded, join(dir, 'r-padded'))).err, /phasewire\.json is in the archive but not in its manifest/);

    const occupied = join(dir, 'occupied');
    await mkdir(occupied);
    await writeFile(join(occupied, 'keep.txt'), 'mine');
    const busy = await restore(archive, occupied);
    assert.equal(busy.code, 2);
    assert.match(busy.err, /it is not empty .* --force to replace what is there \[PW_ERR_RESTORE_TARGET\]/);
    assert.equal(await readFile(join(occupied, 'keep.txt'), 'utf8'), 'mine');
    assert.equal((await restore(archive, occupied, '--force')).code, 0);
    await assert.rejects(readFile(join(occupied, 'keep.txt')), { code: 'ENOENT' });
  });

  it('fails with a clear error on a full disk or a folder it cannot write, and leaves no archive, part or staging behind', async () => {
    const folder = join(dir, 'small-disk');
    await mkdir(folder);
    const out = join(folder, 'site.tar.gz');
    // The file size limit (ulimit -f, in KiB) stands for a full disk: writes past it fail with EFBIG, as with ENOSPC.
    const child = spawnSync('bash', ['-c', 'ulimit -f 64; exec "$0" "$@"', process.execPath, main, 'backup', '--data-dir',
      join(dir, 'data'), '--out', out], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.status, 1, child.stderr);
    assert.match(child.stderr, /Cannot back up: writing .*site\.tar\.gz failed: the disk is full or the file size limit was reached/);
    assert.match(child.stderr, /nothing was left under that name \[PW_ERR_BACKUP_FAILED\]/);
    assert.deepEqual(await readdir(folder), [], 'no archive, no partial archive, no staging folder');

    await writeFile(join(dir, 'a-file'), '');
    const io = bufferIo({}, dir);
    assert.equal(await runCli(['backup', '--data-dir', join(dir, 'data'), '--out', join(dir, 'a-file', 'site.tar.gz')], io), 1);
    assert.match(io.stderr(), /Cannot back up: writing .*a-file\/site\.tar\.gz failed: .*ENOTDIR.*\[PW_ERR_BACKUP_FAILED\]/);

    const again = bufferIo({}, dir);
    assert.equal(await runCli(['backup', '--data-dir', join(dir, 'data'), '--out', archive], again), 1);
    assert.match(again.stderr(), /site\.tar\.gz exists; expected a new file name/);
  });
});
