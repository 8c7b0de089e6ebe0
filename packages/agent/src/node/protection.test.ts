// Local protection in the running meter agent, against a real broker over mutual TLS: a trip opens
// the relay with no round trip and reaches the head-end as a sealed event through the durable
// queue; settings are sealed, versioned commands (forged, replayed, expired and older ones refused);
// reconnect after a trip or a disconnect arms the relay, and a confirm closes it.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock, parseMeterId, Q, SeededRandom } from '@phasewire/core';
import { defaultProtectionSettings, type Command } from '@phasewire/core/protocol';
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
  scratch = await mkdtemp(join(tmpdir(), 'phasewire-protection-'));
});
after(async () => {
  await head.close();
  await rm(scratch, { recursive: true, force: true });
});

async function protectedAgent(id: string) {
  const meter = parseMeterId(id);
  const dataDir = join(scratch, id);
  const { identity } = await ensureEnrolled({
    dataDir, meter, estServer: head.estUrl, keyServer: head.keyUrl, trustedCa: head.testCa.anchors, token: await head.token(meter),
  });
  const clock = new ManualClock(start);
  const trips: TripRecord[] = [];
  const scenario = { ...findScenario('phase-loss'), name: 'phase-loss-motor', motor: defaultReactingMotor };
  const pm = createProtectedMeter({
    meter, scenario, mode: 'phasor', seed: 1, start, settings: defaultProtectionSettings, onTrip: (trip) => trips.push(trip),
  });
  const source = protectedSource(pm, trips);
  const agent = await MeterAgent.open({
    identity, dataDir, broker: { host: '127.0.0.1', port: head.brokerPort }, profile: wifi, clock, random: new SeededRandom(3), source,
  });
  agent.start();
  // Subscribed before any command is sent (a command to a meter the broker has no session for is dropped).
  await waitFor(() => agent.connected, `${id} connected`);
  return { meter, dataDir, clock, agent, pm };
}

const answers = (meter: string) => head.responses.filter((r) => r.meter === meter).map((r) => r.value as Record<string, unknown>);
const answerTo = (meter: string, id: string) => answers(meter).find((a) => a['id'] === id);

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

describe('local protection in the meter agent', () => {
  it('trips on a lost phase with no round trip, reports the trip as a sealed event, and reconnects only armed and confirmed', async () => {
    const { meter, clock, agent, pm, dataDir } = await protectedAgent('prot-agent-1');
    after(() => agent.stop().catch(() => undefined));
    const exp = start + 3_600_000;
    clock.advance(20 * second);
    await agent.takeReading();
    clock.advance(20 * second); // L3 lost at 30 s: the trip comes at 30.6 s, inside this reading's interval
    await agent.takeReading();
    assert.equal(pm.relay.state, 'open', 'opened locally, before anything reached the head-end');
    await head.until(() => head.events.some((e) => e.meter === meter), 'the trip event');
    const event = head.events.find((e) => e.meter === meter)?.value as Record<string, unknown>;
    assert.deepEqual([event['kind'], event['fn'], event['at'], event['relay']], ['protection-trip', 'phase-loss', start + 30_600, 'open']);
    assert.deepEqual((event['values'] as { voltage: number[] }).voltage.slice(2), [0]);
    const saved = JSON.parse(await readFile(join(dataDir, 'protection.json'), 'utf8')) as { relay: { openedBy: string } };
    assert.equal(saved.relay.openedBy, 'trip');

    // A confirm before the relay is armed is refused; a reconnect arms (the relay stays open); the confirm closes.
    clock.advance(30 * second); // L3 back at 60 s
    await agent.takeReading();
    assert.equal((await send(meter, { id: 'early', op: 'reconnect', expiresAt: exp, confirm: true }))['code'], 'PW_ERR_RELAY_NOT_ARMED');
    const armed = await send(meter, { id: 'arm-1', op: 'reconnect', expiresAt: exp });
    assert.deepEqual([armed['ok'], armed['relay'], armed['armed']], [true, 'open', true]);
    const closed = await send(meter, { id: 'close-1', op: 'reconnect', expiresAt: exp, confirm: true });
    assert.deepEqual([closed['ok'], closed['relay'], closed['armed']], [true, 'closed', false]);
    clock.advance(10 * second);
    await agent.takeReading();
    await head.until(() => head.readings.get(meter)?.has(start + 80 * second) === true, 'the reading after the close');
    const reading = head.readings.get(meter)?.get(start + 80 * second);
    assert.ok((reading?.values.get(Q.currentL1) ?? 0) > 9, 'the motor runs again');

    // After a remote disconnect: the local confirm (the meter's button) closes an armed relay.
    assert.equal((await send(meter, { id: 'off-1', op: 'disconnect', expiresAt: exp }))['relay'], 'open');
    assert.equal((await agent.confirmLocally()).ok, false, 'not armed yet');
    await send(meter, { id: 'arm-2', op: 'reconnect', expiresAt: exp });
    assert.deepEqual(await agent.confirmLocally(), { ok: true });
    assert.equal(pm.relay.state, 'closed');
  });

  it('takes sealed, versioned settings and refuses forged, replayed, expired and older ones', async () => {
    const { meter, clock, agent, pm } = await protectedAgent('prot-agent-2');
    after(() => agent.stop().catch(() => undefined));
    const exp = start + 3_600_000;
    const v2 = { version: 2, undervoltage: { pickup: 0.8, delayMs: 1500 } };
    const sealed = await head.command(meter, { id: 'set-2', op: 'protection-settings', expiresAt: exp, settings: v2 });
    await head.until(() => answerTo(meter, 'set-2') !== undefined, 'the answer to set-2');
    assert.deepEqual([answerTo(meter, 'set-2')?.['ok'], answerTo(meter, 'set-2')?.['settingsVersion']], [true, 2]);
    assert.deepEqual([pm.protection.settings.version, pm.protection.settings.undervoltage.delayMs], [2, 1500]);

    // Replayed: the same sealed bytes again are refused by the envelope's replay window, unanswered and not run.
    const dropped = (): number => agent.stats.refusedEnvelopes + agent.stats.duplicates;
    const droppedBefore = dropped();
    await head.publishRaw(meter, sealed);
    // Forged: a settings command whose sealed bytes were altered fails authentication.
    const forged = await head.sealCommand(meter, { id: 'set-9', op: 'protection-settings', expiresAt: exp, settings: { version: 9 } });
    forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
    await head.publishRaw(meter, forged);
    await waitFor(() => dropped() >= droppedBefore + 2, 'the replay and the forgery dropped');
    assert.equal(agent.stats.refusedEnvelopes >= 1, true, 'the forgery refused');
    assert.equal(pm.protection.settings.version, 2);
    assert.equal(answers(meter).filter((a) => a['id'] === 'set-2').length, 1, 'the replay did not run again');
    assert.equal(answerTo(meter, 'set-9'), undefined);

    // Expired on the meter's clock, an older version, and settings out of range: answered, refused, not installed.
    clock.advance(10 * second);
    const expired = await send(meter, { id: 'set-3', op: 'protection-settings', expiresAt: start + 5 * second, settings: { version: 3 } });
    assert.equal(expired['code'], 'PW_ERR_COMMAND_EXPIRED');
    const older = await send(meter, { id: 'set-1', op: 'protection-settings', expiresAt: exp, settings: { version: 2 } });
    assert.equal(older['code'], 'PW_ERR_PROTECTION_VERSION');
    const wrong = await send(meter, { id: 'set-4', op: 'protection-settings', expiresAt: exp, settings: { version: 4, hysteresis: 5 } });
    assert.equal(wrong['code'], 'PW_ERR_PROTECTION_SETTINGS');
    assert.match(String(wrong['reason']), /hysteresis/);
    assert.equal(pm.protection.settings.version, 2);

    const disarmed = await send(meter, { id: 'dis-1', op: 'protection-disarm', expiresAt: exp });
    assert.deepEqual([disarmed['ok'], pm.protection.armed], [true, false]);
  });
});
