// T13: bytes on the wire per reading (one interval of every catalogue quantity) over the cellular
// profile, through the link emulator, headers included, both directions. phasewire: the agent with
// the cellular profile (4 intervals per sealed CBOR message, a connection per window resuming the
// TLS session, acks, status). Peer, through the same emulator and broker in the same run: JSON over
// MQTT with a full mutual-TLS handshake per message, one interval per message, QoS 1.
// The emulator runs the cellular link's loss with its latency scaled down 100× and its rates up 10×:
// latency and rate change when bytes arrive, not how many (the emulator counts payload and headers
// per segment), and at the real figures a run of the peer's 24 full handshakes lasts minutes.
import type { Benchmark } from '@phasewire/bench';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { MqttClient } from 'mqtt';
import { ManualClock, parseMeterId, SeededRandom } from '@phasewire/core';
import type { Snapshot } from '@phasewire/core';
import { tlsClientOptions } from '@phasewire/secure/node';
import { linkProfiles } from '../src/link-profile.ts';
import type { LinkConditions, LinkProfile } from '../src/link-profile.ts';
import { createSimulatedMeter } from '@phasewire/meter';
import { LinkEmulator } from '../src/node/link/link-emulator.ts';
import { startTestHeadEnd } from '../src/testing/agent-test-kit.ts';
import { ensureEnrolled } from '../src/node/enrollment.ts';
import { MeterAgent } from '../src/node/meter-agent.ts';

const windows = 6;
const start = Date.UTC(2026, 0, 1);
const interval = 15 * 60_000;
const cellular = linkProfiles.cellular.emulated;
const conditions: LinkConditions = {
  ...cellular,
  latencyMs: cellular.latencyMs / 100,
  jitterMs: (cellular.jitterMs ?? 0) / 100,
  retransmitMs: (cellular.retransmitMs ?? 1000) / 100,
  upBitsPerSecond: (cellular.upBitsPerSecond ?? 0) * 10,
  downBitsPerSecond: (cellular.downBitsPerSecond ?? 0) * 10,
};

const benchmark: Benchmark = {
  name: 'agent-cellular-bytes',
  title: 'Cellular link: bytes on the wire per reading, sealed CBOR batches over resumed TLS vs JSON over MQTT with a full '
    + 'TLS handshake per message',
  target: { atMost: 0.2 },
  runs: 3,
  async measure() {
    const head = await startTestHeadEnd();
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-bench-cellular-'));
    const emulator =
      await LinkEmulator.start({ target: { host: '127.0.0.1', port: head.brokerPort }, conditions, random: new SeededRandom(3) });
    try {
      const profile: LinkProfile = linkProfiles.cellular;
      const meter = parseMeterId('bench-cell-1');
      const { identity } = await ensureEnrolled({
        dataDir: dir, meter, estServer: head.estUrl, keyServer: head.keyUrl, trustedCa: head.testCa.anchors, token: await head.token(meter),
      });
      const clock = new ManualClock(start);
      const agent = await MeterAgent.open({
        identity, dataDir: dir, broker: { host: '127.0.0.1', port: emulator.port }, profile, clock, random: new SeededRandom(1),
        meter: createSimulatedMeter({ meter, scenario: 'balanced-motor', mode: 'phasor', seed: 1, start }),
      });
      agent.start();
      // A first window outside the count: the enrollment-time full handshake of a fresh meter.
      const readWindow = async (): Promise<void> => {
        for (let i = 0; i < profile.intervalsPerMessage; i++) {
          clock.advance(interval);
          await agent.takeReading();
        }
        await agent.drained();
        while (agent.connected) await new Promise((resolve) => setTimeout(resolve, 5));
      };
      await readWindow();
      emulator.resetStats();
      for (let w = 0; w < windows; w++) await readWindow();
      const readings = windows * profile.intervalsPerMessage;
      const ours = emulator.wireBytes / readings;
      const resumed = agent.stats.resumedHandshakes;
      await agent.stop();

      // The peer: the same readings as JSON, a fresh mTLS connection and MQTT session per message.
      const peerIdentity = await head.testCa.device('bench-json-1');
      const reference =
        createSimulatedMeter({ meter: parseMeterId('bench-json-1'), scenario: 'balanced-motor', mode: 'phasor', seed: 1, start });
      emulator.resetStats();
      for (let i = 1; i <= readings; i++) {
        const snapshot: Snapshot = reference.advanceTo(start + i * interval);
        const json = JSON.stringify({ meter: snapshot.meter, at: snapshot.at, values: Object.fromEntries(snapshot.values) });
        await publishOnce(emulator.port, peerIdentity, head.testCa.trustWithoutCrl, json);
      }
      const peer = emulator.wireBytes / readings;
      return {
        figure: { label: 'phasewire cellular agent, bytes on the wire per reading', value: ours, unit: 'B' },
        reference: { label: 'JSON over MQTT, full TLS handshake per message', value: peer, unit: 'B', kind: 'peer' },
        extra: { readings, resumedHandshakes: resumed, ratio: ours / peer },
      };
    } finally {
      await emulator.close();
      await head.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

type Identity = Parameters<typeof tlsClientOptions>[0] & object;

function publishOnce(port: number, identity: Identity, trust: Parameters<typeof tlsClientOptions>[1], json: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = new MqttClient(() => tlsConnect({ host: '127.0.0.1', port, ...tlsClientOptions(identity, trust) }), {
      protocolVersion: 4, clientId: 'bench-json-1', clean: true, reconnectPeriod: 0, keepalive: 60,
    });
    client.once('error', reject);
    client.once('connect', () => {
      client.publish('pw/v1/bench-json-1/up/readings', json, { qos: 1 }, (error) => {
        if (error instanceof Error) { reject(error); return; }
        client.end(false, () => { resolve(); });
      });
    });
  });
}

export default benchmark;
