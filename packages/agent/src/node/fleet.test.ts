// Several agents in one process: each enrolls with its own token, and every reading of every meter
// reaches the head-end and is acknowledged.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock, parseMeterId } from '@phasewire/core';
import { linkProfiles } from '../link-profile.ts';
import { startTestHeadEnd } from '../testing/agent-test-kit.ts';
import { AgentFleet } from './fleet.ts';

describe('agent fleet', () => {
  it('runs several enrolled agents in one process and delivers every reading', async () => {
    const head = await startTestHeadEnd();
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-fleet-'));
    const start = Date.UTC(2026, 0, 1);
    const clock = new ManualClock(start);
    let fleet: AgentFleet | undefined;
    try {
      const tokens: string[] = [];
      fleet = await AgentFleet.start({
        meters: 3, seed: 5, start, clock, dataDir: dir, estServer: head.estUrl, keyServer: head.keyUrl, trustedCa: head.testCa.anchors,
        tokenFor: async (meter) => { const token = await head.token(meter); tokens.push(token); return token; },
        broker: { host: '127.0.0.1', port: head.brokerPort }, profile: { ...linkProfiles.wifi, ackTimeoutMs: 2_000 },
      });
      assert.equal(tokens.length, 3, 'one enrollment per meter');
      for (let i = 0; i < 5; i++) {
        clock.advance(60_000);
        await fleet.takeReadings();
      }
      await head.until(() => [...head.readings.values()].reduce((sum, m) => sum + m.size, 0) === 15,
        'five readings of each of three meters');
      await Promise.all(fleet.agents.map((agent) => agent.drained()));
      assert.equal(fleet.pending, 0);
      assert.deepEqual([...head.readings.keys()].sort(), ['fleet-000001', 'fleet-000002', 'fleet-000003']);
    } finally {
      await fleet?.stop();
      await head.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops the agents it started when one meter cannot start, and fails the start with that meter\'s error', { timeout: 60_000 },
    async () => {
    const head = await startTestHeadEnd();
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-fleet-'));
    const start = Date.UTC(2026, 0, 1);
    const online = (meter: string): boolean => head.status.get(parseMeterId(meter))?.includes('"online"') === true;
    try {
      const starting = AgentFleet.start({
        meters: 4, seed: 5, start, clock: new ManualClock(start), dataDir: dir, estServer: head.estUrl, keyServer: head.keyUrl,
        trustedCa: head.testCa.anchors,
        // The fourth meter fails only once the other three are up: they must be taken down again.
        tokenFor: async (meter) => {
          if (meter !== 'fleet-000004') return head.token(meter);
          await head.until(() => ['fleet-000001', 'fleet-000002', 'fleet-000003'].every(online), 'three agents online');
          throw new Error('no token for fleet-000004');
        },
        broker: { host: '127.0.0.1', port: head.brokerPort }, profile: { ...linkProfiles.wifi, ackTimeoutMs: 2_000 },
      });
      await assert.rejects(starting, /no token for fleet-000004/);
      // Each said goodbye (its retained status is offline) and stays down.
      assert.deepEqual(['fleet-000001', 'fleet-000002', 'fleet-000003'].map((meter) => head.status.get(parseMeterId(meter))),
        Array(3).fill('{"state":"offline"}'));
    } finally {
      await head.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
