// `phasewire server` with its CA keys and envelope master in a PKCS#11 token (Debian's SoftHSM2, a
// private token directory for this test process): the first start makes them in the token, a meter
// enrolls and its readings are opened with a key derived inside the token, a restart reuses them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ManualClock, parseMeterId, SeededRandom } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import { createSimulatedMeter } from '@phasewire/meter';
import { ensureEnrolled, MeterAgent } from '@phasewire/agent/node';
import { deviceIdentity } from '@phasewire/secure';
import { parseServerConfig } from '@phasewire/server';
import { startPhasewireServer } from '@phasewire/server/node';

const run = promisify(execFile);
const pinVariable = 'PHASEWIRE_E2E_PIN';

describe('phasewire server with a PKCS#11 keystore (SoftHSM2)', () => {
  let dir: string;
  const pin = randomBytes(8).toString('hex');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-e2e-hsm-'));
    const tokens = join(dir, 'tokens');
    await mkdir(tokens, { mode: 0o700 });
    const conf = join(dir, 'softhsm2.conf');
    await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
    // SoftHSM reads its configuration when the module is first initialised in this process.
    process.env['SOFTHSM2_CONF'] = conf;
    await run('softhsm2-util', ['--init-token', '--free', '--label', 'phasewire-e2e', '--pin', pin, '--so-pin', randomBytes(8).toString(
      'hex')], { env: { ...process.env, SOFTHSM2_CONF: conf } });
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('makes the CA and the envelope master in the token, serves a meter with them, and reuses them after a restart', async () => {
    const config = parseServerConfig({
      mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 },
      keystore: { kind: 'pkcs11', module: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'phasewire-e2e', pinEnv: pinVariable },
    });
    const dataDir = join(dir, 'data');
    const env = { [pinVariable]: pin };
    const warnings: string[] = [];
    const first = await startPhasewireServer({ config, dataDir, env, warn: (message) => warnings.push(message) });
    const meterDir = join(dir, 'meter');
    const id = parseMeterId('e2e-hsm-1');
    try {
      assert.equal(first.keystoreKind, 'pkcs11');
      assert.deepEqual(warnings, []);
      assert.match(first.created.join('\n'), /keys in the pkcs11 keystore/);
      const token = await first.issueToken(deviceIdentity('meter', id));
      const { identity } = await ensureEnrolled({
        dataDir: meterDir, meter: id, token: token.token, estServer: first.endpoints.enrollment, keyServer: first.endpoints.keyProvisioning,
        trustedCa: await readFile(first.endpoints.caFile, 'utf8'),
      });
      const clock = new ManualClock(Date.UTC(2026, 3, 1));
      const agent = await MeterAgent.open({
        identity, dataDir: meterDir, broker: { host: '127.0.0.1', port: first.endpoints.mqttPort, servername: 'localhost' }, profile:
          linkProfiles.wifi,
        meter: createSimulatedMeter({ meter: id, scenario: 'balanced-motor', mode: 'phasor', seed: 5, start: clock.now() }), clock, random:
          new SeededRandom(5),
      });
      agent.start();
      clock.advance(60_000);
      await agent.takeReading();
      const deadline = Date.now() + 15_000;
      while ((agent.pending > 0 || agent.staged > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      await agent.stop();
      assert.ok((await first.store.latest(id)).some((reading) => reading.at === clock.now()));
    } finally {
      await first.close();
    }
    const second = await startPhasewireServer({ config, dataDir, env });
    try {
      assert.deepEqual(second.created, []);
      assert.equal(second.ca.root.serialNumber, first.ca.root.serialNumber);
    } finally {
      await second.close();
    }
    const refused = startPhasewireServer({ config, dataDir: join(dir, 'other'), env: {} });
    await assert.rejects(refused, { code: 'PW_ERR_KEYSTORE_CONFIG' });
  });
});
