// The protocol's test vectors (core's protocol/vectors.ts) through the meter agent's real receive
// path: each body sealed by a test head-end, published on the broker, opened and handled by a
// running agent. The head-end's tests run the same vectors through its side, so the two cannot drift.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock, parseMeterId, SeededRandom } from '@phasewire/core';
import { ackVectors, commandVectors, decodeCommandResponse } from '@phasewire/core/protocol';
import { createSimulatedMeter } from '@phasewire/meter';
import { linkProfiles } from '../link-profile.ts';
import { startTestHeadEnd } from '../testing/agent-test-kit.ts';
import type { TestHeadEnd } from '../testing/agent-test-kit.ts';
import type { AgentEvent } from './agent-types.ts';
import { ensureEnrolled } from './enrollment.ts';
import { MeterAgent } from './meter-agent.ts';

const start = Date.UTC(2026, 0, 1);
const meter = parseMeterId('vectors-1');
let head: TestHeadEnd;
let scratch: string;
let agent: MeterAgent;
const events: AgentEvent[] = [];

before(async () => {
  head = await startTestHeadEnd();
  scratch = await mkdtemp(join(tmpdir(), 'phasewire-vectors-'));
  const dataDir = join(scratch, meter);
  const { identity } = await ensureEnrolled({
    dataDir, meter, estServer: head.estUrl, keyServer: head.keyUrl, trustedCa: head.testCa.anchors, token: await head.token(meter),
  });
  agent = await MeterAgent.open({
    identity, dataDir, broker: { host: '127.0.0.1', port: head.brokerPort },
    profile: { ...linkProfiles.wifi, reconnect: { initialMs: 20, maxMs: 200 } }, clock: new ManualClock(start), random: new SeededRandom(3),
    meter: createSimulatedMeter({ meter, scenario: 'balanced-resistive', mode: 'phasor', seed: 7, start }),
    onEvent: (event) => { events.push(event); },
  });
  agent.start();
  await head.until(() => head.status.get(meter) !== undefined, 'the agent online');
});
after(async () => {
  await agent.stop();
  await head.close();
  await rm(scratch, { recursive: true, force: true });
});

async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !predicate(); waited += 10) {
    if (waited > 20_000) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const refusals = (): AgentEvent[] => events.filter((event) => event.kind === 'refused');

describe('protocol vectors through the meter agent', () => {
  it('takes every valid command vector as that command and answers it with a valid command response', async () => {
    for (const vector of commandVectors.valid) {
      const seen = events.length;
      await head.sendBody(meter, 'command', vector.wire);
      await waitFor(() => events.slice(seen).some((event) => event.kind === 'command' || event.kind === 'refused'), vector.name);
      const event = events.slice(seen).find((e) => e.kind === 'command' || e.kind === 'refused');
      const taken = event?.kind === 'command' ? { id: event.id, op: event.op } : event;
      assert.deepEqual(taken, { id: vector.decoded.id, op: vector.decoded.op }, vector.name);
    }
    await head.until(() => head.responses.length === commandVectors.valid.length, 'an answer to each command');
    const answered = head.responses.map((r) => decodeCommandResponse(r.value).id);
    assert.deepEqual(answered.sort(), commandVectors.valid.map((v) => v.decoded.id).sort());
  });

  it('refuses every invalid command vector with its code and answers none of them', async () => {
    const answers = head.responses.length;
    for (const vector of commandVectors.invalid) {
      const before = refusals().length;
      await head.sendBody(meter, 'command', vector.wire);
      await waitFor(() => refusals().length > before, vector.name);
      assert.deepEqual(refusals().slice(before).map((e) => e.kind === 'refused' && e.code), [vector.code], vector.name);
    }
    assert.equal(head.responses.length, answers);
  });

  it('takes every valid ack vector and refuses every invalid one with its code', async () => {
    const before = refusals().length;
    for (const vector of ackVectors.valid) await head.sendBody(meter, 'ack', vector.wire);
    // Acks are handled in order: once an invalid one after them is refused, the valid ones were taken.
    const [sentinel, ...rest] = ackVectors.invalid;
    assert.ok(sentinel !== undefined);
    for (const vector of [sentinel, ...rest]) {
      const seen = refusals().length;
      await head.sendBody(meter, 'ack', vector.wire);
      await waitFor(() => refusals().length > seen, vector.name);
      assert.deepEqual(refusals().slice(seen).map((e) => e.kind === 'refused' && e.code), [vector.code], vector.name);
    }
    assert.equal(refusals().length - before, ackVectors.invalid.length, 'no valid ack was refused');
  });
});
