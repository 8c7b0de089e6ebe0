// `phasewire server` as one process: the data directory (CA, keystore, listener certificate,
// envelope master), the meter-data store, the head-end (embedded broker, or Mosquitto started and
// configured here), the EST enrollment listener and the envelope-key endpoint (mutual TLS). The
// first start makes what is missing; every later start reuses it, so a restart changes nothing.
//
// The MDM (VEE, analytics, alarms on stored data) and the HTTPS API with the dashboard are started
// in one place below, through `services`; they get the same context and are closed first.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PhasewireError, TransportError } from '@phasewire/core';
import type { Clock, MeterId } from '@phasewire/core';
import { createToken, DerivedEnvelopeKeys, EstService, KeyRing } from '@phasewire/secure';
import type { CertificateAuthority, DeviceIdentity, Keystore, NewToken, TokenStore } from '@phasewire/secure';
import {
  CaDirectory, caFiles, caLockWaitMs, createKeyProvisioningServer, deriveDeviceEnvelopeKey, NodeAead, startEstServer, tlsTrust,
} from '@phasewire/secure/node';
import type { EstServer, TlsIdentity, TlsTrust } from '@phasewire/secure/node';
import type { MeterStore } from '@phasewire/store';
import type { ServerConfig } from '../server-config.ts';
import type { HeadEndLog } from '@phasewire/headend';
import { openMeterStore } from '@phasewire/store/node';
import { startHeadEnd } from '@phasewire/headend/node';
import type { BrokerMode, HeadEnd } from '@phasewire/headend/node';
import { fitConnectionLimit } from '../mqtt-listener-config.ts';
import { openFileLimit } from './open-file-limit.ts';
import { sampledLog } from '@phasewire/headend/node';
import type { DeviceTime } from '@phasewire/headend/node';
import { openHeadEndState } from './head-end-state.ts';
import { startMosquitto } from '@phasewire/headend/node';
import type { MosquittoProcess } from '@phasewire/headend/node';
import {
  dataFiles, ensureDataDir, ensureEnvelopeMaster, ensureIngestIdentity, ensureServerIdentity, envelopeMasterLabel, inData,
  ingestDeviceId, openOrCreateCa, openServerKeystore,
} from './data-directory.ts';
import { watchCa } from './ca-watch.ts';
import { startFirmwareService } from './firmware-service.ts';
import { publicHost, urlHost } from './public-host.ts';
import { startHomeAssistant } from './home-assistant-publisher.ts';
import { LockedTokenStore } from './locked-token-store.ts';
import { ensureTicketKeys, rotateTicketKeys, ticketKeyLifetimeMs } from '@phasewire/headend/node';

/** The envelope key id devices are provisioned with (rotation is a later step, docs/security-envelope.md). */
export const provisionedKeyId = 1;
const systemClock: Clock = { now: () => Date.now() };

/** What the MDM service and the API server are started with. */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly dataDir: string;
  readonly store: MeterStore;
  readonly headEnd: HeadEnd;
  readonly ca: CertificateAuthority;
  readonly clock: Clock;
  readonly log: HeadEndLog;
  /** The listeners' TLS identity (`server.pem`, its SAN covers the configured hosts) and the CA trust. */
  readonly identity: TlsIdentity;
  readonly trust: TlsTrust;
  /** The enrollment token store shared with `phasewire server token` (under the CA directory's lock). */
  readonly tokens: TokenStore;
  readonly keystore: Keystore;
  /** The environment secrets are read from (a broker password: `homeAssistant.passwordEnv`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The whole revocation: every certificate of the meter at the CA, the registry, its live sessions. */
  revoke(device: MeterId): Promise<void>;
}

export interface StartedService {
  /** One line for the start-up summary, e.g. `API https://127.0.0.1:8080`. */
  readonly summary: string;
  close(): Promise<void>;
}

export type StartService = (context: ServerContext) => Promise<StartedService>;

export interface PhasewireServerOptions {
  readonly config: ServerConfig;
  /** Absolute path of the data directory. */
  readonly dataDir: string;
  readonly clock?: Clock;
  /** The clock reading times are judged on (default `clock`); a simulation passes its meters' clock. */
  readonly readingClock?: Clock;
  /**
   * The devices' time base when they do not run on `clock` (the demo's simulated meters): commands
   * expire, and clock-sync sets, in it (headend/commands.ts). Freshness is still judged by the device.
   */
  readonly deviceTime?: DeviceTime;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Warnings for the operator (the software keystore says here that it is not an HSM). */
  readonly warn?: (message: string) => void;
  readonly log?: HeadEndLog;
  /**
   * The parts started on the stored data: `startMdmService` (VEE, analytics, alarms) and
   * `startApiServer` (HTTPS API and dashboard). Each is started after the head-end and closed first.
   */
  readonly services?: { readonly startMdmService?: StartService; readonly startApiServer?: StartService };
}

export interface ServerEndpoints {
  /** `mqtts://host:port` devices connect to. */
  readonly mqtt: string;
  readonly mqttHost: string;
  readonly mqttPort: number;
  /** `https://host:port` of EST (RFC 7030) enrollment. */
  readonly enrollment: string;
  /** `https://host:port` of the envelope-key endpoint (mutual TLS). */
  readonly keyProvisioning: string;
  /** The CA chain (PEM file) a meter is given to trust. */
  readonly caFile: string;
  /** `https://host:port` of the firmware repository, when the data directory holds one (firmware-service.ts). */
  readonly firmware?: string;
}

export interface PhasewireServer {
  readonly endpoints: ServerEndpoints;
  readonly dataDir: string;
  readonly config: ServerConfig;
  readonly keystoreKind: Keystore['kind'];
  readonly store: MeterStore;
  readonly headEnd: HeadEnd;
  readonly ca: CertificateAuthority;
  readonly trust: TlsTrust;
  /** What the first start made (empty on later starts). */
  readonly created: readonly string[];
  readonly services: readonly StartedService[];
  readonly mosquitto: MosquittoProcess | undefined;
  /** A one-time enrollment token for a device (shown once; stored hashed). */
  issueToken(device: DeviceIdentity, lifetimeMs?: number): Promise<NewToken>;
  /** Revokes every certificate of the device at the CA, marks it revoked and drops its sessions. */
  revoke(device: MeterId): Promise<void>;
  close(): Promise<void>;
}

const defaultTokenLifetimeMs = 7 * 86_400_000;
/** How often the age of the session-ticket keys is looked at. */
const ticketRotationCheckMs = 3_600_000;

function listenHttps(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve((server.address() as AddressInfo).port); });
  });
}

export async function startPhasewireServer(options: PhasewireServerOptions): Promise<PhasewireServer> {
  const { config, dataDir } = options;
  const clock = options.clock ?? systemClock;
  const deviceTime = options.deviceTime === undefined ? {} : { deviceTime: options.deviceTime };
  const warn = options.warn ?? (() => undefined);
  const log: HeadEndLog = options.log ?? (() => undefined);
  const created: string[] = [];
  // Everything started is closed again, newest first, when a later step fails and at close().
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof PhasewireError) throw error;
      throw new TransportError('PW_ERR_SERVER_START', `Cannot start the server: ${what} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };

  try {
    await ensureDataDir(dataDir);
    const keystore = await openServerKeystore(dataDir, config.keystore, options.env ?? {}, warn);
    closers.push(() => keystore.close());
    const caPath = join(dataDir, dataFiles.pki);
    // The lock is held while the CA is made or opened, then released: enrollment tokens are shared
    // with the command line under the lock per operation (locked-token-store.ts).
    const directory = await CaDirectory.open(caPath, { waitMs: caLockWaitMs });
    let ca: CertificateAuthority;
    try {
      const opened = await openOrCreateCa(directory, keystore, clock);
      ca = opened.ca;
      if (opened.created) created.push(`CA (root and issuing, P-384) in ${caPath}, keys in the ${keystore.kind} keystore`);
    } finally {
      await directory.close();
    }
    if (await ensureEnvelopeMaster(keystore)) created.push(`envelope master secret in the ${keystore.kind} keystore`);
    const server = await ensureServerIdentity(dataDir, ca, config.hosts, clock);
    if (server.issued) created.push(`server certificate for ${config.hosts.join(', ')} (${join(dataDir, dataFiles.serverChain)})`);
    const trust = tlsTrust(ca.caChainPem);

    const storeConfig = config.store.kind === 'sqlite' ? { ...config.store, path: inData(dataDir, config.store.path) } : config.store;
    const store = await openMeterStore(storeConfig, clock);
    closers.push(() => store.close());
    const state = await step('the head-end state', () => openHeadEndState(join(dataDir, dataFiles.headEndDb), config.state, clock));
    closers.push(() => state.close());

    const aead = new NodeAead();
    const keys = new DerivedEnvelopeKeys({ keystore, aead, master: envelopeMasterLabel });
    const keyRing = new KeyRing({ clock, initialKeyId: provisionedKeyId });
    const host = config.bind;
    let mosquitto: MosquittoProcess | undefined;
    // Every path that gives Mosquitto a new CRL goes through here (see reloadOnChange).
    let reloadBroker: (() => Promise<void>) | undefined;
    let headEnd: HeadEnd;
    const readingTimes = {
      readingTimes: config.ingest.readingTimes, ...(options.readingClock === undefined ? {} : { readingClock: options.readingClock }),
    };
    if (config.broker.kind === 'embedded') {
      // Kept across restarts so that the fleet's reconnects resume their TLS sessions (ticket-keys.ts).
      let tickets = await ensureTicketKeys(dataDir, clock);
      // The alarm notifier may publish here under its prefix with the server's own client certificate.
      const notify = config.mdm.mqttNotify;
      const alarmChannel = notify === undefined
        ? undefined
        : { fingerprint: (await ensureIngestIdentity(dataDir, ca, clock)).fingerprint, topicPrefix: notify.topicPrefix };
      const limits = await mqttLimits(config, warn);
      const embedded = await step(`the embedded MQTT listener on ${host}:${config.mqtt.port}`, () => startHeadEnd({
        store, db: state.db, keys, keyRing, clock, log, ...readingTimes, ...deviceTime, ...state.shared,
        broker: {
          kind: 'embedded', port: config.mqtt.port, host, identity: server.identity, trust, revocations: () => ca.revocations(),
          ticketKeys: tickets.keys, limits,
          ...(alarmChannel === undefined ? {} : { alarmChannel }),
        },
      }));
      headEnd = embedded;
      const rotation = setInterval(() => {
        if (clock.now() - tickets.createdAt < ticketKeyLifetimeMs) return;
        void rotateTicketKeys(dataDir, clock).then((fresh) => {
          tickets = fresh;
          embedded.setTicketKeys(fresh.keys);
        }, (error: unknown) => {
          log({ level: 'error', msg: `Cannot rotate the TLS session-ticket keys in ${dataDir}: ${(error as Error).message}` });
        });
      }, ticketRotationCheckMs).unref();
      closers.push(() => { clearInterval(rotation); return Promise.resolve(); });
    } else {
      const ingestIdentity: TlsIdentity = await ensureIngestIdentity(dataDir, ca, clock);
      const crlFile = join(caPath, caFiles.crl);
      const broker = await step('Mosquitto', () => startMosquitto({
        dir: join(dataDir, dataFiles.mosquitto), identity: server.identity, anchors: ca.caChainPem, crl: () => readFile(crlFile, 'utf8'),
        ingestUser: ingestDeviceId, gateways: () => [], binary: config.broker.kind === 'mosquitto' ? config.broker.binary : 'mosquitto',
        ...(config.mqtt.port === 0 ? {} : { port: config.mqtt.port }),
        // Its own process and descriptors: the total and the packet size apply, the per-address limit does not.
        maxPacketBytes: config.mqtt.maxPacketBytes, maxConnections: config.mqtt.maxConnections, // restarted if it dies: 5/min
        supervise: { maxRestarts: 5, windowMs: 60_000, log: (level, msg) => { log({ level, msg }); } },
      }));
      mosquitto = broker;
      const reload = reloadOnChange(broker, () => readFile(crlFile, 'utf8'));
      reloadBroker = reload;
      closers.push(() => broker.stop());
      headEnd = await step('the ingest client of Mosquitto', () => startHeadEnd({
        store, db: state.db, keys, keyRing, clock, log, ...readingTimes, ...deviceTime, ...state.shared,
        broker: {
          kind: 'external', host: '127.0.0.1', port: broker.port, servername: config.hosts[0] ?? 'localhost',
          identity: ingestIdentity, trust,
          clientId: `${ingestDeviceId}-1`, onRevoked: reload,
        },
      }));
    }
    const started = headEnd;
    closers.push(() => started.close());

    const tokens = state.tokens ?? new LockedTokenStore(caPath);
    const est: EstServer = await step(`the enrollment listener on ${host}:${config.enrollment.port}`, () => startEstServer({
      identity: server.identity, trust,
      service: new EstService({ ca, tokens, clock, randomBytes: (n) => new Uint8Array(randomBytes(n)) }),
      onOutcome: (outcome, remote) => {
        const code = 'code' in outcome ? ` ${outcome.code}` : '';
        log({ level: outcome.kind === 'refused' ? 'warn' : 'info', msg: `enrollment ${outcome.kind}${code} from ${remote ?? 'unknown'}` });
      },
    }, config.enrollment.port, host));
    closers.push(() => est.close());

    // Under the listener policy as the MQTT listener: a revoked certificate is closed at the handshake.
    const keyRefusals = sampledLog(log, clock);
    closers.push(() => { keyRefusals.close(); return Promise.resolve(); });
    const keyServer = createKeyProvisioningServer(server.identity, trust, {
      revocations: () => ca.revocations(),
      onRefused: (event) => {
        const msg = `envelope-key listener: TLS handshake refused: ${event.detail} (from ${event.remoteAddress ?? 'an unknown address'})`;
        keyRefusals(`tls:${event.reason}`, { level: 'warn', msg, reason: event.reason });
      },
      // A revoked device gets no key, whatever certificate it still presents.
      keyFor: async (device) => (started.registry.get(device)?.state === 'revoked' || isRevokedAtCa(ca, device)
        ? undefined
        : { keyId: provisionedKeyId, key: await deriveDeviceEnvelopeKey(keystore, envelopeMasterLabel, device, provisionedKeyId) }),
    });
    const keyPort = await step(`the envelope-key listener on ${host}:${config.keyProvisioning.port}`,
      () => listenHttps(keyServer, config.keyProvisioning.port, host));
    closers.push(() => new Promise<void>((resolve) => { keyServer.closeAllConnections(); keyServer.close(() => { resolve(); }); }));

    const revoke = async (device: MeterId): Promise<void> => {
      for (const entry of ca.list()) {
        if (entry.device?.kind === 'meter' && entry.device.id === device && entry.revoked === undefined) {
          await ca.revoke(entry.serial, 'keyCompromise');
        }
      }
      // Mosquitto meets the new CRL before the session is taken over, so the reconnect is refused.
      await reloadBroker?.();
      if (started.registry.get(device) === undefined) started.registry.enrol({ id: device, kind: 'meter' });
      await started.revokeDevice(device);
    };
    // `phasewire pki` changes the same CA directory: what it revokes is put in force here (ca-watch.ts).
    const caWatch = await watchCa({
      ca, path: caPath, log,
      enforce: async (revoked) => {
        if (reloadBroker === undefined) { started.enforceRevocations(); return; }
        // Mosquitto meets the new CRL before the sessions are taken over, so the reconnect is refused.
        await reloadBroker();
        const devices = new Set(revoked.flatMap((entry) => (entry.device === undefined ? [] : [entry.device.id])));
        for (const device of devices) await started.disconnect(device);
      },
    });
    closers.push(() => caWatch.close());
    const context: ServerContext = { config, dataDir, store, headEnd: started, ca, clock, log, identity: server.identity, trust,
      tokens, revoke, keystore, env: options.env ?? {} };
    // ── where the MDM (startMdmService), the API with the dashboard (startApiServer) and Home Assistant's feed start
    const services: StartedService[] = [];
    const homeAssistant = config.homeAssistant === undefined ? undefined : startHomeAssistant;
    for (const start of [options.services?.startMdmService, options.services?.startApiServer, homeAssistant]) {
      if (start === undefined) continue;
      const service = await start(context);
      services.push(service);
      closers.push(() => service.close());
    }
    const firmware = await startFirmwareService(context);
    if (firmware !== undefined) { services.push(firmware); closers.push(() => firmware.close()); }

    const name = urlHost(publicHost(config));
    const endpoints: ServerEndpoints = {
      mqtt: `mqtts://${name}:${started.port}`, mqttHost: publicHost(config), mqttPort: started.port,
      enrollment: `https://${name}:${est.port}`,
      keyProvisioning: `https://${name}:${keyPort}`,
      caFile: join(caPath, caFiles.chain), ...(firmware === undefined ? {} : { firmware: firmware.url }),
    };
    let closed = false;
    return {
      endpoints, dataDir, config, keystoreKind: keystore.kind, store, headEnd: started, ca, trust, created, services, mosquitto,
      async issueToken(device, lifetimeMs = defaultTokenLifetimeMs) {
        const token = await createToken(device, lifetimeMs, clock, (n) => new Uint8Array(randomBytes(n)));
        await tokens.add(token.record);
        return token;
      },
      revoke,
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The MQTT listener's bounds, its total lowered to leave the descriptor reserve to the other listeners. */
type ListenerLimits = NonNullable<Extract<BrokerMode, { kind: 'embedded' }>['limits']>;

async function mqttLimits(config: ServerConfig, warn: (message: string) => void): Promise<ListenerLimits> {
  const files = await openFileLimit();
  const maxConnections = fitConnectionLimit(config.mqtt, files);
  if (maxConnections < config.mqtt.maxConnections) {
    warn(`mqtt.maxConnections ${config.mqtt.maxConnections} lowered to ${maxConnections}: the process may open ${files ?? 0} files and `
      + `${(files ?? 0) - maxConnections} are kept for the API, enrollment, keys and the store (mqtt.descriptorReserve); `
      + 'raise the limit (ulimit -n) for more');
  }
  return {
    limits: { maxConnections, maxPerAddress: config.mqtt.maxConnectionsPerAddress },
    handshakeTimeoutMs: config.mqtt.handshakeTimeoutMs,
    maxPacketBytes: config.mqtt.maxPacketBytes,
  };
}

function isRevokedAtCa(ca: CertificateAuthority, device: MeterId): boolean {
  const issued = ca.list().filter((entry) => entry.device?.kind === 'meter' && entry.device.id === device);
  return issued.length > 0 && issued.every((entry) => entry.revoked !== undefined);
}

/**
 * Mosquitto's reload, one at a time and only when the CRL changed: Mosquitto drops a SIGHUP that
 * arrives while it is still reloading, so two revocations reloading at once (the API's and one by
 * `phasewire pki`, or a reload followed by a session take-over's) could wait for a reload that never
 * comes. Its ACL has no gateways here, so the CRL is the one thing a reload changes.
 */
function reloadOnChange(broker: MosquittoProcess, crl: () => Promise<string>): () => Promise<void> {
  let loaded: string | undefined;
  let queue: Promise<void> = Promise.resolve();
  return () => {
    const next = queue.then(async () => {
      const current = await crl();
      if (current === loaded) return;
      await broker.reload();
      loaded = current;
    });
    queue = next.catch(() => undefined);
    return next;
  };
}
