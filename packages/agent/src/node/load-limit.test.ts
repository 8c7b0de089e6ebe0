// Load limiting and the sealed relay status in the running meter agent, against a real broker over
// mutual TLS: a load-limit command is sealed and versioned (forged, replayed, expired and older ones
// change nothing), the agent opens the relay once the load stays above the limit for the delay, and
// every change of the relay reaches the head-end as a sealed status saying why it is open.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock, parseMeterId, SeededRandom } from '@phasewire/core';
import { decodeRelayStatus, defaultProtectionSettings, type Command } from '@phasewire/core/protocol';
import { createProtectedMeter, defaultReactingMotor, findScenario, type TripRecord } from '@phasewire/meter';
import { linkProfiles } from '../link-profile.ts';
import { protectedSource } from '../protected-source.ts';
import { startTestHeadEnd, type TestHeadEnd } from '../testing/agent-test-kit.ts';
import { ensureEnrolled } from './enrollment.ts';
import { MeterAgent } from './meter-agent.ts';

const start = Date.UTC(2026, 0, 1);
const second = 1000;
const wifi = { ...linkProfiles.wifi, ackTimeoutMs: 2_000, reconnect: { initialMs: 20, maxMs: 200 }, intervalsPerMessage: 1 };

let head: TestHeadEnd;
let scratch: string;

before(async () => {
  head = await startTestHeadEnd();
  scratch = await mkdtemp(join(tmpdir(), 'phasewire-load-limit-'));
});
after(async () => {
  await head.close();
  await rm(scratch, { recursive: true, force: true });
});

/** An agent on the reacting motor at its rating (10 A a line, 6.21 kW), protection at its defaults. */
async function limitedAgent(id: string) {
  const meter = parseMeterId(id);
  const dataDir = join(scratch, id);
  const { identity } = await ensureEnrolled({
    dataDir, meter, estServer: head.estUrl, keyServer: head.keyUrl, trustedCa: head.testCa.anchors, token: await head.token(meter),
  });
  const clock = new ManualClock(start);
  const trips: TripRecord[] = [];
  const scenario = { ...findScenario('balanced-motor'), name: 'limited-motor', motor: defaultReactingMotor };
  const pm = createProtectedMeter({ meter, scenario, mode: 'phasor', seed: 1, start, settings: defaultProtectionSettings,
    onTrip: (trip) => trips.push(trip) });
  const agent = await MeterAgent.open({
    identity, dataDir, broker: { host: '127.0.0.1', port: head.brokerPort }, profile: wifi, clock, random: new SeededRandom(5),
    source: protectedSource(pm, trips),
  });
  agent.start();
  // Subscribed before any command is sent: the agent says `online` once its subscription is granted.
  await waitFor(() => agent.connected && head.status.get(meter)?.includes('"online"') === true, `${id} online`);
  return { meter, clock, agent, pm };
}

const answerTo = (meter: string, id: string) =>
  head.responses.filter((r) => r.meter === meter).map((r) => r.value as Record<string, unknown>).find((a) => a['id'] === id);
const statuses = (meter: string) => head.relayStatuses.filter((s) => s.meter === meter).map((s) => decodeRelayStatus(s.value));

async function send(meter: ReturnType<typeof parseMeterId>, command: Command): Promise<Record<string, unknown>> {
  await head.command(meter, command);
  await head.until(() => answerTo(meter, command.id) !== undefined, `the answer to ${command.id}`);
  return answerTo(meter, command.id) ?? {};
}

async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !predicate(); waited += 10) {
    if (waited > 20_000) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('load limiting and the relay status in the meter agent', () => {
  it('takes a sealed, versioned limit, opens the relay after the delay, and says why in its sealed status', async () => {
    const { meter, clock, agent, pm } = await limitedAgent('limit-agent-1');
    after(() => agent.stop().catch(() => undefined));
    const exp = start + 3_600_000;
    assert.deepEqual(statuses(meter), [], 'a relay that never moved is not reported');
    const limit = (version: number, more: Record<string, unknown> = {}) => ({ version, ...more });
    const set = await send(meter, { id: 'limit-1', op: 'load-limit', expiresAt: exp, loadLimit: limit(1, { current: 8 }) });
    assert.deepEqual([set['ok'], set['loadLimitVersion']], [true, 1]);

    // Replayed and forged copies of a limit command change nothing; expired and older ones are answered, refused.
    const sealed = await head.command(meter, { id: 'limit-2', op: 'load-limit', expiresAt: exp, loadLimit: { version: 2, current: 20 } });
    await head.until(() => answerTo(meter, 'limit-2') !== undefined, 'the answer to limit-2');
    const dropped = (): number => agent.stats.refusedEnvelopes + agent.stats.duplicates;
    const droppedBefore = dropped();
    await head.publishRaw(meter, sealed);
    const forged = await head.sealCommand(meter, { id: 'limit-9', op: 'load-limit', expiresAt: exp, loadLimit: limit(9, { current: 1 }) });
    forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
    await head.publishRaw(meter, forged);
    await waitFor(() => dropped() >= droppedBefore + 2, 'the replay and the forgery dropped');
    assert.equal(answerTo(meter, 'limit-9'), undefined);
    clock.advance(10 * second);
    const early = start + 5 * second;
    const expired = await send(meter, { id: 'limit-3', op: 'load-limit', expiresAt: early, loadLimit: limit(3, { current: 1 }) });
    assert.equal(expired['code'], 'PW_ERR_COMMAND_EXPIRED');
    const older = await send(meter, { id: 'limit-0', op: 'load-limit', expiresAt: exp, loadLimit: { version: 1, current: 1 } });
    assert.equal(older['code'], 'PW_ERR_LOAD_LIMIT');
    const wrong = await send(meter, { id: 'limit-4', op: 'load-limit', expiresAt: exp, loadLimit: { version: 4, current: 'ten' } });
    assert.equal(wrong['code'], 'PW_ERR_LOAD_LIMIT');
    assert.equal(pm.protection.loadLimit?.version, 2, 'version 2 (20 A) runs: 10 A is under it');

    await agent.takeReading();
    clock.advance(60 * second);
    await agent.takeReading();
    assert.equal(pm.relay.state, 'closed');
    // Version 5 limits to 8 A after 30 s: the trip opens the relay locally, even disarmed.
    assert.equal((await send(meter, { id: 'dis', op: 'protection-disarm', expiresAt: exp }))['ok'], true);
    assert.equal((await send(meter, { id: 'limit-5', op: 'load-limit', expiresAt: exp,
      loadLimit: { version: 5, current: 8, delayMs: 30_000 } }))['loadLimitVersion'], 5);
    clock.advance(60 * second);
    await agent.takeReading();
    assert.equal(pm.relay.state, 'open');
    await head.until(() => head.events.some((e) => e.meter === meter) && statuses(meter).length > 0, 'the trip and the status');
    const trip = head.events.find((e) => e.meter === meter)?.value as Record<string, unknown>;
    assert.equal(trip['fn'], 'load-limit');
    assert.match(String(trip['reason']), /highest line current 10\.0 A, over the limit of 8 A \(limit version 5\)/);
    const tripAt = Number(trip['at']);
    // The limit took effect at the first window after the command, tripped 30 s later (within a window).
    assert.ok(tripAt - (start + 70 * second) >= 30_000 && tripAt - (start + 70 * second) <= 30_200, `tripped at ${tripAt - start} ms`);
    assert.deepEqual(statuses(meter).at(-1),
      { relay: 'open', armed: false, by: 'trip', fn: 'load-limit', at: tripAt, loadLimitVersion: 5 });

    // Reconnect by policy: the arm and the close each reach the head-end as a sealed status.
    await send(meter, { id: 'limit-off', op: 'load-limit', expiresAt: exp, loadLimit: { version: 6 } });
    await send(meter, { id: 'arm', op: 'reconnect', expiresAt: exp });
    await head.until(() => statuses(meter).at(-1)?.armed === true, 'the armed status');
    assert.deepEqual(await agent.confirmLocally(), { ok: true });
    await head.until(() => statuses(meter).at(-1)?.relay === 'closed', 'the closed status');
    assert.deepEqual(statuses(meter).slice(-3).map((s) => [s.relay, s.armed, s.by, s.fn]),
      [['open', false, 'trip', 'load-limit'], ['open', true, 'trip', 'load-limit'], ['closed', false, undefined, undefined]]);
  });

  it('reports a remote disconnect as open by the head-end, also after a restart only what changed', async () => {
    const { meter, agent } = await limitedAgent('limit-agent-2');
    const exp = start + 3_600_000;
    await send(meter, { id: 'off', op: 'disconnect', expiresAt: exp });
    await head.until(() => statuses(meter).length === 1, 'the disconnect status');
    assert.deepEqual(statuses(meter).map((s) => [s.relay, s.armed, s.by]), [['open', false, 'remote']]);
    await agent.stop();
    const again = await limitedAgent('limit-agent-2');
    after(() => again.agent.stop().catch(() => undefined));
    await again.agent.takeReading();
    await again.agent.drained();
    assert.equal(statuses(meter).length, 1, 'nothing changed across the restart: nothing sent again');
  });
});
