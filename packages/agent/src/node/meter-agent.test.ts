// The meter agent against a real broker over mutual TLS on loopback: enrollment through the EST
// server, sealed batches opened by a test-side head-end to the exact readings, the queue emptied
// only by acks, commands, a kill -9 with no loss, and a 2-hour outage backfilled over the cellular
// profile with batching and resumed TLS sessions through the link emulator.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { fromWireBatch, ManualClock, parseMeterId, Q, SeededRandom, toWireBatch } from '@phasewire/core';
import type { MeterId, Snapshot } from '@phasewire/core';
import { trackChild } from '@phasewire/test-kit';
import { linkProfiles } from '../link-profile.ts';
import type { LinkProfile } from '../link-profile.ts';
import { createSimulatedMeter } from '@phasewire/meter';
import { LinkEmulator } from './link/link-emulator.ts';
import { startTestHeadEnd } from '../testing/agent-test-kit.ts';
import type { TestHeadEnd } from '../testing/agent-test-kit.ts';
import { ensureEnrolled, loadAgentIdentity } from './enrollment.ts';
import { MeterAgent } from './meter-agent.ts';

const start = Date.UTC(2026, 0, 1);
const minute = 60_000;
const fast = { ackTimeoutMs: 2_000, reconnect: { initialMs: 20, maxMs: 200 } };
const wifi: LinkProfile = { ...linkProfiles.wifi, ...fast };

let head: TestHeadEnd;
let scratch: string;

before(async () => {
  head = await startTestHeadEnd();
  scratch = await mkdtemp(join(tmpdir(), 'phasewire-agent-'));
});
after(async () => {
  await head.close();
  await rm(scratch, { recursive: true, force: true });
});

async function agentFor(id: string, profile: LinkProfile, port = head.brokerPort, seed = 7) {
  const meter = parseMeterId(id);
  const dataDir = join(scratch, id);
  const { identity } = await ensureEnrolled({
    dataDir, meter, estServer: head.estUrl, keyServer: head.keyUrl, trustedCa: head.testCa.anchors, token: await head.token(meter),
  });
  const clock = new ManualClock(start);
  const agent = await MeterAgent.open({
    identity, dataDir, broker: { host: '127.0.0.1', port }, profile, clock, random: new SeededRandom(3),
    meter: createSimulatedMeter({ meter, scenario: 'balanced-resistive', mode: 'phasor', seed, start }),
  });
  return { meter, dataDir, clock, agent };
}

/** What the head-end must see: the same meter and seed, through the wire form's resolution. */
function expected(meter: MeterId, times: readonly number[], seed = 7): Snapshot[] {
  const reference = createSimulatedMeter({ meter, scenario: 'balanced-resistive', mode: 'phasor', seed, start });
  return times.map((t) => fromWireBatch(toWireBatch({ meter, snapshots: [reference.advanceTo(t)] })).snapshots[0] as Snapshot);
}

async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !predicate(); waited += 10) {
    if (waited > 20_000) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const received = (meter: MeterId): number => head.readings.get(meter)?.size ?? 0;

describe('meter agent over MQTT with mutual TLS', () => {
  it('enrolls once, publishes sealed batches the head-end opens to the exact readings, and keeps them queued until the ack', async () => {
    const { meter, dataDir, clock, agent } = await agentFor('agent-1', { ...wifi, intervalsPerMessage: 2 });
    const again = await loadAgentIdentity(dataDir, meter);
    assert.equal(again?.tls.fingerprint !== undefined, true, 'the enrollment is stored in the data directory');
    head.acking = false;
    agent.start();
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(minute);
      times.push(clock.now());
      await agent.takeReading();
    }
    await head.until(() => received(meter) === 6, 'six readings at the head-end');
    assert.equal(agent.pending, 3, 'three messages of two intervals each, none acknowledged');
    assert.deepEqual(head.messages.filter((m) => m.meter === meter).map((m) => m.snapshots), [2, 2, 2]);
    const got = [...(head.readings.get(meter)?.values() ?? [])].sort((a, b) => a.at - b.at);
    assert.deepEqual(got, expected(meter, times));

    head.acking = true;
    await agent.drained();
    assert.equal(agent.pending, 0, 'the acks emptied the queue (after a redelivery the head-end acknowledged again)');
    assert.equal((JSON.parse(head.status.get(meter) ?? '{}') as { state?: string }).state, 'online');
    await agent.stop();
    assert.equal(head.status.get(meter), '{"state":"offline"}');
  });

  it('keeps the certificate its token bought when the envelope key cannot be fetched, and finishes the enrollment with it on the '
    + 'next start', async () => {
    const meter = parseMeterId('agent-half-enrolled');
    const dataDir = join(scratch, 'agent-half-enrolled');
    const token = await head.token(meter);
    // No key server given: the EST server is asked for the envelope key, and has none (what a gateway.json without headEnd.keyServer did).
    await assert.rejects(ensureEnrolled({ dataDir, meter, estServer: head.estUrl, trustedCa: head.testCa.anchors, token }),
      (error: unknown) => (error as { code?: string }).code === 'PW_ERR_AGENT_KEY_PROVISIONING'
        && /its certificate is issued and kept in .*no new token is needed/.test((error as Error).message));
    assert.equal(await loadAgentIdentity(dataDir, meter), undefined, 'not enrolled yet: no envelope key');
    // The rerun with the same, now used, token (as the gateway's tokens file gives it) does not spend it again.
    const { identity, enrolled } =
      await ensureEnrolled({ dataDir, meter, estServer: head.estUrl, keyServer: head.keyUrl, trustedCa: head.testCa.anchors, token });
    assert.equal(enrolled, true);
    assert.equal((await loadAgentIdentity(dataDir, meter))?.tls.fingerprint, identity.tls.fingerprint);
    const asked: string[] = [];
    const again = await ensureEnrolled({ dataDir, meter, estServer: head.estUrl, trustedCa: '',
      token: () => { asked.push(meter); return Promise.resolve('unused'); } });
    assert.deepEqual([again.enrolled, asked], [false, []]);
    // The identity works end to end: the agent connects with it and its readings are opened by the head-end.
    const clock = new ManualClock(start);
    const agent = await MeterAgent.open({
      identity, dataDir, broker: { host: '127.0.0.1', port: head.brokerPort }, profile: wifi, clock, random: new SeededRandom(3),
      meter: createSimulatedMeter({ meter, scenario: 'balanced-resistive', mode: 'phasor', seed: 7, start }),
    });
    try {
      agent.start();
      clock.advance(minute);
      await agent.takeReading();
      await waitFor(() => received(meter) === 1, 'the half-enrolled meter\'s reading');
    } finally {
      await agent.stop();
    }
  });

  it('answers read-on-demand, a second copy with the same answer; drops a redelivered envelope, refuses a replayed or expired one; '
    + 'opens and closes the load relay',
    async () => {
    const { meter, clock, agent } = await agentFor('agent-2', wifi);
    agent.start();
    await head.until(() => head.status.get(meter) === '{"state":"online","queued":0}', 'the agent online, nothing queued');
    const responses = () => head.responses.filter((r) => r.meter === meter).map((r) => r.value as Record<string, unknown>);

    clock.advance(minute);
    const sealed = await head.command(meter, { id: 'read-1', op: 'read', expiresAt: clock.now() + minute });
    await head.until(() => responses().length === 1, 'the read response');
    const read = responses()[0];
    assert.ok(read !== undefined);
    assert.equal(read['ok'], true);
    assert.equal(fromWireBatch(read['batch']).snapshots[0]?.at, clock.now());

    // A second copy of the command (the head-end sends it again when the meter comes online): its answer again, not run again.
    await head.command(meter, { id: 'read-1', op: 'read', expiresAt: clock.now() + minute });
    await head.until(() => responses().length === 2, 'the answer to the repeated id');
    assert.deepEqual(responses()[1], read);

    const refusedBefore = agent.stats.refusedEnvelopes;
    // The first command's envelope again, as the broker sends it after a lost PUBACK: dropped as a duplicate.
    await head.publishRaw(meter, sealed);
    // A command sealed before the last one and never delivered: its counter is below the window, a replay.
    const neverDelivered = await head.sealCommand(meter, { id: 'old-1', op: 'read', expiresAt: clock.now() + minute });
    await head.command(meter, { id: 'late-1', op: 'read', expiresAt: clock.now() - 1 });
    await head.until(() => responses().length === 3, 'the refusal of an expired command');
    assert.equal(responses()[2]?.['code'], 'PW_ERR_COMMAND_EXPIRED');
    await head.publishRaw(meter, neverDelivered);
    assert.equal(agent.stats.commands, 1, 'only the first read ran');

    // Messages on the topic arrive in order, so by the next response both copies have been judged.
    await head.command(meter, { id: 'off-1', op: 'disconnect', expiresAt: clock.now() + minute });
    await head.until(() => responses().length === 4, 'the disconnect response');
    assert.equal(responses()[3]?.['id'], 'off-1', 'neither the duplicate nor the replay was answered');
    assert.equal(agent.stats.duplicates, 1, 'the redelivered envelope was counted as a duplicate');
    assert.equal(agent.stats.refusedEnvelopes, refusedBefore + 1, 'the old envelope was refused as a replay');
    assert.equal(agent.relayState, 'open');
    clock.advance(minute);
    await agent.takeReading();
    await head.until(() => received(meter) === 1, 'the reading after the disconnect');
    const off = head.readings.get(meter)?.get(clock.now());
    assert.equal(off?.values.get(Q.currentL1), 0);
    assert.equal(off.values.get(Q.activePower), 0);
    assert.ok((off.values.get(Q.voltageL1) ?? 0) > 200, 'the supply voltage stays');

    await head.command(meter, { id: 'on-1', op: 'reconnect', expiresAt: clock.now() + minute });
    await head.until(() => responses().length === 5, 'the reconnect response');
    clock.advance(minute);
    await agent.takeReading();
    await head.until(() => received(meter) === 2, 'the reading after the reconnect');
    assert.ok((head.readings.get(meter)?.get(clock.now())?.values.get(Q.currentL1) ?? 0) > 1, 'current flows again');
    await agent.drained();
    await agent.stop();
  });

  it('loses nothing when the agent is killed with SIGKILL', async () => {
    const { meter, dataDir, agent } = await agentFor('agent-3', wifi);
    await agent.stop();
    head.acking = false;
    const fixture = fileURLToPath(new URL('../testing/agent-until-killed.fixture.ts', import.meta.url));
    const child =
      spawn(process.execPath, [fixture, dataDir, String(head.brokerPort), meter, String(start)], { stdio: ['ignore', 'pipe', 'inherit'] });
    trackChild(child);
    const durable: number[] = [];
    let buffered = '';
    await new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text: string) => {
        buffered += text;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) durable.push(Number(line));
        if (durable.length >= 40 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', () => { resolve(); });
    });
    assert.ok(durable.length >= 40);
    head.acking = true;
    const clock = new ManualClock(durable.at(-1) ?? start);
    const identity = await loadAgentIdentity(dataDir, meter);
    assert.ok(identity !== undefined);
    const restarted = await MeterAgent.open({
      identity, dataDir, broker: { host: '127.0.0.1', port: head.brokerPort }, profile: { ...wifi, intervalsPerMessage: 3 }, clock,
      random: new SeededRandom(5),
      meter: createSimulatedMeter({ meter, scenario: 'balanced-resistive', mode: 'phasor', seed: 7, start: durable.at(-1) ?? start }),
    });
    restarted.start();
    await restarted.flush();
    await head.until(() => durable.every((t) => head.readings.get(meter)?.has(t) === true), 'every durable reading at the head-end');
    await restarted.drained();
    const got = durable.map((t) => head.readings.get(meter)?.get(t));
    assert.deepEqual(got, expected(meter, durable));
    await restarted.stop();
  });

  it('refuses a second agent on its data directory with PW_ERR_AGENT_LOCKED naming the holder, and takes over from a killed one',
    { timeout: 60_000 }, async (t) => {
    const { meter, dataDir, agent } = await agentFor('agent-6', wifi);
    const identity = await loadAgentIdentity(dataDir, meter);
    assert.ok(identity !== undefined);
    const openSecond = () => MeterAgent.open({
      identity, dataDir, broker: { host: '127.0.0.1', port: head.brokerPort }, profile: wifi, clock: new ManualClock(start),
      random: new SeededRandom(9),
      meter: createSimulatedMeter({ meter, scenario: 'balanced-resistive', mode: 'phasor', seed: 7, start }),
    });
    const lockedBy = (pid: number | undefined) => (error: unknown): boolean => {
      assert.equal((error as { code?: string }).code, 'PW_ERR_AGENT_LOCKED');
      assert.match((error as Error).message, new RegExp(`^Cannot start the agent of agent-6 on .*: process ${pid} runs an agent on it`));
      return true;
    };
    await assert.rejects(openSecond(), lockedBy(process.pid));
    await agent.stop();
    const fixture = fileURLToPath(new URL('../testing/agent-until-killed.fixture.ts', import.meta.url));
    const child =
      spawn(process.execPath, [fixture, dataDir, String(head.brokerPort), meter, String(start)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve(); }); });
    t.after(() => { child.kill('SIGKILL'); });
    // Its first durable reading: the child has the directory.
    await new Promise<void>((resolve) => { child.stdout.once('data', () => { resolve(); }); });
    await assert.rejects(openSecond(), lockedBy(child.pid));
    child.kill('SIGKILL');
    await exited;
    const third = await openSecond();
    await third.stop();
  });

  it('backfills a 2-hour outage in full over the cellular profile, batching and resuming TLS sessions', async () => {
    const emulator = await LinkEmulator.start({
      target: { host: '127.0.0.1', port: head.brokerPort }, random: new SeededRandom(11),
      // The cellular link's shape with its seconds of latency scaled down to keep the test short.
      conditions: { latencyMs: 15, jitterMs: 10, upBitsPerSecond: 200_000, downBitsPerSecond: 250_000, segmentLoss: 0.02,
        retransmitMs: 30 },
    });
    try {
      const profile: LinkProfile = { ...linkProfiles.cellular, ...fast, ackTimeoutMs: 5_000 };
      const { meter, clock, agent } = await agentFor('agent-4', profile, emulator.port);
      agent.start();
      const times: number[] = [];
      const read = async (count: number): Promise<void> => {
        for (let i = 0; i < count; i++) {
          clock.advance(minute);
          times.push(clock.now());
          await agent.takeReading();
        }
      };
      for (const window of [1, 2]) {
        await read(4);
        await head.until(() => received(meter) === 4 * window, `window ${window}`);
        await agent.drained();
        await waitFor(() => !agent.connected, 'the agent asleep after its window');
      }
      assert.equal(agent.stats.connections, 2, 'one connection per window');
      assert.equal(agent.stats.resumedHandshakes, 1, 'the second window resumed the first one\'s TLS session');

      emulator.cut();
      await read(120);
      assert.ok(agent.pending >= 29, `the outage is queued (${agent.pending} messages)`);
      emulator.restore();
      await read(4);
      await head.until(() => received(meter) === times.length, `all ${times.length} readings`, 40_000);
      await agent.drained();

      const got = [...(head.readings.get(meter)?.values() ?? [])].sort((a, b) => a.at - b.at);
      assert.deepEqual(got, expected(meter, times));
      assert.ok(head.messages.filter((m) => m.meter === meter).every((m) => m.snapshots === 4), 'four intervals per message');
      const { stats } = agent as { stats: { resumedHandshakes: number } };
      assert.ok(stats.resumedHandshakes >= 2, 'the backfill window resumed the TLS session too');
      assert.ok(head.handshakes.includes(true), 'the broker saw a resumed handshake');
      await agent.stop();
    } finally {
      await emulator.close();
    }
  });
  it('stops though the broker never acknowledges its goodbye (a link that stalls instead of closing)', { timeout: 30_000 }, async () => {
    const emulator = await LinkEmulator.start({
      target: { host: '127.0.0.1', port: head.brokerPort }, random: new SeededRandom(12),
      conditions: linkProfiles.wifi.emulated,
    });
    try {
      const { agent } = await agentFor('agent-stall', wifi, emulator.port);
      agent.start();
      await waitFor(() => agent.connected, 'the agent connected');
      // From now on every segment takes ten minutes: the goodbye's PUBACK cannot come back in time.
      emulator.setConditions({ ...linkProfiles.wifi.emulated, latencyMs: 600_000 });
      await agent.stop();
      assert.equal(agent.connected, false);
    } finally {
      await emulator.close();
    }
  });
});
