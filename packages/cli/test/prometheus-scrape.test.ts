// A real Prometheus (Debian's package, with promtool) scrapes a running server over HTTPS with the
// scrape token, while a real meter agent sends an unbalanced supply's readings and the MDM raises its
// alarm: the metrics arrive with their values, `promtool check metrics` passes on the scraped text,
// and the alert rules in deploy/prometheus pass `promtool check rules` and evaluate in Prometheus.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ManualClock, parseMeterId, SeededRandom } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import { createSimulatedMeter } from '@phasewire/meter';
import { ensureEnrolled, MeterAgent } from '@phasewire/agent/node';
import { deviceIdentity } from '@phasewire/secure';
import { parseServerConfig } from '@phasewire/server';
import { standardServices, startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer, StandardServices } from '@phasewire/server/node';
import { freePort, startPeer, type Peer } from '@phasewire/test-kit';

const quarterHour = 900_000;
const meter = parseMeterId('prom-unbalanced-1');
const scrapeToken = 'prometheus-scrape-token-0123456789';
const repoRoot = resolve(import.meta.dirname, '../../..');
const alertRules = join(repoRoot, 'deploy/prometheus/alerts.yml');
const grafanaDashboard = join(repoRoot, 'deploy/grafana/phasewire.json');

/** PromQL's functions, aggregations and keywords: every other identifier in an expression names a metric. */
const promqlWords = new Set(['sum', 'avg', 'min', 'max', 'count', 'by', 'without', 'rate', 'increase', 'irate', 'histogram_quantile',
  'time', 'and', 'or', 'unless', 'on', 'ignoring', 'bool', 'offset', 'group_left', 'group_right', 'topk', 'bottomk', 'abs', 'clamp_min',
  'predict_linear', 'delta', 'deriv']);

/** The metric names an expression reads: label matchers, strings, ranges and numbers taken out, functions and keywords left aside. */
function metricNames(expr: string): string[] {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, ' ').replace(/\boffset\s+\S+/g, ' ');
  return [...bare.matchAll(/(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*/g)].map((m) => m[0]).filter((word) => !promqlWords.has(word));
}

/** Grafana's own variables, as a panel query gets them: every server, a one-minute rate window. */
const grafanaVariables = (expr: string): string => expr.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*');

function run(command: string, args: readonly string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    const child = execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : (child.exitCode ?? 1), out: `${stdout}${stderr}` });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

function get(url: string, ca: string, token?: string): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const req = request(url, { ca, headers, servername: 'localhost' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }); });
    });
    req.on('error', fail);
    req.end();
  });
}

interface Sample { metric: Record<string, string>; value: [number, string] }
interface QueryAnswer { status: string; data: { resultType: string; result: Sample[] }; error?: string }

describe('Prometheus scrapes the server', { timeout: 180_000 }, () => {
  let dir: string;
  let server: PhasewireServer;
  let services: StandardServices;
  let agent: MeterAgent | undefined;
  let prometheus: Peer;
  let promUrl: string;
  let ca: string;
  let apiUrl: string;

  /** An instant query at Prometheus' HTTP API. */
  const query = async (expr: string): Promise<QueryAnswer> => {
    const answer = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return await answer.json() as QueryAnswer;
  };
  const value = async (expr: string): Promise<number | undefined> => {
    const first = (await query(expr)).data.result[0];
    return first === undefined ? undefined : Number(first.value[1]);
  };
  const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!await check()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; Prometheus said:\n${prometheus.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-prometheus-'));
    services = standardServices({ mdm: { timer: false }, api: { scrypt: { N: 2 ** 10, r: 8, p: 1 } }, env: { PW_SCRAPE: scrapeToken } });
    server = await startPhasewireServer({
      config: parseServerConfig({
        mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, api: { port: 0, metrics: { tokenEnv: 'PW_SCRAPE' } },
        mdm: { meters: { meters: { [meter]: { ctRatio: 40, maxCurrent: 5 } } } },
      }),
      dataDir: join(dir, 'data'), services,
    });
    ca = await readFile(server.endpoints.caFile, 'utf8');
    apiUrl = services.apiUrl ?? '';

    // A real meter: enrolled over EST, two hours of an unbalanced supply over MQTT/TLS, each reading acked.
    server.headEnd.registry.enrol({ id: meter, kind: 'meter', model: 'pw-sim-3p', linkProfile: 'wifi' });
    const token = await server.issueToken(deviceIdentity('meter', meter));
    const meterDir = join(dir, 'meter');
    const { identity } = await ensureEnrolled({
      dataDir: meterDir, meter, token: token.token, estServer: server.endpoints.enrollment, keyServer: server.endpoints.keyProvisioning,
      trustedCa: ca,
    });
    const start = Math.floor((Date.now() - 3 * 3_600_000) / quarterHour) * quarterHour;
    const clock = new ManualClock(start);
    agent = await MeterAgent.open({
      identity, dataDir: meterDir, broker: { host: '127.0.0.1', port: server.endpoints.mqttPort, servername: 'localhost' },
      profile: { ...linkProfiles.wifi, reconnect: { initialMs: 50, maxMs: 200 } },
      meter: createSimulatedMeter({ meter, scenario: 'unbalanced', mode: 'phasor', seed: 5, start }), clock, random: new SeededRandom(5),
    });
    const running = agent;
    running.start();
    for (let k = 0; k < 8; k++) {
      clock.advance(quarterHour);
      await running.takeReading();
      for (let waited = 0; running.pending > 0 || running.staged > 0; waited += 20) {
        if (waited > 15_000) throw new Error(`no ack of reading ${k}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const report = await services.mdm?.runOnce();
    assert.ok(report !== undefined && report.transitions > 0, 'the MDM raised the unbalance alarm');

    const tokenFile = join(dir, 'scrape.token');
    await writeFile(tokenFile, scrapeToken, { mode: 0o600 });
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    await writeFile(join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: [${JSON.stringify(alertRules)}]`,
      'scrape_configs:',
      '  - job_name: phasewire',
      '    scheme: https',
      `    tls_config: { ca_file: ${JSON.stringify(server.endpoints.caFile)}, server_name: localhost }`,
      `    authorization: { type: Bearer, credentials_file: ${JSON.stringify(tokenFile)} }`,
      `    static_configs: [{ targets: ["127.0.0.1:${new URL(apiUrl).port}"] }]`,
      '',
    ].join('\n'));
    prometheus = await startPeer({
      name: 'prometheus', command: 'prometheus',
      args: [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`],
      ready: { line: /Server is ready to receive web requests/ }, startTimeoutMs: 30_000,
    });
    await until('the first successful scrape', async () => await value('up{job="phasewire"}') === 1);
  });

  after(async () => {
    await prometheus.stop();
    await agent?.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the ingest, sessions, alarms, MDM, store and certificate metrics with their values', async () => {
    assert.ok(server.headEnd.ingest.stored > 0);
    assert.equal(await value('phasewire_ingest_readings_total'), server.headEnd.ingest.stored);
    assert.equal(await value('phasewire_ingest_messages_total'), server.headEnd.ingest.messages);
    assert.equal(await value('phasewire_ingest_commit_duration_seconds_count'), await value('phasewire_ingest_messages_total'),
      'one commit per message here: each reading waited for its ack');
    assert.equal(await value('phasewire_sessions{link="wifi"}'), 1);
    assert.equal(await value('phasewire_devices{kind="meter",state="active"}'), 1);
    assert.ok((await value('phasewire_alarms_active{type="voltage-unbalance"}') ?? 0) >= 1);
    assert.ok((await value('phasewire_fleet_voltage_unbalance_percent{stat="max"}') ?? 0) > 2, 'the unbalanced supply, VUF 2.6 %');
    assert.equal(await value('phasewire_fleet_voltage_unbalance_over_limit'), 1);
    assert.ok((await value('phasewire_fleet_voltage_volts{phase="L1",stat="mean"}') ?? 0) > 200);
    assert.equal(await value('phasewire_mdm_runs_total'), 1);
    assert.ok((await value('phasewire_vee_intervals_written_total{rule="VEE"}') ?? 0) > 0);
    assert.ok((await value('phasewire_store_size_bytes') ?? 0) > 0);
    assert.ok((await value('phasewire_certificate_expiry_timestamp_seconds{certificate="server"}') ?? 0) > Date.now() / 1000);
    assert.equal(await value('phasewire_agent_queued_messages'), server.headEnd.reportedQueues().get(meter),
      'what the agent said was queued as it came online');
    assert.equal(await value('phasewire_ingest_refusals_total{reason="forged"}'), 0);
    assert.ok((await value('nodejs_eventloop_lag_p99_seconds') ?? -1) >= 0, 'the event loop delay');
  });

  it('is ready with the embedded broker: /readyz names its listener', async () => {
    const ready = await get(`${apiUrl}/readyz`, ca);
    assert.equal(ready.status, 200, ready.text);
    const broker = (JSON.parse(ready.text) as { checks: { name: string; state: string; detail: string }[] }).checks
      .find((c) => c.name === 'broker');
    assert.deepEqual(broker, { name: 'broker', state: 'ok', detail: `embedded broker listening on port ${server.endpoints.mqttPort}` });
  });

  it('passes `promtool check metrics` on the scraped text, which it answers only for the scrape token', async () => {
    const scraped = await get(`${apiUrl}/metrics`, ca, scrapeToken);
    assert.equal(scraped.status, 200);
    const lint = await run('promtool', ['check', 'metrics'], scraped.text);
    assert.equal(lint.code, 0, lint.out);
    assert.equal((await get(`${apiUrl}/metrics`, ca)).status, 403, 'no token, no metrics');
    assert.equal((await get(`${apiUrl}/metrics`, ca, 'another-token-of-some-length')).status, 403);
  });

  it('checks the alert rules with promtool, and Prometheus loads and evaluates every one of them', async () => {
    const checked = await run('promtool', ['check', 'rules', alertRules]);
    assert.equal(checked.code, 0, checked.out);
    assert.match(checked.out, /SUCCESS: 13 rules found/);
    interface Rule { name: string; health: string; lastError?: string; state?: string }
    const rules = async (): Promise<Rule[]> => {
      const answer = await (await fetch(`${promUrl}/api/v1/rules`)).json() as { data: { groups: { rules: Rule[] }[] } };
      return answer.data.groups.flatMap((g) => g.rules);
    };
    await until('every rule evaluated', async () => {
      const list = await rules();
      return list.length === 13 && list.every((r) => r.health === 'ok');
    });
    const list = await rules();
    assert.deepEqual(list.filter((r) => r.health !== 'ok'), []);
    // The unbalanced meter is over the limit: its rule is pending (it waits 30 minutes before firing).
    await until('the unbalance rule pending',
      async () => (await rules()).find((r) => r.name === 'PhasewireVoltageUnbalance')?.state === 'pending');
    assert.equal(list.find((r) => r.name === 'PhasewireDown')?.state, 'inactive');
  });

  it('evaluates every Grafana panel query in Prometheus with data, each naming only metrics the server exports', async () => {
    const scraped = (await get(`${apiUrl}/metrics`, ca, scrapeToken)).text;
    const exported = new Set(['up']);
    for (const [, name, type] of scraped.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      exported.add(name ?? '');
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${name ?? ''}${suffix}`);
    }
    interface Panel { title: string; type: string; targets?: { expr: string }[] }
    const dashboard = JSON.parse(await readFile(grafanaDashboard, 'utf8')) as {
      uid: string; panels: Panel[]; templating: { list: { name: string; definition?: string }[] };
    };
    assert.equal(dashboard.uid, 'phasewire');
    // The server picker: Grafana's label_values() over a metric every server exports.
    const picker = dashboard.templating.list.find((v) => v.name === 'instance')?.definition ?? '';
    const pickerMetric = /^label_values\((\w+), instance\)$/.exec(picker)?.[1] ?? '';
    assert.ok(exported.has(pickerMetric), picker);
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
    assert.ok(queries.length >= 20, `${queries.length} queries`);
    const titles = dashboard.panels.map((p) => p.title).join(' | ');
    for (const wanted of [/Fleet health/, /Ingest/, /Voltage per phase/, /Voltage unbalance/]) assert.match(titles, wanted);
    // A rate needs two samples in its window: wait for a few scrapes.
    await until('five scrapes', async () => (await value('count_over_time(up{job="phasewire"}[1m])') ?? 0) >= 5);
    for (const { panel, expr } of queries) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${panel}: ${expr} reads no metric`);
      for (const name of names) assert.ok(exported.has(name), `${panel}: ${expr} names ${name}, which the server does not export`);
      const answer = await query(grafanaVariables(expr));
      assert.equal(answer.status, 'success', `${panel}: ${expr}: ${answer.error ?? ''}`);
      assert.ok(answer.data.result.length > 0, `${panel}: ${expr} has no data: ${JSON.stringify(answer)}`);
    }
  });

  it('finds the metric names of an expression and nothing else', () => {
    assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le) (rate(a_bucket{x="y{z}", instance=~"$instance"}[1m])))'),
      ['a_bucket']);
    assert.deepEqual(metricNames('(min(b_seconds{i="1"}) - time()) / 86400 + sum without (q) (c_total offset 5m)'),
      ['b_seconds', 'c_total']);
  });
});
