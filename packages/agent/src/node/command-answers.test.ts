// A command's answer is never lost: one that reaches a cellular meter as it closes its window is
// answered in a window of its own, and one that cannot be sent before the agent stops is sent by
// the next agent on the same data directory. A command redelivered by the broker after the restart
// is not run again. Through the link emulator with the cellular profile's shape, scaled down.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock, parseMeterId, SeededRandom } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import { linkProfiles } from '../link-profile.ts';
import type { LinkConditions, LinkProfile } from '../link-profile.ts';
import { createSimulatedMeter } from '@phasewire/meter';
import { LinkEmulator } from './link/link-emulator.ts';
import { startTestHeadEnd } from '../testing/agent-test-kit.ts';
import type { TestHeadEnd } from '../testing/agent-test-kit.ts';
import { ensureEnrolled, loadAgentIdentity } from './enrollment.ts';
import { MeterAgent } from './meter-agent.ts';
import type { AgentEvent } from './meter-agent.ts';

const start = Date.UTC(2026, 0, 1);
const minute = 60_000;
const cellular: LinkProfile = { ...linkProfiles.cellular, ackTimeoutMs: 5_000, reconnect: { initialMs: 20, maxMs: 200 } };
/** The cellular link's shape with its seconds of latency scaled down to keep the tests short. */
const scaled: LinkConditions =
  { latencyMs: 15, jitterMs: 10, upBitsPerSecond: 200_000, downBitsPerSecond: 250_000, segmentLoss: 0.02, retransmitMs: 30 };

let head: TestHeadEnd;
let scratch: string;

before(async () => {
  head = await startTestHeadEnd();
  scratch = await mkdtemp(join(tmpdir(), 'phasewire-answers-'));
});
after(async () => {
  await head.close();
  await rm(scratch, { recursive: true, force: true });
});

async function openAgent(meter: MeterId, port: number, clock: ManualClock, events: AgentEvent[]): Promise<MeterAgent> {
  const dataDir = join(scratch, meter);
  const identity = await loadAgentIdentity(dataDir, meter) ?? (await ensureEnrolled({
    dataDir, meter, estServer: head.estUrl, keyServer: head.keyUrl, trustedCa: head.testCa.anchors, token: await head.token(meter),
  })).identity;
  return MeterAgent.open({
    identity, dataDir, broker: { host: '127.0.0.1', port }, profile: cellular, clock, random: new SeededRandom(3),
    meter: createSimulatedMeter({ meter, scenario: 'balanced-resistive', mode: 'phasor', seed: 7, start: clock.now() }),
    onEvent: (event) => { events.push(event); },
  });
}

async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !predicate(); waited += 10) {
    if (waited > 20_000) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const answersTo = (meter: MeterId, id: string) =>
  head.responses.filter((r) => r.meter === meter && (r.value as { id?: unknown }).id === id).map((r) => r.value as Record<string, unknown>);

/** One window of the cellular profile: four intervals read, sent, acknowledged, and the agent asleep. */
async function window(agent: MeterAgent, clock: ManualClock): Promise<void> {
  for (let i = 0; i < cellular.intervalsPerMessage; i++) {
    clock.advance(minute);
    await agent.takeReading();
  }
  await agent.drained();
  await head.until(() => head.status.get(agent.meterId)?.includes('offline') === true, 'the goodbye at the broker');
  await waitFor(() => !agent.connected, 'the agent asleep after its window');
}

describe('command answers over a cellular link', { timeout: 60_000 }, () => {
  it('answers a command that reaches the meter as it closes its window, in a window of its own', async () => {
    const emulator =
      await LinkEmulator.start({ target: { host: '127.0.0.1', port: head.brokerPort }, random: new SeededRandom(21), conditions: scaled });
    const meter = parseMeterId('answer-late-1');
    const clock = new ManualClock(start);
    const events: AgentEvent[] = [];
    const agent = await openAgent(meter, emulator.port, clock, events);
    try {
      agent.start();
      await window(agent, clock);
      // The second window's goodbye is held at the broker until the command is through to the meter.
      head.beforeGoodbye = async (who) => {
        if (who !== meter) return;
        head.beforeGoodbye = undefined;
        await head.command(meter, { id: 'late-read', op: 'read', expiresAt: clock.now() + 60 * minute });
        await waitFor(() => events.some((e) => e.kind === 'command'), 'the command run by the meter');
      };
      await window(agent, clock);
      await head.until(() => answersTo(meter, 'late-read').length > 0, 'the answer of the command');
      assert.equal(answersTo(meter, 'late-read')[0]?.['ok'], true);
      await agent.drained();
      await waitFor(() => !agent.connected, 'the agent asleep after the answer');
      assert.equal(agent.stats.commands, 1);
      assert.equal(agent.stats.connections, 3, 'the answer went out in a window of its own');
      assert.equal(agent.pending, 0, 'the answer left the queue on the head-end\'s ack');
    } finally {
      head.beforeGoodbye = undefined;
      await agent.stop();
      await emulator.close();
    }
  });

  it('keeps an answer it could not send across a restart, and does not run the command again when the broker redelivers it', async () => {
    const emulator =
      await LinkEmulator.start({ target: { host: '127.0.0.1', port: head.brokerPort }, random: new SeededRandom(22), conditions: scaled });
    const meter = parseMeterId('answer-restart-1');
    const clock = new ManualClock(start);
    const events: AgentEvent[] = [];
    const agent = await openAgent(meter, emulator.port, clock, events);
    let restarted: MeterAgent | undefined;
    try {
      agent.start();
      head.beforeGoodbye = async (who) => {
        if (who !== meter) return;
        head.beforeGoodbye = undefined;
        await head.command(meter, { id: 'cut-off', op: 'disconnect', expiresAt: clock.now() + 60 * minute });
        // From here on nothing the meter sends arrives (not even the PUBACK of the command), and then the link is gone.
        emulator.setConditions({ ...scaled, latencyMs: 600_000 });
        await waitFor(() => events.some((e) => e.kind === 'command'), 'the command run by the meter');
        emulator.cut();
      };
      await window(agent, clock).catch(() => undefined);
      await waitFor(() => events.some((e) => e.kind === 'command'), 'the command run by the meter');
      assert.equal(agent.relayState, 'open');
      await agent.stop();
      assert.deepEqual(answersTo(meter, 'cut-off'), [], 'no answer got out before the stop');

      emulator.setConditions(scaled);
      emulator.restore();
      const after: AgentEvent[] = [];
      restarted = await openAgent(meter, emulator.port, clock, after);
      assert.equal(restarted.relayState, 'open');
      assert.ok(restarted.pending > 0, 'the answer is in the queue on disk');
      restarted.start();
      await head.until(() => answersTo(meter, 'cut-off').length > 0, 'the answer after the restart');
      assert.deepEqual(answersTo(meter, 'cut-off').map((a) => [a['ok'], a['relay']]), [[true, 'open']]);
      await restarted.drained();
      // The broker never had the PUBACK of the command: it delivers it again, and it is refused, not run.
      await waitFor(() => after.some((e) => e.kind === 'refused' && e.code === 'PW_ERR_REPLAY'), 'the redelivered command refused');
      assert.equal(restarted.stats.commands, 0, 'the command ran once, before the restart');
      assert.equal(answersTo(meter, 'cut-off').length, 1, 'one answer');
    } finally {
      head.beforeGoodbye = undefined;
      await restarted?.stop();
      await emulator.close();
    }
  });

  it('answers a command it was running when it stopped (a crash before its answer was queued) as interrupted, with the relay as it is',
    async () => {
    const meter = parseMeterId('answer-crash-1');
    const clock = new ManualClock(start);
    const dataDir = join(scratch, meter);
    await (await openAgent(meter, head.brokerPort, clock, [])).stop();
    // What a power cut leaves between the relay's switch and the queued answer: the journal of the run.
    await writeFile(join(dataDir, 'relay.json'), '"open"');
    await writeFile(join(dataDir, 'command-running.json'), JSON.stringify({ id: 'cut-before-answer', op: 'disconnect' }));
    const events: AgentEvent[] = [];
    const agent = await openAgent(meter, head.brokerPort, clock, events);
    try {
      assert.equal(agent.pending, 2, 'the answer is queued at the start, and the sealed status of the relay the run opened');
      agent.start();
      await head.until(() => answersTo(meter, 'cut-before-answer').length > 0, 'the answer of the interrupted command');
      const [answer] = answersTo(meter, 'cut-before-answer');
      assert.equal(answer?.['ok'], false);
      assert.equal(answer['code'], 'PW_ERR_COMMAND_INTERRUPTED');
      assert.equal(answer['relay'], 'open');
      assert.match(String(answer['reason']), /^Command cut-before-answer \(disconnect\) was interrupted: .* the load relay is open now$/);
      assert.deepEqual(JSON.parse(await readFile(join(dataDir, 'commands.json'), 'utf8')), ['cut-before-answer'],
        'it counts as run: it will not run again');
      await agent.drained();
    } finally {
      await agent.stop();
    }
    const again = await openAgent(meter, head.brokerPort, clock, []);
    assert.equal(again.pending, 0, 'answered once');
    await again.stop();
  });
});
