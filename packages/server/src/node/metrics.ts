// The server's metrics in Prometheus' text format (docs/operations.md has every name): the one place
// that holds a metrics library. The packages expose counts through their own ports and hooks (the
// ingest's commit hook and counters, the registry, the agents' reported queues, the MDM's status,
// the store's size, the CA's list); this module reads them, on each commit for the ingest and at
// scrape time for the rest. Cardinality is bounded by design: no label carries a meter id, so a
// fleet of a million meters has as many series as a fleet of ten (fleet voltage and unbalance are
// min/mean/max over the meters' latest values; per meter, ask the API).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Q } from '@phasewire/core';
import type { Clock } from '@phasewire/core';
import { refusalReasons } from '@phasewire/headend';
import type { MdmService } from '@phasewire/mdm/node';
import type { LatestValues } from '@phasewire/api/node';
import type { ServerContext } from './phasewire-server.ts';

export interface ServerMetricsSources {
  readonly context: ServerContext;
  readonly mdm: () => MdmService | undefined;
  /** Each meter's latest values (the API's): fleet voltage and unbalance. */
  readonly latest: LatestValues;
  /** The data's clock (the MDM's lag is measured on it). */
  readonly dataClock: Clock;
}

export interface ServerMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  text(): Promise<string>;
  close(): void;
}

/** Device certificates expiring within this are counted apart (renew them). */
const expiringWithinMs = 30 * 86_400_000;
/** VUF above this is over the EN 50160 limit for LV supplies (2 %, 95 % of 10-min means in a week). */
const vufLimitPercent = 2;
const links = ['wifi', 'cellular', 'rs485', 'unknown'] as const;
const phases = [['L1', Q.voltageL1], ['L2', Q.voltageL2], ['L3', Q.voltageL3]] as const;

interface Spread { min: number; max: number; sum: number; n: number }
const spread = (): Spread => ({ min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, sum: 0, n: 0 });
const add = (s: Spread, value: number): void => { s.min = Math.min(s.min, value); s.max = Math.max(s.max, value); s.sum += value; s.n++; };
function setSpread(gauge: Gauge, s: Spread, labels: Record<string, string> = {}): void {
  if (s.n === 0) return;
  gauge.set({ ...labels, stat: 'min' }, s.min);
  gauge.set({ ...labels, stat: 'mean' }, s.sum / s.n);
  gauge.set({ ...labels, stat: 'max' }, s.max);
}

/**
 * Scrapes that arrive while a collection runs get its text: a collection reads the store (alarms,
 * sizes), so a flood of concurrent scrapes costs one collection at a time instead of one each.
 */
export function shareInFlight<T>(run: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= run().finally(() => { running = undefined; });
    return running;
  };
}

export function createServerMetrics(sources: ServerMetricsSources): ServerMetrics {
  const { context, latest, dataClock } = sources;
  const { headEnd, store, ca } = context;
  const registry = new Registry();
  // Process and runtime: CPU, memory, GC, and the event loop's delay (nodejs_eventloop_lag_*_seconds).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  // Gauges named like counters, which `promtool check metrics` refuses; the handle and request counts say little here.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(name);
  const registers = [registry];

  const messages = new Counter({
    name: 'phasewire_ingest_messages_total', help: 'Readings messages committed to the store', registers,
  });
  const readings = new Counter({ name: 'phasewire_ingest_readings_total', help: 'Readings committed to the store', registers });
  const commits = new Histogram({
    name: 'phasewire_ingest_commit_duration_seconds', help: 'Duration of one group commit of the ingest (many messages, one transaction)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers,
  });
  const unsubscribe = headEnd.ingest.onCommitTimed((seconds, m, r) => {
    commits.observe(seconds);
    messages.inc(m);
    readings.inc(r);
  });

  new Counter({
    name: 'phasewire_ingest_refusals_total', help: 'Messages refused by the head-end, by reason (readings for implausible-time)',
    labelNames: ['reason'], registers,
    collect() {
      this.reset();
      for (const reason of refusalReasons) this.inc({ reason }, headEnd.ingest.refusals.total(reason));
    },
  });

  new Gauge({
    name: 'phasewire_sessions', help: 'Devices online (their agent said online and has not gone offline), by link profile',
    labelNames: ['link'], registers,
    collect() {
      const counts = new Map<string, number>(links.map((l) => [l, 0]));
      for (const record of headEnd.registry.list()) {
        if (headEnd.activity.get(record.id)?.online !== true) continue;
        const link = record.linkProfile ?? 'unknown';
        counts.set(link, (counts.get(link) ?? 0) + 1);
      }
      for (const [link, n] of counts) this.set({ link }, n);
    },
  });
  new Gauge({
    name: 'phasewire_devices', help: 'Devices in the registry, by kind and state', labelNames: ['kind', 'state'], registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const record of headEnd.registry.list()) {
        const key = `${record.kind}\u0000${record.state}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [key, n] of counts) {
        const [kind = '', state = ''] = key.split('\u0000');
        this.set({ kind, state }, n);
      }
    },
  });
  // Each gauge that sets others from one pass is registered before them: the registry reads in order.
  new Gauge({
    name: 'phasewire_agent_queued_messages_max', help: 'The longest queue an agent reported as it came online', registers,
    collect() {
      let sum = 0;
      let max = 0;
      for (const n of headEnd.reportedQueues().values()) { sum += n; max = Math.max(max, n); }
      queueSum.set(sum);
      this.set(max);
    },
  });

  const queueSum = new Gauge({
    name: 'phasewire_agent_queued_messages', help: 'Messages the agents said were queued as they came online, summed over the fleet',
    registers,
  });

  mdmMetrics(registers, sources.mdm, dataClock);

  new Gauge({
    name: 'phasewire_alarms_active', help: 'Alarms raised, escalated or acknowledged and not cleared, by severity and type',
    labelNames: ['severity', 'type'], registers,
    async collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const alarm of await store.alarms({ state: 'active', limit: 100_000 })) {
        const key = `${alarm.severity}\u0000${alarm.type}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const severity of ['warn', 'critical']) this.set({ severity, type: 'any' }, 0);
      for (const [key, n] of counts) {
        const [severity = '', type = ''] = key.split('\u0000');
        this.set({ severity, type }, n);
        this.inc({ severity, type: 'any' }, n);
      }
    },
  });
  new Gauge({
    name: 'phasewire_store_size_bytes', help: 'Bytes the meter store takes on disk (SQLite pages; PostgreSQL tables and indexes)',
    registers,
    async collect() { this.set(await store.sizeBytes()); },
  });

  new Gauge({
    name: 'phasewire_certificate_expiry_timestamp_seconds', help: 'When the CA and server certificates expire (Unix time)',
    labelNames: ['certificate'], registers,
    collect() {
      this.set({ certificate: 'root-ca' }, ca.root.notAfter.getTime() / 1000);
      this.set({ certificate: 'issuing-ca' }, ca.issuing.notAfter.getTime() / 1000);
      const now = context.clock.now();
      let server = Number.POSITIVE_INFINITY;
      let earliest = Number.POSITIVE_INFINITY;
      let expiring = 0;
      for (const entry of ca.list()) {
        if (entry.revoked !== undefined || entry.replacedBy !== undefined || entry.notAfter <= now) continue;
        if (entry.profile === 'server') server = Math.min(server, entry.notAfter);
        else if (entry.device !== undefined) {
          earliest = Math.min(earliest, entry.notAfter);
          if (entry.notAfter - now <= expiringWithinMs) expiring++;
        }
      }
      if (Number.isFinite(server)) this.set({ certificate: 'server' }, server / 1000);
      deviceExpiring.set(expiring);
      if (Number.isFinite(earliest)) deviceEarliest.set(earliest / 1000);
    },
  });

  const deviceExpiring = new Gauge({
    name: 'phasewire_device_certificates_expiring', help: 'Valid device certificates that expire within 30 days', registers,
  });
  const deviceEarliest = new Gauge({
    name: 'phasewire_device_certificate_earliest_expiry_timestamp_seconds', help: 'When the first valid device certificate expires',
    registers,
  });

  new Gauge({
    name: 'phasewire_fleet_voltage_volts', help: 'Phase-to-neutral RMS voltage over the meters\' latest values, by phase',
    labelNames: ['phase', 'stat'], registers,
    collect() {
      const byPhase = phases.map(() => spread());
      const unbalance = spread();
      let over = 0;
      for (const meter of latest.meters()) {
        const values = latest.values(meter);
        phases.forEach(([, code], i) => {
          const v = values?.get(code);
          if (v !== undefined && byPhase[i] !== undefined) add(byPhase[i], v);
        });
        const percent = latest.vufPercent(meter);
        if (percent === null) continue;
        add(unbalance, percent);
        if (percent > vufLimitPercent) over++;
      }
      phases.forEach(([phase], i) => { if (byPhase[i] !== undefined) setSpread(this, byPhase[i], { phase }); });
      setSpread(vuf, unbalance);
      overLimit.set(over);
    },
  });

  const vuf = new Gauge({
    name: 'phasewire_fleet_voltage_unbalance_percent', help: 'Voltage unbalance factor (VUF, IEC) over the meters\' latest values',
    labelNames: ['stat'], registers,
  });
  const overLimit = new Gauge({
    name: 'phasewire_fleet_voltage_unbalance_over_limit', help: `Meters whose latest VUF is above ${vufLimitPercent} % (EN 50160)`,
    registers,
  });

  return {
    registry,
    contentType: registry.contentType,
    text: shareInFlight(() => registry.metrics()),
    close() {
      unsubscribe();
      registry.clear();
    },
  };
}

function mdmMetrics(registers: Registry[], mdm: () => MdmService | undefined, dataClock: Clock): void {
  // Registered first: its collect sets the others, which the registry reads after it.
  new Gauge({
    name: 'phasewire_mdm_lag_seconds', help: 'Data time between now and the time the last MDM run judged up to', registers,
    collect() {
      const status = mdm()?.status();
      if (status === undefined) return;
      runs.reset();
      runs.inc(status.runs);
      failures.reset();
      failures.inc(status.meterFailures);
      written.reset();
      for (const [rule, n] of status.writtenByRule) written.inc({ rule }, n);
      if (status.lastRun === null) return;
      duration.set(status.lastRun.durationMs / 1000);
      this.set(Math.max(0, (dataClock.now() - status.lastRun.upTo) / 1000));
    },
  });
  const runs = new Counter({
    name: 'phasewire_mdm_runs_total', help: 'MDM runs (VEE, analytics, alarms over every meter) finished', registers,
  });
  const failures = new Counter({ name: 'phasewire_mdm_meter_failures_total', help: 'Meters whose MDM run failed', registers });
  const duration = new Gauge({ name: 'phasewire_mdm_last_run_duration_seconds', help: 'How long the last MDM run took', registers });
  const written = new Counter({
    name: 'phasewire_vee_intervals_written_total', help: 'Interval values VEE wrote, by the rule that made each (VEE: passed every rule)',
    labelNames: ['rule'], registers,
  });
}
