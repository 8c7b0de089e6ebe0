// The Home Assistant publisher against a broker having a bad day (Debian's Mosquitto, loopback):
// one that refuses the password keeps being tried, is logged once and not at every retry, the
// password never in a log; once it accepts, the publisher connects. One that stops answering
// (SIGSTOP) does not hold up close(): the server's shutdown would hang on the ack of "offline".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { parseMeterId, Q } from '@phasewire/core';
import { freePort, trackChild } from '@phasewire/test-kit';
import { HomeAssistantPublisher, type HomeAssistantPublisherOptions } from './home-assistant-publisher.ts';

const password = 'ha-broker-secret-7731';

async function until(predicate: () => boolean, what: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the Home Assistant publisher and a broker that refuses, or stops answering', { timeout: 120_000 }, () => {
  let dir: string;
  let passwords: string;
  let broker: ChildProcess;
  let brokerLog = '';
  let port: number;
  const logs: string[] = [];
  const options = (): HomeAssistantPublisherOptions => ({
    url: `mqtt://127.0.0.1:${port}`, topics: { discoveryPrefix: 'homeassistant', topicPrefix: 'phasewire' },
    client: { clientId: 'phasewire-ha-test', username: 'phasewire', password },
    meters: () => [{ meter: parseMeterId('meter-1'), model: null }], online: () => true, latest: () => Promise.resolve(new Map()),
    onError: (message) => { logs.push(message); },
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-ha-broker-'));
    // Mosquitto started as root runs as its own user unless told otherwise: it must read the password file.
    await chmod(dir, 0o755);
    passwords = join(dir, 'passwords');
    await writeFile(passwords, '');
    execFileSync('mosquitto_passwd', ['-b', passwords, 'someone-else', 'other']);
    await chmod(passwords, 0o644);
    port = await freePort();
    const config = join(dir, 'mosquitto.conf');
    await writeFile(config, [...(process.getuid?.() === 0 ? ['user root'] : []), 'persistence false', 'log_dest stderr',
      `listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwords}`, ''].join('\n'));
    broker = spawn('mosquitto', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(broker);
    broker.stderr?.on('data', (chunk: Buffer) => { brokerLog += chunk.toString('utf8'); });
    await until(() => brokerLog.includes('running'), () => `mosquitto to start (${brokerLog})`);
  });

  after(async () => {
    broker.kill('SIGCONT');
    broker.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps trying a broker that refuses the password, logs that once, and connects when it is accepted', async () => {
    const publisher = HomeAssistantPublisher.start(options());
    try {
      const refusals = (): number => (brokerLog.match(/not authori[sz]ed/gi) ?? []).length;
      // Without the fix mqtt.js gave up after the first refusal, for good.
      await until(() => refusals() >= 3, () => `three refused attempts (mosquitto: ${brokerLog})`);
      const said = logs.filter((line) => line.includes('Not authorized'));
      assert.equal(said.length, 1, `logged once for ${refusals()} refusals: ${JSON.stringify(logs)}`);
      assert.ok(logs.every((line) => !line.includes(password)), 'no password in a log');
      execFileSync('mosquitto_passwd', ['-b', passwords, 'phasewire', password]);
      broker.kill('SIGHUP');
      await until(() => publisher.connected, () => `the publisher to connect once the password is known (mosquitto: ${brokerLog})`);
    } finally {
      await publisher.close();
    }
  });

  it('folds a flood of commits into the latest state instead of one message each', async () => {
    const warnings: string[] = [];
    const warned = (warning: Error): void => { warnings.push(warning.message); };
    process.on('warning', warned);
    const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'ha-side', username: 'phasewire', password });
    const states: string[] = [];
    subscriber.on('message', (topic, payload) => { if (topic === 'phasewire/meter-1/state') states.push(payload.toString('utf8')); });
    await subscriber.subscribeAsync('phasewire/meter-1/state', { qos: 0 });
    const publisher = HomeAssistantPublisher.start(options());
    try {
      await until(() => publisher.connected, () => `the publisher to connect (mosquitto: ${brokerLog})`);
      const meter = parseMeterId('meter-1');
      const commits = 20_000;
      for (let i = 1; i <= commits; i++) publisher.committed([{ meter, at: i, values: new Map([[Q.activeEnergyImport, i * 1000]]) }]);
      await until(() => states.at(-1) === JSON.stringify({ energy_import: commits }), () => `the latest state (last: ${states.at(-1)})`);
      // Before: 20,000 messages, and Node's warning of more than 1,000 drain listeners on the socket.
      assert.ok(states.length < commits / 2, `${states.length} state messages for ${commits} commits`);
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', warned);
      await subscriber.endAsync();
      await publisher.close();
    }
  });

  it('closes when the broker has stopped answering', async () => {
    const publisher = HomeAssistantPublisher.start(options());
    await until(() => publisher.connected, () => `the publisher to connect (mosquitto: ${brokerLog})`);
    broker.kill('SIGSTOP');
    try {
      // Without the fix close() waited for the ack of "offline" for ever.
      await publisher.close();
      assert.equal(publisher.connected, false);
    } finally {
      broker.kill('SIGCONT');
    }
  });
});
