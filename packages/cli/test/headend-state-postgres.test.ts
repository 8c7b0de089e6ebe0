// The head-end with its state on PostgreSQL (`state.kind: "postgres"`, docs/head-end.md, "Where the
// state lives"): `phasewire server` on a PostgreSQL store, a real meter agent enrolled over EST and
// sending over MQTT/TLS 1.3, with a token from `phasewire server token`. Its readings are stored, a
// command is answered, the token, the replay window and the downlink counters are in the schema
// phasewire_headend (no pki/tokens.json, headend.db's counter table stays empty), and after a
// restart of the server the agent's next readings are stored again, checked against the window
// PostgreSQL kept.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ManualClock, parseMeterId, Q, SeededRandom } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import { ensureEnrolled, MeterAgent } from '@phasewire/agent/node';
import { createSimulatedMeter } from '@phasewire/meter';
import { counterScope } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { PostgresCounterTable, PostgresTokenStore } from '@phasewire/headend/node';
import { parseServerConfig } from '@phasewire/server';
import { startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer } from '@phasewire/server/node';
import { startPostgres, type PostgresServer } from '@phasewire/store/testing';
import { bufferIo } from '../src/io.ts';
import { runCli } from '../src/run.ts';

const minute = 60_000;

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('head-end state on PostgreSQL', { timeout: 180_000 }, () => {
  let dir: string;
  let postgres: PostgresServer;
  let server: PhasewireServer | undefined;
  let agent: MeterAgent | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-state-pg-'));
    postgres = await startPostgres({ fast: true });
    await postgres.createDatabase('phasewire');
  });
  after(async () => {
    await agent?.stop();
    await server?.close();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = (port = 0): Promise<PhasewireServer> => startPhasewireServer({
    config: parseServerConfig({
      mqtt: { port }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, broker: { kind: 'embedded' }, api: { enabled: false },
      mdm: { enabled: false },
      store: { kind: 'postgres', connectionString: postgres.connectionString('phasewire'), poolSize: 4 },
      state: { kind: 'postgres', poolSize: 2 },
    }),
    dataDir: join(dir, 'data'), warn: () => undefined,
  });

  it('ingests a real agent\'s readings with the replay window and downlink counters in phasewire_headend, across a restart', async () => {
    server = await start();
    const id = parseMeterId('state-pg-1');
    const dataDir = join(dir, 'meters', id);
    // `phasewire server token` reads the data directory's configuration and puts the token where the server looks.
    await writeFile(join(dir, 'data', 'phasewire.json'), JSON.stringify({ store: { kind: 'postgres', connectionString:
      postgres.connectionString('phasewire') }, state: { kind: 'postgres' } }));
    const tokenIo = bufferIo({}, dir);
    assert.equal(await runCli(['server', 'token', '--serial', id, '--data-dir', 'data'], tokenIo), 0, tokenIo.stderr());
    const { identity } = await ensureEnrolled({
      dataDir, meter: id, token: tokenIo.stdout().trim(), estServer: server.endpoints.enrollment,
      keyServer: server.endpoints.keyProvisioning,
      trustedCa: await readFile(server.endpoints.caFile, 'utf8'),
    });
    const clock = new ManualClock(Math.floor(Date.now() / minute) * minute - 30 * minute);
    const port = server.endpoints.mqttPort;
    const open = () => MeterAgent.open({
      identity, dataDir, broker: { host: '127.0.0.1', port, servername: 'localhost' },
      profile: { ...linkProfiles.wifi, ackTimeoutMs: 500, reconnect: { initialMs: 50, maxMs: 200 } },
      meter: createSimulatedMeter({ meter: id, scenario: 'balanced-resistive', mode: 'phasor', seed: 5, start: clock.now() }),
      clock, random: new SeededRandom(2),
    });
    agent = await open();
    agent.start();
    const times: number[] = [];
    const read = async (n: number): Promise<void> => {
      for (let k = 0; k < n; k++) {
        clock.advance(minute);
        times.push(clock.now());
        await agent?.takeReading();
      }
      await until(() => agent?.pending === 0 && agent.staged === 0, 'the agent\'s queue drained');
    };
    await read(3);
    const answered = await server.headEnd.sendCommand(id, 'read', 20_000);
    assert.equal(answered.status, 'done', `the read command is answered: ${JSON.stringify(answered)}`);

    const device = id as unknown as DeviceId;
    const table = await PostgresCounterTable.open({ connectionString: postgres.connectionString('phasewire'), poolSize: 1 });
    try {
      const [up, down] = [counterScope(device, 'uplink', 1), counterScope(device, 'downlink', 1)];
      const values = await table.read([up, down]);
      assert.ok((values.get(up) ?? 0n) >= 4n, `the uplink window is in PostgreSQL: ${values.get(up)}`);
      assert.ok((values.get(down) ?? 0n) >= 1024n, `a downlink block is reserved in PostgreSQL: ${values.get(down)}`);
    } finally {
      await table.close();
    }
    const tokens = await PostgresTokenStore.open({ connectionString: postgres.connectionString('phasewire'), poolSize: 1 });
    try {
      const [used] = await tokens.list();
      assert.ok(used?.usedAt !== undefined && used.device.id === id, 'the token is in PostgreSQL, consumed by the enrollment');
    } finally {
      await tokens.close();
    }
    assert.equal(existsSync(join(dir, 'data', 'pki', 'tokens.json')), false, 'no token file');
    const local = new DatabaseSync(join(dir, 'data', 'headend.db'), { readOnly: true });
    try {
      assert.deepEqual({ ...local.prepare('SELECT count(*) AS n FROM counter').get() }, { n: 0 }, 'headend.db holds no counter');
    } finally {
      local.close();
    }

    // A restart: the window comes back from PostgreSQL, and what the agent sends next is stored.
    await agent.stop();
    await server.close();
    server = await start(port);
    agent = await open();
    agent.start();
    await read(2);
    for (const at of times) {
      const [stored] = await server.store.readings(id, Q.voltageL1, { from: at, to: at + 1 });
      assert.ok(stored !== undefined, `the reading of ${new Date(at).toISOString()} is stored`);
    }
    assert.equal(server.headEnd.ingest.refusals.of(id, 'replayed'), 0, 'no message of the agent was taken for a replay');
  });
});
