// A clock-sync that was minutes on its way (a cellular meter asleep, seconds of latency at the
// demo's 60 times speed) sets the meter's clock from the middle of the time it can have been in
// transit, bounded by the meter's own message the head-end had when it stamped its time; taken as
// it came, it set the clock back by the whole delay. One that cannot be bounded is refused.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock, parseMeterId, SeededRandom, type MeterId } from '@phasewire/core';
import { linkProfiles, type LinkProfile } from '../link-profile.ts';
import { createSimulatedMeter } from '@phasewire/meter';
import { startTestHeadEnd } from '../testing/agent-test-kit.ts';
import type { TestHeadEnd } from '../testing/agent-test-kit.ts';
import { ensureEnrolled } from './enrollment.ts';
import { MeterAgent } from './meter-agent.ts';

const start = Date.UTC(2026, 0, 1);
const minute = 60_000;

let head: TestHeadEnd;
let scratch: string;

before(async () => {
  head = await startTestHeadEnd();
  scratch = await mkdtemp(join(tmpdir(), 'phasewire-clock-sync-'));
});
after(async () => {
  await head.close();
  await rm(scratch, { recursive: true, force: true });
});

/** An enrolled agent of `meter` on the test head-end, on a manual clock at `start`, over `profile` with short waits. */
async function openAgent(meter: MeterId, profile: LinkProfile, extra: { clockSyncMaxAgeMs?: number }) {
  const dataDir = join(scratch, meter);
  const { identity } = await ensureEnrolled({
    dataDir, meter, estServer: head.estUrl, keyServer: head.keyUrl, trustedCa: head.testCa.anchors, token: await head.token(meter),
  });
  const clock = new ManualClock(start);
  const agent = await MeterAgent.open({
    identity, dataDir, broker: { host: '127.0.0.1', port: head.brokerPort }, clock, random: new SeededRandom(3),
    profile: { ...profile, ackTimeoutMs: 2_000, reconnect: { initialMs: 20, maxMs: 200 } }, ...extra,
    meter: createSimulatedMeter({ meter, scenario: 'balanced-resistive', mode: 'phasor', seed: 7, start }),
  });
  return { agent, clock };
}

describe('clock-sync in transit', { timeout: 60_000 }, () => {
  it('sets the clock from the middle of the time the command can have been on its way, and refuses one it cannot bound', async () => {
    const meter = parseMeterId('clock-late-1');
    const { agent, clock } = await openAgent(meter, linkProfiles.wifi, { clockSyncMaxAgeMs: 20 * minute });
    const answers = () => head.responses.filter((r) => r.meter === meter).map((r) => r.value as Record<string, unknown>);
    try {
      agent.start();
      clock.advance(minute);
      await agent.takeReading();
      await head.until(() => head.messages.some((m) => m.meter === meter), 'the reading');
      const sent = head.messages.find((m) => m.meter === meter);
      assert.ok(sent !== undefined);
      const sentAt = clock.now();
      // The head-end stamped its time 5 minutes after that message left the meter (its clock is
      // right), and the command reached the meter 5 minutes later.
      clock.advance(10 * minute);
      const expiresAt = clock.now() + 60 * minute;
      await head.command(meter,
        { id: 'late-sync', op: 'clock-sync', expiresAt, time: sentAt + 5 * minute, after: { keyId: 1, counter: sent.counter } });
      await head.until(() => answers().length === 1, 'the answer of the clock-sync');
      assert.equal(answers()[0]?.['ok'], true);
      assert.equal(answers()[0]?.['clockOffsetMs'], 0, 'the clock is not set back by the 5 minutes the command was on its way');
      // Stamped 9 minutes and 1 ms after the message came: a round trip of an odd number of ms, whose
      // half would put the clock, and every reading after, at a fraction of a millisecond.
      const after = { keyId: 1, counter: sent.counter, heldMs: 9 * minute + 1 };
      await head.command(meter, { id: 'odd-sync', op: 'clock-sync', expiresAt, time: clock.now() - 30_000, after });
      await head.until(() => answers().length === 2, 'the answer of the second clock-sync');
      assert.equal(answers()[1]?.['clockOffsetMs'], 0);

      await head.command(meter, { id: 'unbounded-sync', op: 'clock-sync', expiresAt, time: sentAt });
      await head.until(() => answers().length === 3, 'the refusal');
      assert.deepEqual([answers()[2]?.['ok'], answers()[2]?.['code']], [false, 'PW_ERR_COMMAND_STALE']);
      clock.advance(minute);
      await agent.takeReading();
      await head.until(() => (head.readings.get(meter)?.size ?? 0) === 2, 'the next reading');
      assert.ok(head.readings.get(meter)?.has(clock.now()), 'the clock is where it was, in whole ms: the refused time was not taken');
      await agent.drained();
    } finally {
      await agent.stop();
    }
  });

  it('refuses a clock-sync anchored on a message of an earlier window, and takes it anchored on its refusal', async () => {
    const meter = parseMeterId('clock-window-1');
    const { agent, clock } = await openAgent(meter, linkProfiles.cellular, {});
    const answers =
      () => head.responses.filter((r) => r.meter === meter).map((r) => ({ body: r.value as Record<string, unknown>, counter: r.counter }));
    const window = async (): Promise<void> => {
      for (let i = 0; i < linkProfiles.cellular.intervalsPerMessage; i++) {
        clock.advance(minute);
        await agent.takeReading();
      }
    };
    try {
      agent.start();
      await window();
      await agent.drained();
      await head.until(() => !head.connected.has(meter), 'the meter asleep');
      const last = head.messages.filter((m) => m.meter === meter).at(-1);
      assert.ok(last !== undefined);
      // Sent while the meter sleeps, anchored on its last message: it waits at the broker for any time.
      const expiresAt = clock.now() + 60 * minute;
      await head.command(meter,
        { id: 'slept-sync', op: 'clock-sync', expiresAt, time: clock.now(), after: { keyId: 1, counter: last.counter } });
      // Its refusal is not acknowledged yet, as the head-end sends the clock-sync again before it acks.
      head.acking = false;
      await window();
      await head.until(() => answers().length === 1, 'the refusal');
      const refusal = answers()[0];
      assert.equal(refusal?.body['code'], 'PW_ERR_COMMAND_STALE');
      assert.match(String(refusal.body['reason']), /on this connection \(it came in an earlier window or before a restart\)/);
      await head.command(meter,
        { id: 'slept-sync', op: 'clock-sync', expiresAt, time: clock.now(), after: { keyId: 1, counter: refusal.counter } });
      head.acking = true;
      await head.until(() => answers().length === 2, 'the answer anchored on the refusal');
      assert.deepEqual([answers()[1]?.body['ok'], answers()[1]?.body['clockOffsetMs']], [true, 0]);
      await agent.drained();
    } finally {
      head.acking = true;
      await agent.stop();
    }
  });
});
