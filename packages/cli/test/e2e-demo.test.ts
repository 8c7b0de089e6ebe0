// `phasewire demo` and `phasewire server` run in-process through runCli from a temporary directory,
// as `npm start` and an operator run them (ports chosen by the system so parallel runs never clash).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferIo } from '../src/io.ts';
import { runCli } from '../src/run.ts';
import { parseMeterId, Q } from '@phasewire/core';
import type { ObisCode } from '@phasewire/core';
import { parseTariff, planPeriod, rateBill, runningCharges, type IntervalInput } from '@phasewire/mdm';
import type { IntervalValue } from '@phasewire/store';
import { SqliteBillingStore, SqliteMeterStore } from '@phasewire/store/node';

const anyPorts = ['--mqtt-port', '0', '--enroll-port', '0', '--key-port', '0', '--api-port', '0', '--firmware-port', '0'];
const firstAdmin = /first start: sign in as "admin" with the one-time password (\S+)/;


describe('phasewire demo', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'phasewire-demo-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('starts the server and an enrolled fleet in ./data, shows values the head-end stored, and exits 0', { timeout: 300_000 }, async () => {
    const io = bufferIo({}, dir);
    // 35 s: at 60× a little over half an hour of simulated time, in which the imbalance trips and the disconnect goes out.
    const code = await runCli(['demo', '--duration', '35s', ...anyPorts], io);
    assert.equal(code, 0, io.stderr());
    const out = io.stdout();
    assert.match(out, /MQTT, mutual TLS 1\.3 +mqtts:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /EST enrollment +https:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /demo fleet: 7 meter agents \(7 enrolled now, 0 from before\)/);
    assert.match(out, /demo billing: 7 meters on the sample tariffs \(7 set up now\)/);
    // The API and dashboard, the MDM, and the first admin's one-time password, once.
    assert.match(out, /API and dashboard +https:\/\/127\.0\.0\.1:\d+ +\(dashboard at \//);
    assert.match(out, /open the dashboard: https:\/\/127\.0\.0\.1:\d+\//);
    assert.match(out, /MDM +VEE, analytics, alarms/);
    assert.equal(out.match(new RegExp(firstAdmin, 'g'))?.length, 1, 'the password is printed once');
    // The last table: the first Wi-Fi meter's row carries stored voltages, its link and status.
    const rows = out.split('\n').filter((line) => line.startsWith('demo-meter-001 '));
    const last = rows.at(-1) ?? '';
    assert.match(last, /^demo-meter-001 +balanced-motor +\d{3}\.\d +\d{3}\.\d +\d{3}\.\d .* wifi +online /, last);
    assert.match(out, /[1-9]\d* readings stored since start/);
    // Local protection: the developing imbalance tripped by itself and another meter was disconnected
    // remotely, each as the head-end heard it from the meter's sealed relay status.
    const lastOf = (meter: string): string => out.split('\n').filter((line) => line.startsWith(`${meter} `)).at(-1) ?? '';
    assert.match(lastOf('demo-meter-003'), /developing-imbalance .* open: trip voltage-unbalance$/, lastOf('demo-meter-003'));
    assert.match(lastOf('demo-meter-002'), /nonlinear .* open: remote$/, lastOf('demo-meter-002'));
    assert.match(lastOf('demo-meter-001'), / closed$/);
    assert.match(out, /demo protection: demo-meter-002 disconnected remotely \(command \S+: done\)/);
    assert.ok((await stat(join(dir, 'data', 'phasewire.db'))).size > 0);
    assert.match(io.stderr(), /NOT a hardware security module/);
  });

  it('reuses ./data on a second start: no new enrollment, the CA unchanged', { timeout: 300_000 }, async () => {
    const ca = await readFile(join(dir, 'data', 'pki', 'ca.json'), 'utf8');
    const meter = parseMeterId('demo-meter-001');
    const energyOf = async (): Promise<{ values: number[]; conflicts: unknown[] }> => {
      const store = await SqliteMeterStore.open({ path: join(dir, 'data', 'phasewire.db') });
      try {
        const energy = await store.readings(meter, Q.activeEnergyImport, { from: 0, to: Number.MAX_SAFE_INTEGER });
        return { values: energy.map((reading) => reading.value), conflicts: [...await store.conflicts(meter, { from: 0, to: Number
          .MAX_SAFE_INTEGER })] };
      } finally {
        await store.close();
      }
    };
    // About one reading a second in the first run's 20 s; how many depends on how fast the fleet started.
    const before = (await energyOf()).values.length;
    assert.ok(before >= 5, `readings of the first run (${before})`);
    const io = bufferIo({}, dir);
    const code = await runCli(['demo', '--duration', '2s', ...anyPorts], io);
    assert.equal(code, 0, io.stderr());
    assert.match(io.stdout(), /\(0 enrolled now, 7 from before\)/);
    assert.match(io.stdout(), /demo billing: 7 meters on the sample tariffs \(0 set up now\)/);
    assert.doesNotMatch(io.stdout(), /first start, made/);
    assert.doesNotMatch(io.stdout(), firstAdmin, 'the one-time password is never printed again');
    assert.match(io.stdout(), /API and dashboard +https:/);
    const after = JSON.parse(await readFile(join(dir, 'data', 'pki', 'ca.json'), 'utf8')) as { issued: unknown[] };
    assert.equal(after.issued.length, (JSON.parse(ca) as { issued: unknown[] }).issued.length);
    // The meters carried their energy on from what was stored: across the restart the register only rises.
    const { values, conflicts } = await energyOf();
    assert.ok(values.length > before, `the second run added readings (${before} before, ${values.length} after)`);
    assert.deepEqual(values, [...values].sort((a, b) => a - b), 'the register never goes back across the restart');
    assert.deepEqual(conflicts, []);
  });

  it('puts the meters on the three sample tariffs once, and rates their running charges as the engine rates their intervals', {
    timeout: 120_000 }, async () => {
    const billing = await SqliteBillingStore.open({ path: join(dir, 'data', 'billing.db') });
    const meters = await SqliteMeterStore.open({ path: join(dir, 'data', 'phasewire.db') });
    try {
      // After two starts: each tariff uploaded once, seven accounts each with one service point, meter and tariff.
      const versions = await billing.tariffVersions();
      assert.deepEqual(versions.map((v) => v.tariffId),
        ['commercial-tou-berlin', 'industrial-reactive-berlin', 'residential-tiered-new-york']);
      const accounts = (await billing.accounts()).map((a) => a.id);
      assert.deepEqual(accounts, Array.from({ length: 7 }, (_, i) => `demo-account-00${String(i + 1)}`));
      const assignments = await billing.tariffAssignments();
      assert.deepEqual(assignments.map((a) => a.account).sort(), accounts);
      assert.equal(new Set(assignments.map((a) => a.tariffId)).size, 3, 'spread over the three tariffs');
      assert.deepEqual((await billing.installations()).map((i) => i.meter).sort(), accounts.map((a) => a.replace('account', 'meter')));
      assert.equal((await billing.servicePointLinks()).length, 7);
      assert.equal((await billing.audit({ limit: 1000 })).filter((a) => a.action === 'tariff.upload').length, 3);

      for (const account of ['demo-account-001', 'demo-account-002', 'demo-account-003']) {
        const running = await runningCharges({ billing, meters }, account, Number.MAX_SAFE_INTEGER, 0.98);
        assert.ok(running !== undefined, account);
        const meter = parseMeterId(account.replace('account', 'meter'));
        assert.equal(running.asOf, Math.max(...(await meters.latest(meter)).map((r) => r.at)), 'now is the latest reading');
        // The engine's rating of the same intervals, read one by one, over the same period so far.
        const tariffId = assignments.find((a) => a.account === account)?.tariffId;
        const tariffs = versions.filter((v) => v.tariffId === tariffId)
          .map((v) => parseTariff(JSON.parse(v.document) as unknown, v.tariffId));
        const plan = planPeriod(tariffs, running.soFar);
        const read = async (q: ObisCode): Promise<Map<number, IntervalValue>> =>
          new Map((await meters.intervals(meter, q, { from: plan.from, to: plan.to })).map((i) => [i.end, i]));
        const imp = await read(Q.activeEnergyImport);
        const exp = await read(Q.activeEnergyExport);
        const rimp = await read(Q.reactiveEnergyImport);
        const rexp = await read(Q.reactiveEnergyExport);
        const intervals: IntervalInput[] = [...imp.values()].filter((i) => i.end > plan.from && i.end <= plan.to)
          .map((i) => ({ end: i.end, importWh: i.value ?? 0, exportWh: exp.get(i.end)?.value ?? 0,
            reactiveImportVarh: rimp.get(i.end)?.value ?? 0, reactiveExportVarh: rexp.get(i.end)?.value ?? 0, quality: i.quality }));
        assert.ok(intervals.some((i) => i.quality !== 'missing' && i.importWh > 0), `${account} has billed energy`);
        const expected = rateBill(tariffs, running.soFar, intervals, { completenessLimit: 0.98 });
        const got = running.servicePoints[0]?.bill;
        assert.deepEqual(got?.total, expected.total, account);
        assert.deepEqual(got.lines, expected.lines, account);
        assert.ok(expected.total.minor > 0, `${account}: ${JSON.stringify(expected.total)}`);
      }
      // Never stored as a bill.
      assert.deepEqual(await billing.bills({ limit: 10 }), []);
    } finally {
      await meters.close();
      await billing.close();
    }
  });
});

describe('phasewire server', () => {
  it('prints what runs where and how to enroll, stops cleanly on interrupt, and issues tokens against its data directory', { timeout:
    300_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-server-cli-'));
    try {
      let interrupt = (): void => undefined;
      const io = bufferIo({}, dir, new Promise<void>((resolve) => { interrupt = resolve; }));
      const running = runCli(['server', ...anyPorts], io);
      const deadline = Date.now() + 15_000;
      while (!io.stdout().includes('Ctrl-C stops') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.match(io.stdout(), /npx phasewire server token --serial meter-0001 --data-dir \S+ > meter-0001\.token/);
      assert.match(io.stdout(),
        new RegExp(/npx phasewire meter run --serial meter-0001 --token-file meter-0001\.token --server mqtts:\/\/127\.0\.0\.1:\d+/.source +
          / --enroll https:\/\/127\.0\.0\.1:\d+ --key-server https:\/\/127\.0\.0\.1:\d+ --ca \S+ca-chain\.pem/.source));
      assert.match(io.stdout(), /keystore +software keystore .*NOT an HSM/);
      const token = bufferIo({}, dir);
      assert.equal(await runCli(['server', 'token', '--serial', 'meter-0001'], token), 0, token.stderr());
      assert.match(token.stdout(), /^pwe1\.[0-9a-f]+\.\S+\n$/);
      // --data-dir after `token` too, and its --help lists it.
      const elsewhere = bufferIo({}, tmpdir());
      assert.equal(await runCli(['server', 'token', '--serial', 'meter-0002', '--data-dir', join(dir, 'data')], elsewhere), 0, elsewhere
        .stderr());
      assert.match(elsewhere.stdout(), /^pwe1\.[0-9a-f]+\.\S+\n$/);
      const help = bufferIo({}, dir);
      assert.equal(await runCli(['server', 'token', '--help'], help), 0, help.stderr());
      assert.match(help.stdout(), /--data-dir <dir> +the data directory the server runs on/);
      interrupt();
      assert.equal(await running, 0, io.stderr());
      assert.match(io.stdout(), /stopped\n$/);
      const refused = bufferIo({}, dir);
      assert.equal(await runCli(['server', '--config', 'missing.json'], refused), 2);
      assert.match(refused.stderr(), /--config "missing\.json"/);
      const badFlag = bufferIo({}, dir);
      assert.equal(await runCli(['server', '--mqtt-port', '99999'], badFlag), 2);
      assert.match(badFlag.stderr(), /--mqtt-port/);
      await writeFile(join(dir, 'data', 'phasewire.json'), '{ "mqtt": { "port": "eighty" } }');
      const badFile = bufferIo({}, dir);
      assert.equal(await runCli(['server'], badFile), 2);
      assert.match(badFile.stderr(), /field mqtt\.port is "eighty", expected a whole number from 0 to 65535 \[PW_ERR_SERVER_CONFIG\]/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
