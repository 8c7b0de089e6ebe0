// The ingest session with the external broker, kept open across broker restarts. Mosquitto killed and
// started again closes the socket; without this the ingest stopped for good and /readyz failed until
// the server restarted. A closed session is opened again after a bounded exponential backoff with
// jitter (so a fleet of workers does not reconnect in step), under the same client id with clean
// session 0: what the broker queued for the session while it was down is delivered, and the shared
// subscriptions are asked for again in any case (a broker killed with SIGKILL may have lost the
// session it had not yet saved; the devices resend what no sealed ack acknowledged).
//
// While the session is down, publish() fails at once with PW_ERR_HEADEND_BROKER rather than waiting:
// a command is then recorded as failed with that reason (commands.ts) and an ack not sent is earned
// again by the device's resend, which the replay window acknowledges.
import { TransportError } from '@phasewire/core';
import type { HeadEndLog } from '../head-end-log.ts';
import { openIngestConnection } from './ingest-connection.ts';
import type { IngestConnection, IngestConnectionOptions } from './ingest-connection.ts';

export interface Backoff {
  /** The first delay, ms (default 100). */
  readonly initialMs: number;
  /** The bound of the delay, ms (default 5000). */
  readonly maxMs: number;
}

export interface ResilientIngestOptions extends Omit<IngestConnectionOptions, 'onClose'> {
  /** Subscribed (QoS 1) on every session. */
  readonly filters: readonly string[];
  readonly backoff?: Backoff;
  /** In [0, 1): the jitter (tests pass a fixed one). */
  readonly random?: () => number;
  readonly log: HeadEndLog;
}

export interface ResilientIngest {
  /** Whether the session is open and subscribed now. */
  isOpen(): boolean;
  publish(topic: string, payload: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** The delay before reconnect attempt `attempt` (0-based): half fixed, half random ("equal jitter"). */
export function backoffDelay(attempt: number, backoff: Backoff, random: number): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

export async function openResilientIngest(options: ResilientIngestOptions): Promise<ResilientIngest> {
  const backoff = options.backoff ?? { initialMs: 100, maxMs: 5000 };
  const random = options.random ?? Math.random;
  const where = `${options.host}:${options.port}`;
  let connection: IngestConnection | undefined;
  let closing = false;
  let attempts = 0;
  let downSince = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = async (): Promise<IngestConnection> => {
    // Set once subscribed: a close before that fails the attempt itself (the subscribe rejects).
    const opened: { connection?: IngestConnection } = {};
    const next = await openIngestConnection({ ...options, onClose: (error) => {
      if (opened.connection === undefined) return;
      if (connection === opened.connection) connection = undefined;
      if (!closing && error !== undefined) lost(error);
    } });
    try {
      for (const filter of options.filters) await next.subscribe(filter, 1);
    } catch (error) {
      await next.close();
      throw error;
    }
    opened.connection = next;
    return next;
  };
  const lost = (error: Error): void => {
    downSince = Date.now();
    options.log({ level: 'error', msg: `The ingest session with Mosquitto at ${where} closed (${error.message}): reconnecting`,
      code: 'PW_ERR_HEADEND_BROKER' });
    schedule();
  };
  const schedule = (): void => {
    if (closing || timer !== undefined) return;
    const delay = backoffDelay(attempts, backoff, random());
    attempts++;
    timer = setTimeout(() => {
      timer = undefined;
      open().then((next) => {
        if (closing) { void next.close(); return; }
        connection = next;
        options.log({ level: 'info', msg: `The ingest session with Mosquitto at ${where} is open again after ${attempts} attempt(s), `
          + `${Date.now() - downSince} ms down` });
        attempts = 0;
      }, (error: unknown) => {
        // Every attempt while the broker is away fails the same way: logged on powers of two only.
        if ((attempts & (attempts - 1)) === 0) {
          options.log({ level: 'warn', msg: `Cannot reopen the ingest session with Mosquitto at ${where} (attempt ${attempts}): `
            + (error as Error).message, code: 'PW_ERR_HEADEND_BROKER' });
        }
        schedule();
      });
    }, delay);
    timer.unref();
  };

  connection = await open();
  return {
    isOpen: () => connection !== undefined,
    publish(topic, payload) {
      if (connection === undefined) {
        return Promise.reject(new TransportError('PW_ERR_HEADEND_BROKER', `Cannot publish on ${topic}: the ingest session with `
          + `Mosquitto at ${where} is down (reconnecting, attempt ${attempts}); expected an open session`));
      }
      return connection.publish(topic, payload);
    },
    async close() {
      closing = true;
      clearTimeout(timer);
      await connection?.close();
    },
  };
}
