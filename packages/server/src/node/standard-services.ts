// The standard services of `phasewire server`: the MDM service (VEE, analytics, alarms on the stored
// data) and the HTTPS API with the dashboard, as the `services` of startPhasewireServer, from the
// server configuration. The composition the API needs (docs/api.md, "Starting it") is here: the
// ports fitted to the real parts (head-end, CA, enrollment tokens, MDM alarms and power quality),
// and the live feed fed from the ingest's commits, the alarm transitions and the devices' status.
//
// Two clocks: the server's (CA, TLS, enrollment tokens, the head-end's registry and activity) and
// the data's (`clock`: the MDM and the API). They are the same but in a simulation (`phasewire
// demo`), whose meters read on a faster clock: the MDM must judge their readings on that clock or
// VEE flags them as future-dated, and the API must answer "now" and "online" on it too.
import { readFile } from 'node:fs/promises';
import type { IClientOptions } from 'mqtt';
import { tlsClientOptions, tlsIdentity, tlsTrust, type TlsIdentity } from '@phasewire/secure/node';
import { ConfigError, PhasewireError, TransportError, type Clock, type MeterId } from '@phasewire/core';
import { meterMetadata, powerQualitySummary, type AlarmNotifier, type PowerQualitySummary } from '@phasewire/mdm';
import { alarmLiveSource, alarmServicePort, latestPowerQuality, powerQualityUnits, type PowerQuality } from '@phasewire/api';
import { LatestValues } from '@phasewire/api/node';
import type { DevicePort, PowerQualityPort } from '@phasewire/api';
import type { DeviceRecord, DeviceRegistry } from '@phasewire/headend';
import type { BillingStore, TimeRange } from '@phasewire/store';
import { openBillingStore } from '@phasewire/store/node';
import { defaultTenant } from '@phasewire/api/node';
import { serverCampaigns } from './firmware-campaigns.ts';
import { startMdmService } from '@phasewire/mdm/node';
import type { MdmService, MdmServiceOptions } from '@phasewire/mdm/node';
import { MqttNotifier, WebhookNotifier } from '@phasewire/mdm/node';
import { startApiServer } from '@phasewire/api/node';
import type { ApiServer, ApiServerOptions } from '@phasewire/api/node';
import { LiveHub } from '@phasewire/api/node';
import { tokenStoreEnrollment } from '@phasewire/api/node';
import type { ServerConfig } from '../server-config.ts';
import { ensureIngestIdentity, inData } from './data-directory.ts';
import type { ServerContext, StartedService, StartService } from './phasewire-server.ts';
import { serverReadiness } from './readiness.ts';
import { createServerMetrics } from './metrics.ts';
import type { ServerMetrics } from './metrics.ts';


/** A PEM file named by the configuration field `field`, under the data directory; what it is for goes into the error. */
async function readPem(context: ServerContext, file: string, field: string, purpose: string): Promise<string> {
  try {
    return await readFile(inData(context.dataDir, file), 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError('PW_ERR_SERVER_CONFIG',
      `Cannot read ${field} ${JSON.stringify(file)} for ${purpose}: ${reason}; expected a readable PEM file`, { cause: error });
  }
}

/** The operator's own certificate for the API when configured, else the listeners' certificate of the phasewire CA. */
async function apiIdentity(config: ServerConfig, context: ServerContext): Promise<TlsIdentity> {
  const { certificate, key } = config.api;
  if (certificate === undefined || key === undefined) return context.identity;
  const read = (file: string, field: string): Promise<string> => readPem(context, file, field, "the API's HTTPS");
  const [chain, privateKey] = await Promise.all([read(certificate, 'api.certificate'), read(key, 'api.key')]);
  try {
    return tlsIdentity(chain, privateKey);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError('PW_ERR_SERVER_CONFIG',
      `Cannot use api.certificate and api.key for the API's HTTPS: ${reason}; expected a PEM certificate chain and its private key`,
      { cause: error });
  }
}

export interface StandardServicesOptions {
  /** The built dashboard (`packages/dashboard/dist`), served at `/`; without it the API serves no pages. */
  readonly staticDir?: string;
  /** The data's time for the MDM and the API (default the server's clock); a simulation passes the meters' clock. */
  readonly clock?: Clock;
  /** Maps a time of the server's clock (registry, device activity) onto `clock` (default: the same time). */
  readonly fromServerTime?: (ms: number) => number;
  /** Where webhook secrets are read from (`mdm.webhooks[].secretEnv`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Failures that do not stop a service (one meter's MDM run, a notifier). */
  readonly onError?: (error: unknown, context: string) => void;
  /** The firmware repository campaigns offer images of (default `<data>/firmware`), and how often campaigns move on (ms). */
  readonly firmwareDir?: string; readonly campaignTickMs?: number;
  /** Options passed on to the MDM service as they are (tests: `timer: false`, `analysisBacklogMs`). */
  readonly mdm?: Partial<Omit<MdmServiceOptions, 'store' | 'clock'>>;
  /** Options passed on to the API server as they are (tests: a cheap `scrypt`; the demo: `session`). */
  readonly api?: Partial<Pick<ApiServerOptions,
    'scrypt' | 'session' | 'loginLimits' | 'rateLimit' | 'onlineWindowMs' | 'allowedOrigins' | 'logger' | 'loggerInstance'>>;
}

export interface StandardServices {
  readonly startMdmService: StartService;
  readonly startApiServer: StartService;
  /** The running MDM service, once started (undefined when `mdm.enabled` is false). */
  readonly mdm: MdmService | undefined;
  /** The running API server, once started (undefined when `api.enabled` is false). */
  readonly api: ApiServer | undefined;
  /** The API's URL for people: the public host of the configuration and the bound port. */
  readonly apiUrl: string | undefined;
  /** The live feed's hub (the ingest's commits, alarm transitions and device status go into it). */
  readonly live: LiveHub;
  /** The first admin made by this start (its one-time password is in the summary, once), else null. */
  readonly initialAdmin: { readonly username: string; readonly password: string } | null;
  /** The billing store the API serves, while the API runs (the demo sets its meters up on tariffs in it). */
  readonly billing: BillingStore | undefined;
}

const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);
const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';

/** The MDM's summary in the DTO's units (`powerQualityUnits`): unbalance, current unbalance and event depth in percent (docs/api.md). */
export function powerQualityDto(summary: PowerQualitySummary): PowerQuality {
  const percent = (ratio: number | null): number | null => (ratio === null ? null : ratio * 100);
  const iso = (ms: number): string => new Date(ms).toISOString();
  const { unbalance, thd } = summary;
  return {
    unbalance: {
      vuf: { value: percent(unbalance.vuf.value), unit: '%', standard: unbalance.vuf.standard },
      lvur: { value: percent(unbalance.lvur.value), unit: '%', standard: unbalance.lvur.standard },
      pvur: { value: percent(unbalance.pvur.value), unit: '%', standard: unbalance.pvur.standard },
    },
    // The MDM's figure is the largest deviation from the average current over the average (NEMA-style).
    currentUnbalance: percent(summary.currentUnbalance.value),
    neutralCurrent: summary.neutralCurrent.value,
    powerFactor: summary.powerFactor,
    // Ratios to the fundamental, as the catalogue's THD quantities (and the API's latest-values summary).
    thd: {
      voltageL1: thd.voltage[0].value, voltageL2: thd.voltage[1].value, voltageL3: thd.voltage[2].value,
      currentL1: thd.current[0].value, currentL2: thd.current[1].value, currentL3: thd.current[2].value,
    },
    events: summary.events.map((e) => ({
      kind: e.kind, start: iso(e.start), end: e.end === null ? null : iso(e.end), depth: e.depth * 100,
    })),
    units: powerQualityUnits,
    en50160: summary.en50160 === null ? null : { ...summary.en50160 },
  };
}

/**
 * The registry as the API reads it: last seen is the newest of the registry's (connect, disconnect)
 * and the activity's (every message, kept in memory), in the data's time. The changes go through.
 */
function registryView(
  registry: DeviceRegistry, lastSeen: (id: string) => number | undefined, fromServerTime: (ms: number) => number,
): DeviceRegistry {
  const view = (record: DeviceRecord): DeviceRecord => {
    const seen = Math.max(record.lastSeen ?? Number.NEGATIVE_INFINITY, lastSeen(record.id) ?? Number.NEGATIVE_INFINITY);
    return { ...record, lastSeen: Number.isFinite(seen) ? fromServerTime(seen) : null };
  };
  return {
    get: (id) => { const record = registry.get(id); return record === undefined ? undefined : view(record); },
    list: () => registry.list().map(view),
    enrol: (entry) => registry.enrol(entry),
    describe: (id, entry) => registry.describe(id, entry),
    bind: (id, certificate, at) => registry.bind(id, certificate, at),
    revoke: (id, at) => registry.revoke(id, at),
    attach: (meter, gateway) => registry.attach(meter, gateway),
    behind: (gateway) => registry.behind(gateway),
    touch: (id, at) => { registry.touch(id, at); },
    // The head-end owns and closes the registry.
    close: () => undefined,
  };
}

async function webhookNotifiers(
  config: ServerConfig, dataDir: string, env: Readonly<Record<string, string | undefined>>, clock: Clock,
): Promise<AlarmNotifier[]> {
  return Promise.all(config.mdm.webhooks.map(async (hook, i) => {
    const secret = env[hook.secretEnv];
    if (secret === undefined || secret === '') {
      throw new ConfigError('PW_ERR_SERVER_CONFIG',
        `Cannot use the server configuration: mdm.webhooks[${i}].secretEnv names ${hook.secretEnv}, which is not set; `
        + 'expected the environment variable that holds the webhook\'s signing secret');
    }
    const ca = hook.caFile === undefined ? undefined : await readFile(inData(dataDir, hook.caFile), 'utf8');
    return new WebhookNotifier({ url: hook.url, secret, clock, ...(ca === undefined ? {} : { ca }) });
  }));
}

/**
 * The MQTT notifier of `mdm.mqttNotify`: TLS 1.3 under the phasewire policy (tlsClientOptions) with
 * the configured client certificate, or the server's own client certificate from its CA; the broker
 * checked against the configured CA file, or the phasewire CA. It connects in the background.
 */
async function mqttNotifier(config: ServerConfig, context: ServerContext): Promise<MqttNotifier | undefined> {
  const notify = config.mdm.mqttNotify;
  if (notify === undefined) return undefined;
  const read = (file: string, field: string): Promise<string> => readPem(context, file, field, 'the MQTT alarm notifications');
  let identity: TlsIdentity;
  if (notify.certificate !== undefined && notify.key !== undefined) {
    const [chain, key] = await Promise.all([
      read(notify.certificate, 'mdm.mqttNotify.certificate'), read(notify.key, 'mdm.mqttNotify.key'),
    ]);
    try {
      identity = tlsIdentity(chain, key);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError('PW_ERR_SERVER_CONFIG',
        `Cannot use mdm.mqttNotify.certificate and mdm.mqttNotify.key: ${reason}; expected a PEM certificate chain and its private key`,
        { cause: error });
    }
  } else {
    // The listeners' certificate allows serverAuth only; a broker checks a client's for clientAuth.
    identity = await ensureIngestIdentity(context.dataDir, context.ca, context.clock);
  }
  const trust = notify.caFile === undefined ? context.trust : tlsTrust(await read(notify.caFile, 'mdm.mqttNotify.caFile'));
  const tls = tlsClientOptions(identity, trust);
  return MqttNotifier.open(notify.url, {
    topicPrefix: notify.topicPrefix, qos: 1, retain: notify.retain,
    // mqtt.js hands these to tls.connect; its IClientOptions type does not list secureContext.
    client: {
      secureContext: tls.secureContext, minVersion: tls.minVersion, maxVersion: tls.maxVersion, rejectUnauthorized: true,
      clientId: `phasewire-alarms-${identity.fingerprint.slice(0, 12)}`,
    } as IClientOptions,
  });
}

/** The scrape token of `api.metrics.tokenEnv`, when configured: at least 16 characters, or the start fails. */
function scrapeToken(config: ServerConfig, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const name = config.api.metrics.tokenEnv;
  if (name === undefined) return undefined;
  const token = env[name];
  if (token === undefined || token.length < 16) {
    throw new ConfigError('PW_ERR_SERVER_CONFIG', `Cannot use the server configuration: api.metrics.tokenEnv names ${name}, which `
      + `${token === undefined ? 'is not set' : `holds ${token.length} characters`}; expected the scrape token, at least 16 characters`);
  }
  return token;
}

/** The standard `services` of startPhasewireServer: the MDM service and the API with the dashboard. */
export function standardServices(options: StandardServicesOptions = {}): StandardServices {
  const live = new LiveHub((error) => { options.onError?.(error, 'a live feed listener'); });
  const state: {
    mdm: MdmService | undefined; api: ApiServer | undefined; apiUrl: string | undefined; initialAdmin: StandardServices['initialAdmin'];
    billing: BillingStore | undefined;
  } = {
    mdm: undefined, api: undefined, apiUrl: undefined, initialAdmin: null, billing: undefined,
  };
  const dataClock = (context: ServerContext): Clock => options.clock ?? context.clock;

  const startMdm: StartService = async (context) => {
    const { config } = context;
    if (!config.mdm.enabled) return { summary: 'MDM                     off (mdm.enabled is false)', close: () => Promise.resolve() };
    const clock = dataClock(context);
    const webhooks = await webhookNotifiers(config, context.dataDir, options.env ?? {}, context.clock);
    const mqtt = await mqttNotifier(config, context);
    const notifiers: AlarmNotifier[] = mqtt === undefined ? webhooks : [...webhooks, mqtt];
    const mdm = startMdmService({
      store: context.store, clock, alarms: config.mdm.alarms, meters: config.mdm.meters, notifiers, schedule: config.mdm.schedule,
      onError: (error, what) => {
        if (options.onError !== undefined) options.onError(error, what);
        else context.log({ level: 'warn', msg: `MDM: ${what} failed: ${(error as Error).message}` });
      },
      ...options.mdm,
    });
    state.mdm = mdm;
    const every = (config.mdm.schedule.runEveryMs ?? 60_000) / 1000;
    const hooks = webhooks.length === 0 ? '' : `, ${webhooks.length} webhook${webhooks.length === 1 ? '' : 's'}`;
    const notify = config.mdm.mqttNotify;
    const broker = notify === undefined ? '' : `, MQTT to ${notify.url} (${notify.topicPrefix}/#)`;
    return {
      summary: `MDM                     VEE, analytics, alarms every ${every} s of data time${hooks}${broker}`,
      async close() {
        await mdm.stop();
        await mqtt?.close();
        state.mdm = undefined;
      },
    };
  };

  const startApi: StartService = async (context): Promise<StartedService> => {
    const { config, headEnd, ca } = context;
    if (!config.api.enabled) return { summary: 'API and dashboard       off (api.enabled is false)', close: () => Promise.resolve() };
    const clock = dataClock(context);
    const fromServerTime = options.fromServerTime ?? ((ms: number) => ms);
    const latest = new LatestValues();
    const unsubscribe: (() => void)[] = [];
    const token = scrapeToken(config, options.env ?? {});
    const metrics: ServerMetrics | undefined = config.api.metrics.enabled
      ? createServerMetrics({ context, mdm: () => state.mdm, latest, dataClock: clock }) : undefined;
    if (metrics !== undefined) unsubscribe.push(() => { metrics.close(); });
    // Readings reach the feed once committed: what a client sees, a restart still has.
    unsubscribe.push(headEnd.ingest.onCommitted((snapshots) => {
      latest.add(snapshots);
      live.publishSnapshots(snapshots);
    }));
    // The API fills in online, state and last seen from the registry.
    unsubscribe.push(headEnd.onDeviceStatus((status) => { live.publish({ type: 'meter', meter: status.id }); }));
    const mdm = state.mdm;
    if (mdm !== undefined) unsubscribe.push(alarmLiveSource(mdm.alarms).subscribe((event) => { live.publish(event); }));

    const devices: DevicePort = {
      registry: registryView(headEnd.registry, (id) => headEnd.activity.lastSeen(id), fromServerTime),
      sendCommand: (device, kind, waitMs, params) => headEnd.sendCommand(device, kind, waitMs, params),
      protection: (device) => headEnd.protection(device),
      protectionFleet: (limit, keep) => headEnd.protectionFleet(limit, keep),
      command: (device, id) => headEnd.command(device, id),
      // The whole revocation of `phasewire server` (every certificate of the meter at the CA), so no
      // revokeCertificate: the route would revoke the bound one a second time.
      revokeDevice: (device) => context.revoke(device),
      certificateNotAfter: (serial) => ca.list().find((entry) => entry.serial === serial)?.notAfter ?? null,
    };
    const powerQuality: PowerQualityPort = {
      async summary(meter: MeterId, range: TimeRange) {
        const summary = await powerQualitySummary(context.store, meterMetadata(meter, config.mdm.meters), range);
        if (summary.intervals > 0) return powerQualityDto(summary);
        // No interval in the range (a meter that has just started): its latest values, when any.
        const values = latest.values(meter) ?? new Map((await context.store.latest(meter)).map((r) => [r.quantity, r.value] as const));
        return values.size === 0 ? null : latestPowerQuality(values);
      },
      vufPercent: (meter) => latest.vufPercent(meter),
      declared(meter: MeterId) {
        const meta = meterMetadata(meter, config.mdm.meters);
        return { voltage: meta.nominalVoltage, frequency: meta.nominalFrequency };
      },
    };
    const storeConfig = config.store.kind === 'sqlite' ? { ...config.store, path: inData(context.dataDir, config.store.path) } : null;
    const billing = await openBillingStore(storeConfig ?? config.store, clock);
    const { campaigns, firmware } = await serverCampaigns(context, storeConfig ?? config.store, clock, options);
    try {
      const api = await startApiServer({
        identity: await apiIdentity(config, context), trust: context.trust,
        host: config.api.bind ?? config.bind, port: config.api.port,
        dataDir: context.dataDir, store: context.store, clock, devices,
        enrollment: tokenStoreEnrollment(context.tokens, context.clock),
        ...(mdm === undefined ? {} : { alarms: alarmServicePort(mdm.alarms) }),
        powerQuality, live,
        operations: {
          readiness: serverReadiness(context, () => state.mdm),
          ...(metrics === undefined ? {} : {
            metrics: { contentType: metrics.contentType, text: () => metrics.text(), ...(token === undefined ? {} : { token }) },
          }),
        },
        billing: { store: billing, completenessLimit: config.billing.completenessLimit, batchSize: config.billing.batchSize,
          defaultCycleDay: config.billing.cycleDay },
        firmware,
        // Every 500 with its cause, into the server's log (Fastify's own request log stays off).
        log: context.log,
        ...(options.staticDir === undefined ? {} : { staticDir: options.staticDir }),
        ...options.api,
      });
      state.api = api;
      state.billing = billing;
      campaigns.auditTo(({ actor, action, subject, detail }) => {
        api.accounts.appendAudit({ at: clock.now(), tenant: defaultTenant, actor, action, object: subject, detail });
      });
      const bound = config.api.bind ?? config.bind;
      const host = isWildcard(bound) ? (config.hosts[0] ?? 'localhost') : bound;
      state.apiUrl = `https://${urlHost(host)}:${api.port}`;
      // The meters stored before this start: their latest values, for the fleet's VUF order.
      const unseen = headEnd.registry.list().filter((r) => r.kind === 'meter' && latest.values(r.id) === undefined);
      void Promise.all(unseen.map(async (record) => {
        const stored = await context.store.latest(record.id as MeterId);
        const at = Math.max(...stored.map((r) => r.at));
        if (stored.length > 0 && latest.values(record.id) === undefined) {
          latest.add([{ meter: record.id as MeterId, at, values: new Map(stored.map((r) => [r.quantity, r.value])) }]);
        }
      })).catch((error: unknown) => { options.onError?.(error, 'reading the latest values of the meters'); });
      const admin = await api.createInitialAdmin();
      state.initialAdmin = admin;
      const pages = options.staticDir === undefined ? 'API only, no dashboard build given' : 'dashboard at /';
      const accounts = inData(context.dataDir, 'api.db');
      const lines = [`API and dashboard       ${state.apiUrl}  (${pages}; docs at /docs; accounts in ${accounts})`];
      if (admin !== null) {
        lines.push(`  first start: sign in as "${admin.username}" with the one-time password ${admin.password}`);
        lines.push('  (shown only now; change it after signing in: POST /api/v1/users/me/password)');
      }
      return {
        summary: lines.join('\n'),
        async close() {
          for (const stop of unsubscribe.splice(0)) stop();
          await api.close();
          await campaigns.close();
          state.billing = undefined;
          await billing.close();
          state.api = undefined;
        },
      };
    } catch (error) {
      for (const stop of unsubscribe.splice(0)) stop();
      await campaigns.close();
      await billing.close();
      if (error instanceof PhasewireError) throw error;
      const where = `${config.api.bind ?? config.bind}:${config.api.port}`;
      const reason = (error as Error).message;
      throw new TransportError('PW_ERR_SERVER_START', `Cannot start the server: the API listener on ${where} failed: ${reason}`, {
        cause: error,
      });
    }
  };

  return {
    startMdmService: startMdm,
    startApiServer: startApi,
    get mdm() { return state.mdm; },
    get api() { return state.api; },
    get apiUrl() { return state.apiUrl; },
    live,
    get initialAdmin() { return state.initialAdmin; },
    get billing() { return state.billing; },
  };
}
