// A message the head-end authenticates but refuses for good never jams a meter's queue: it is
// acknowledged with the refusal (ack `r`, docs/protocol.md), the agent drops it and reports why, and
// the readings and command answers sealed after it are stored and recorded. A message that does not
// authenticate is never acknowledged. The whole head-end as `phasewire server` runs it, with real
// meter agents over MQTT/TLS 1.3, each with the refused messages at the head of its durable queue.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, parseMeterId, Q, SeededRandom, toWireBatch } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import { ensureEnrolled, MeterAgent } from '@phasewire/agent/node';
import type { AgentEvent } from '@phasewire/agent/node';
import { queueMessages } from '@phasewire/agent/testing';
import type { QueuedMessage } from '@phasewire/agent/testing';
import { createSimulatedMeter } from '@phasewire/meter';
import { deviceIdentity } from '@phasewire/secure';
import { parseServerConfig } from '@phasewire/server';
import { startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer } from '@phasewire/server/node';

const minute = 60_000;

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('messages refused for good at the head of a meter\'s queue', { timeout: 120_000 }, () => {
  let dir: string;
  let server: PhasewireServer;
  const agents: MeterAgent[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-refused-'));
    const config =
      parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, broker: { kind: 'embedded' } });
    server = await startPhasewireServer({ config, dataDir: join(dir, 'data'), warn: () => undefined });
  });
  after(async () => {
    for (const agent of agents) await agent.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** An enrolled meter whose queue holds `queued` before its agent starts; one message out at a time when `maxInflight` is 1. */
  const meter = async (name: string, queued: (id: MeterId, clock: ManualClock) => readonly QueuedMessage[], maxInflight?: number) => {
    const id = parseMeterId(name);
    const dataDir = join(dir, 'meters', name);
    const token = await server.issueToken(deviceIdentity('meter', id));
    const { identity } = await ensureEnrolled({
      dataDir, meter: id, token: token.token, estServer: server.endpoints.enrollment, keyServer: server.endpoints.keyProvisioning,
      trustedCa: await readFile(server.endpoints.caFile, 'utf8'),
    });
    // Recent readings: within the head-end's window of reading times.
    const clock = new ManualClock(Math.floor(Date.now() / minute) * minute - 30 * minute);
    await queueMessages(dataDir, identity, clock, queued(id, clock));
    const events: AgentEvent[] = [];
    const agent = await MeterAgent.open({
      identity, dataDir, broker: { host: '127.0.0.1', port: server.endpoints.mqttPort, servername: 'localhost' },
      // A short ack timeout: a message without its ack goes again within the test.
      profile: { ...linkProfiles.wifi, ackTimeoutMs: 500, reconnect: { initialMs: 50, maxMs: 200 } },
      meter: createSimulatedMeter({ meter: id, scenario: 'balanced-resistive', mode: 'phasor', seed: 5, start: clock.now() }),
      clock, random: new SeededRandom(2), onEvent: (event) => { events.push(event); },
      ...(maxInflight === undefined ? {} : { maxInflight }),
    });
    agents.push(agent);
    agent.start();
    return { id, agent, clock, events };
  };

  it('acknowledges each with its refusal: the agent drops them, reports why, and what follows is stored and answered', async () => {
    const stranger = parseMeterId('refused-stranger-1');
    const m = await meter('refused-head-1', (id, clock) => [
      // An authentic body that is not CBOR.
      { type: 'readings', raw: Uint8Array.of(0xff) },
      // A body that is no readings batch.
      { type: 'readings', body: { v: 1, m: id, t: 'yesterday' } },
      // An authentic relay status (up/events) that does not decode as one.
      { type: 'status', body: { kind: 'tamper' } },
      // A batch of another meter, published on this meter's topic: two snapshots of two quantities.
      { type: 'readings', body: toWireBatch({ meter: stranger, snapshots: [1, 0].map((k) => ({
        meter: stranger, at: clock.now() - k * minute, values: new Map([[Q.voltageL1, 230], [Q.currentL1, 5]]) })) }) },
      // An answer that does not decode, on cmd/res, and one that is not CBOR.
      { type: 'command-response', body: { v: 1, ok: 'yes' } },
      { type: 'command-response', raw: Uint8Array.of(0xff) },
    ], 1);
    // One message out at a time: while the head of the queue has no ack, nothing behind it goes.
    const times: number[] = [];
    for (let k = 0; k < 3; k++) {
      m.clock.advance(minute);
      times.push(m.clock.now());
      await m.agent.takeReading();
    }
    const answered = server.headEnd.sendCommand(m.id, 'read', 20_000);
    m.clock.advance(minute);
    times.push(m.clock.now());
    await m.agent.takeReading();
    const record = await answered;
    assert.equal(record.status, 'done', `the read command is answered: ${JSON.stringify(record)}`);
    await until(() => m.agent.pending === 0 && m.agent.staged === 0, 'the queue drained');

    const refusals = m.events.flatMap((e) => (e.kind === 'readings-refused' ? [`${e.code} ${e.readings}`] : []));
    assert.deepEqual(refusals, ['PW_ERR_ENVELOPE_BODY 0', 'PW_ERR_BATCH_INVALID 0', 'PW_ERR_RELAY_STATUS_INVALID 0',
      'PW_ERR_HEADEND_WRONG_METER 4', 'PW_ERR_COMMAND_RESPONSE_INVALID 0', 'PW_ERR_ENVELOPE_BODY 0'],
    'each refused message reported once, with its code, in queue order');
    assert.equal(m.agent.stats.refusedReadings, 4);
    for (const at of times) {
      const [stored] = await server.store.readings(m.id, Q.voltageL1, { from: at, to: at + 1 });
      assert.ok(stored !== undefined, `the reading of ${new Date(at).toISOString()} is stored`);
    }
    assert.deepEqual(await server.store.latest(stranger), [], 'nothing stored for the meter the stray batch named');
    const ingest = server.headEnd.ingest;
    assert.equal(ingest.refusals.of(m.id, 'malformed'), 5);
    assert.equal(ingest.refusals.of(m.id, 'wrong-meter'), 1);
    assert.equal(ingest.refusals.of(m.id, 'forged'), 0);
  });

  it('never acknowledges a message that does not authenticate; the readings behind it are stored', async () => {
    const m = await meter('refused-forged-1', (id, clock) => [{
      type: 'readings', forge: true,
      body: toWireBatch({ meter: id, snapshots: [{ meter: id, at: clock.now(), values: new Map([[Q.voltageL1, 231]]) }] }),
    }]);
    m.clock.advance(minute);
    const at = m.clock.now();
    await m.agent.takeReading();
    await until(async () => (await server.store.readings(m.id, Q.voltageL1, { from: at, to: at + 1 })).length === 1, 'the good reading');
    // Sent again after each ack timeout, refused each time as a forgery, never acknowledged.
    await until(() => server.headEnd.ingest.refusals.of(m.id, 'forged') >= 3, 'the forged message sent three times');
    // The good reading's ack came; the forged message's never did (the queue keeps both records until
    // its head is acknowledged).
    assert.equal(m.agent.stats.acked, 1, `only the good reading acknowledged (events: ${JSON.stringify(m.events)})`);
    assert.equal(m.agent.pending, 2, 'the forged message stays queued');
    assert.deepEqual(m.events.filter((e) => e.kind === 'readings-refused'), []);
    assert.deepEqual(await server.store.readings(m.id, Q.voltageL1, { from: at - minute, to: at }), [], 'nothing of it stored');
  });
});
