// The live feed: GET /api/v1/live as a WebSocket (RFC 6455). The access hook has authenticated
// the upgrade request (cookie or bearer) and checked its Origin; here each socket gets the events of
// its tenant only, narrowed by the client's `subscribe` message. A slow client never makes the
// server buffer without bound: past a high-water mark of unsent bytes, new messages are coalesced
// by key (the latest reading per meter replaces the one before) into a bounded map, flushed when the
// socket drains; when even that map is full, messages are dropped and counted.
//
// A socket outlives the upgrade request that authenticated it, so its authority is looked at again:
// at once when the API ends sessions or tokens (sign-out, password, role or state change, token
// revocation: `revalidate`), and every `authorityCheckMs` for what ends by time (absolute or idle
// expiry of the session, expiry of the token). A socket whose authority ended is closed with
// `liveClose.authorityEnded` and the reason.
import type { WebSocket } from 'ws';
import type { ApiPrincipal } from '../access.ts';
import type { LiveMessage } from '../dto.ts';
import type { LiveEvent, LiveSource } from '../ports.ts';
import { isOnline, iso } from '../meter-list.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';
import { roundValues } from '../rounding.ts';

export interface LiveFeedLimits {
  /** Unsent bytes on a socket above which messages are coalesced (default 256 KiB). */
  readonly highWaterBytes: number;
  /** Coalesced messages kept per socket (default 10,000: one per meter of a large fleet). */
  readonly maxPending: number;
  /** How often a socket with pending messages is checked for drain (default 100 ms). */
  readonly flushIntervalMs: number;
  /** How often every socket's session or token is checked for expiry (default 5 s). */
  readonly authorityCheckMs: number;
}

export const defaultLiveFeedLimits: LiveFeedLimits =
  { highWaterBytes: 256 * 1024, maxPending: 10_000, flushIntervalMs: 100, authorityCheckMs: 5_000 };

/**
 * Close codes of the live feed. RFC 6455 §7.4.2 leaves 4000–4999 to applications; 4401 echoes HTTP
 * 401: the session or token behind the socket has ended, so reconnecting with it is refused too and
 * the client should sign in again. 1003 (§7.4.1): a client message the feed does not understand.
 */
export const liveClose = { authorityEnded: 4401, unacceptableData: 1003 } as const;

/** What the API server calls on the feed. */
export interface LiveFeedControl {
  /** Checks every open socket's authority now and closes those whose ended; returns how many were closed. */
  revalidate(): number;
}

/** RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the code. */
function closeReason(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return bytes.length <= 123 ? text : new TextDecoder().decode(bytes.subarray(0, 120)).replace(/\uFFFD$/, '');
}

/** Per-socket counters, for tests and metrics. */
export interface LiveFeedStats {
  sockets: number;
  coalesced: number;
  dropped: number;
}

function keyOf(message: LiveMessage): string {
  return message.type === 'alarm' ? `alarm:${message.alarm.id}` : `${message.type}:${message.meter}`;
}

function parseSubscribe(data: string): ReadonlySet<string> | '*' | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || (value as Record<string, unknown>)['type'] !== 'subscribe') return undefined;
  const meters = (value as Record<string, unknown>)['meters'];
  if (meters === '*') return '*';
  if (Array.isArray(meters) && meters.length <= 10_000 && meters.every((m) => typeof m === 'string' && m.length <= 64))
    return new Set(meters as string[]);
  return undefined;
}

export function liveFeed(
  app: ApiInstance,
  ctx: ApiContext,
  source: LiveSource,
  limits: LiveFeedLimits,
  stats: LiveFeedStats,
): LiveFeedControl {
  const open = new Map<WebSocket, ApiPrincipal>();
  const revalidate = (): number => {
    let closed = 0;
    for (const [socket, principal] of open) {
      const ended = ctx.auth.authorityEnded(principal);
      if (ended === undefined) continue;
      open.delete(socket);
      socket.close(liveClose.authorityEnded, closeReason(ended));
      closed += 1;
    }
    return closed;
  };
  const sweep = setInterval(revalidate, limits.authorityCheckMs);
  sweep.unref();
  app.addHook('onClose', (_instance, done) => {
    clearInterval(sweep);
    done();
  });

  const toMessage = (event: LiveEvent, principal: ApiPrincipal): LiveMessage | undefined => {
    const meter = event.type === 'alarm' ? event.alarm.meter : event.meter;
    if (ctx.accounts.tenantOf(meter) !== principal.tenant) return undefined;
    if (event.type === 'reading') return { type: 'reading', meter, at: iso(event.at), values: roundValues(event.values) };
    if (event.type === 'alarm') return { type: 'alarm', alarm: event.alarm };
    const record = ctx.devices.registry.get(meter);
    if (record === undefined) return undefined;
    const now = ctx.clock.now();
    return { type: 'meter', meter, online: isOnline(record, now, ctx.onlineWindowMs), state: record.state,
      lastSeen: record.lastSeen === null ? null : iso(record.lastSeen) };
  };

  app.get('/api/v1/live',
    { websocket: true, schema: { tags: ['live'], summary: 'Live readings, meter state and alarms of my tenant (WebSocket)' } }, (
    socket: WebSocket,
    request,
  ) => {
    const principal = ctx.principalOf(request);
    // The authority may have ended between the access hook and here (a sign-out racing the upgrade).
    const ended = ctx.auth.authorityEnded(principal);
    if (ended !== undefined) {
      socket.close(liveClose.authorityEnded, closeReason(ended));
      return;
    }
    open.set(socket, principal);
    let meters: ReadonlySet<string> | '*' = '*';
    const pending = new Map<string, LiveMessage>();
    let timer: NodeJS.Timeout | undefined;
    stats.sockets += 1;

    const flush = (): void => {
      while (pending.size > 0 && socket.bufferedAmount < limits.highWaterBytes && socket.readyState === socket.OPEN) {
        const [key, message] = pending.entries().next().value as [string, LiveMessage];
        pending.delete(key);
        socket.send(JSON.stringify(message));
      }
      if (pending.size === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    };

    const deliver = (message: LiveMessage): void => {
      if (socket.readyState !== socket.OPEN) return;
      if (pending.size === 0 && socket.bufferedAmount < limits.highWaterBytes) {
        socket.send(JSON.stringify(message));
        return;
      }
      const key = keyOf(message);
      if (pending.has(key)) {
        pending.delete(key);
        stats.coalesced += 1;
      } else if (pending.size >= limits.maxPending) {
        stats.dropped += 1;
        return;
      }
      pending.set(key, message);
      timer ??= setInterval(flush, limits.flushIntervalMs);
      timer.unref();
    };

    const unsubscribe = source.subscribe((event) => {
      if (event.type === 'reading' && meters !== '*' && !meters.has(event.meter)) return;
      const message = toMessage(event, principal);
      if (message !== undefined) deliver(message);
    });

    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const subscription = isBinary ? undefined : parseSubscribe(data.toString('utf8'));
      if (subscription === undefined) {
        // RFC 6455 §7.4.1: 1003, data of a type the endpoint cannot accept.
        socket.close(liveClose.unacceptableData, 'expected {"type":"subscribe","meters":[...]|"*"}');
        return;
      }
      meters = subscription;
    });
    socket.on('close', () => {
      open.delete(socket);
      unsubscribe();
      if (timer !== undefined) clearInterval(timer);
      pending.clear();
      stats.sockets -= 1;
    });
  });
  return { revalidate };
}
