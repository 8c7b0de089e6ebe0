// Whether the MQTT front end accepts sessions now: the readiness probe of `phasewire server`
// (docs/operations.md). The external broker is asked the way a device would be answered: a TLS
// handshake and an MQTT CONNECT under the ingest worker's own certificate, with a client id of its
// own (no session is taken over), answered by a CONNACK within a bound; one probe at a time.
import type { ConnectionOptions } from 'node:tls';
import { openIngestConnection } from './ingest-connection.ts';

export interface BrokerHealth {
  readonly ok: boolean;
  readonly detail: string;
}

export interface ExternalBrokerProbe {
  readonly host: string;
  readonly port: number;
  readonly tls: ConnectionOptions;
  /** The client id of the probe's sessions (not the ingest's own). */
  readonly clientId: string;
  /** Whether the ingest's own session is open. */
  readonly ingestOpen: () => boolean;
  /** How long the CONNACK may take (default 1.5 s, inside the readiness check's 2 s). */
  readonly timeoutMs?: number;
}

export function externalBrokerHealth(options: ExternalBrokerProbe): () => Promise<BrokerHealth> {
  const timeoutMs = options.timeoutMs ?? 1500;
  const where = `Mosquitto at ${options.host}:${options.port}`;
  let pending: { since: number; done: Promise<unknown> } | undefined;
  return async () => {
    if (!options.ingestOpen()) return { ok: false, detail: `the ingest session with ${where} is closed` };
    // A broker that hangs (stopped, overloaded) would collect a connection per probe: one at a time.
    if (pending !== undefined) {
      return { ok: false, detail: `${where} has not answered a CONNECT for ${Math.round((Date.now() - pending.since) / 1000)} s` };
    }
    const probe = openIngestConnection({
      host: options.host, port: options.port, tls: options.tls, clientId: options.clientId, clean: true,
      onMessage: () => Promise.resolve(),
    });
    const done = probe.then((connection) => connection.close(), () => undefined);
    pending = { since: Date.now(), done };
    void done.finally(() => { pending = undefined; });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => { resolve('late'); }, timeoutMs); });
    try {
      const outcome = await Promise.race([probe.then(() => 'answered' as const), late]);
      return outcome === 'answered'
        ? { ok: true, detail: `${where} accepts sessions` }
        : { ok: false, detail: `${where} did not answer a CONNECT within ${timeoutMs} ms` };
    } catch (error) {
      return { ok: false, detail: `${where} refused a session: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  };
}
