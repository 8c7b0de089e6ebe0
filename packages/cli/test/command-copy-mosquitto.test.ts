// Behind Mosquitto a command can reach a meter twice: the broker keeps the first copy in the meter's
// persistent session while it is away, and the head-end, which has not seen the meter since it
// started, sends it again when the meter says `online`. The meter runs it once and answers the
// second copy with the first one's answer, not with a refusal (PW_ERR_COMMAND_REPLAYED). The whole
// head-end as `phasewire server` runs it with the Mosquitto it starts, restarted on its data
// directory (Mosquitto's persistence keeps the session), and a real meter agent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, parseMeterId, SeededRandom } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import { ensureEnrolled, MeterAgent } from '@phasewire/agent/node';
import type { AgentEvent, AgentIdentity } from '@phasewire/agent/node';
import { createSimulatedMeter } from '@phasewire/meter';
import { deviceIdentity } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { parseServerConfig } from '@phasewire/server';
import { startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer } from '@phasewire/server/node';

const minute = 60_000;

async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a command delivered twice behind Mosquitto', { timeout: 120_000 }, () => {
  let dir: string;
  let server: PhasewireServer | undefined;
  const config =
    parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, broker: { kind: 'mosquitto' } });
  const start = (): Promise<PhasewireServer> => startPhasewireServer({ config, dataDir: join(dir, 'data'), warn: () => undefined });

  before(async () => { dir = await mkdtemp(join(tmpdir(), 'phasewire-command-copy-')); });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs it once and answers the second copy with the same answer', async () => {
    const id = parseMeterId('copy-meter-1');
    const dataDir = join(dir, 'meters', id);
    const clock = new ManualClock(Math.floor(Date.now() / minute) * minute - 30 * minute);
    const events: AgentEvent[] = [];
    server = await start();
    const token = await server.issueToken(deviceIdentity('meter', id));
    const { identity } = await ensureEnrolled({
      dataDir, meter: id, token: token.token, estServer: server.endpoints.enrollment, keyServer: server.endpoints.keyProvisioning,
      trustedCa: await readFile(server.endpoints.caFile, 'utf8'),
    });
    const open = async (port: number, me: AgentIdentity): Promise<MeterAgent> => {
      const agent = await MeterAgent.open({
        identity: me, dataDir, broker: { host: '127.0.0.1', port, servername: 'localhost' },
        profile: { ...linkProfiles.wifi, reconnect: { initialMs: 50, maxMs: 200 } },
        meter: createSimulatedMeter({ meter: id, scenario: 'balanced-resistive', mode: 'phasor', seed: 4, start: clock.now() }),
        clock, random: new SeededRandom(6), onEvent: (event) => { events.push(event); },
      });
      agent.start();
      return agent;
    };
    // A first connection makes the meter's persistent session at the broker, with its subscriptions.
    let agent = await open(server.endpoints.mqttPort, identity);
    await until(() => agent.connected, 'the first connection');
    clock.advance(minute);
    await agent.takeReading();
    await until(() => agent.pending === 0, 'the first reading acknowledged');
    await agent.stop();
    // A new head-end (and Mosquitto, its session restored) that has not seen the meter: the command
    // waits in the session, and goes again when the meter says online.
    await server.close();
    server = await start();
    const running = server;
    const answered = running.headEnd.sendCommand(id, 'disconnect', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    agent = await open(running.endpoints.mqttPort, identity);
    try {
      const record = await answered;
      assert.equal(record.status, 'done', JSON.stringify(record));
      const commands = (): Extract<AgentEvent, { kind: 'command' }>[] =>
        events.flatMap((e) => (e.kind === 'command' && e.id === record.id ? [e] : []));
      await until(() => commands().length === 2, 'both copies answered');
      assert.deepEqual(commands().map((e) => [e.ok, e.code, e.repeated]), [[true, undefined, undefined], [true, undefined, true]],
        'the second copy answered with the first one\'s answer, not refused');
      assert.equal(agent.stats.commands, 1, 'run once');
      assert.equal(agent.relayState, 'open');
      await until(() => agent.pending === 0, 'both answers acknowledged');
      assert.equal(running.headEnd.command(id as DeviceId, record.id)?.status, 'done');
    } finally {
      await agent.stop();
    }
  });
});
