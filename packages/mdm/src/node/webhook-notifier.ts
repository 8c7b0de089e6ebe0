// Alarm notifications by webhook: an HTTP POST of the notification as JSON, signed with HMAC-SHA256
// (webhook-signature.ts), retried with exponential backoff while the receiver is down or answers
// 408, 425, 429 or 5xx. Any other answer is final: a 4xx will not change by asking again.
//
// HTTPS uses TLS 1.3 only (SECURITY.md: TLS 1.3 on every client); plain HTTP is allowed only to a
// loopback address, for a receiver on the same machine. Every attempt to deliver one transition
// carries the same Phasewire-Delivery id, also the outbox's later retries and those after a restart
// (it is derived from the transition's seq and the body), so a receiver can drop a repeat it
// already processed. Stopping the service aborts a delivery under way, its backoff included.
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ConfigError, TransportError, type Clock, type Random } from '@phasewire/core';
import type { AlarmDelivery, AlarmNotification, AlarmNotifier } from '../alarms/notification.ts';
import { deliveryHeader, signatureHeader, signWebhook, timestampHeader } from './webhook-signature.ts';

export interface Backoff {
  /** Delay before the first retry, ms. */
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
}

export interface WebhookOptions {
  readonly url: string;
  /** The shared signing secret, at least 32 bytes. */
  readonly secret: string | Uint8Array;
  /** Attempts in all, the first included (default 5). */
  readonly maxAttempts?: number;
  readonly backoff?: Backoff;
  /** Time allowed for one attempt, ms (default 10 s). */
  readonly timeoutMs?: number;
  /** Trust anchors for HTTPS beyond the system's (PEM). */
  readonly ca?: string | readonly string[];
  readonly clock?: Clock;
  /** Jitter for the backoff: each delay is between half and all of the exponential step. */
  readonly random?: Random;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const defaultBackoff: Backoff = { initialMs: 500, factor: 2, maxMs: 30_000 };

const retryable = new Set([408, 425, 429]);
const loopback = new Set(['127.0.0.1', '[::1]', 'localhost']);
const minimumSecretBytes = 32;

interface Answer {
  readonly status: number;
  readonly retryAfterMs: number | null;
}

export class WebhookNotifier implements AlarmNotifier {
  readonly name: string;
  readonly #url: URL;
  readonly #secret: string | Uint8Array;
  readonly #maxAttempts: number;
  readonly #backoff: Backoff;
  readonly #timeoutMs: number;
  readonly #ca: string | readonly string[] | undefined;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: WebhookOptions) {
    const fail = (what: string): never => {
      throw new ConfigError('PW_ERR_NOTIFY_CONFIG', `Cannot set up the webhook notifier for ${JSON.stringify(options.url)}: ${what}`);
    };
    let url: URL | undefined;
    try {
      url = new URL(options.url);
    } catch (error) {
      throw new ConfigError('PW_ERR_NOTIFY_CONFIG', `Cannot set up the webhook notifier: ${JSON.stringify(options.url)} is not a URL`,
        { cause: error });
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback.has(url.hostname))) {
      fail(`the scheme is ${url.protocol}, expected https: (or http: to a loopback address)`);
    }
    const secretBytes = typeof options.secret === 'string' ? Buffer.byteLength(options.secret) : options.secret.byteLength;
    if (secretBytes < minimumSecretBytes) fail(`the signing secret has ${secretBytes} bytes, expected at least ${minimumSecretBytes}`);
    const attempts = options.maxAttempts ?? 5;
    if (!Number.isInteger(attempts) || attempts < 1) fail(`maxAttempts is ${attempts}, expected a whole number ≥ 1`);
    this.#url = url;
    this.name = `webhook ${url.origin}${url.pathname}`;
    this.#secret = options.secret;
    this.#maxAttempts = attempts;
    this.#backoff = options.backoff ?? defaultBackoff;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#ca = options.ca;
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#random = options.random ?? { next: () => Math.random() };
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async notify(notification: AlarmNotification, { seq, signal }: AlarmDelivery): Promise<void> {
    const body = JSON.stringify(notification);
    const delivery = deliveryId(seq, body);
    let last: string | undefined;
    let cause: unknown;
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      if (signal.aborted) {
        last = 'the service stopping';
        break;
      }
      let retryAfterMs: number | null = null;
      try {
        const answer = await this.#post(body, delivery, signal);
        if (answer.status >= 200 && answer.status < 300) return;
        last = `HTTP ${answer.status}`;
        if (!(retryable.has(answer.status) || answer.status >= 500)) break;
        retryAfterMs = answer.retryAfterMs;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
        cause = error;
      }
      if (attempt < this.#maxAttempts) await abortable(this.#sleep(this.#delay(attempt, retryAfterMs)), signal);
    }
    throw new TransportError('PW_ERR_NOTIFY_FAILED',
      `Cannot deliver alarm notification ${notification.id} to ${this.#url.origin}${this.#url.pathname}: the last of up `
      + `to ${this.#maxAttempts} attempts ended with ${last ?? 'no answer'}`, cause === undefined ? undefined : { cause });
  }

  #delay(attempt: number, retryAfterMs: number | null): number {
    const step = Math.min(this.#backoff.maxMs, this.#backoff.initialMs * this.#backoff.factor ** (attempt - 1));
    const jittered = step / 2 + (this.#random.next() * step) / 2;
    return retryAfterMs === null ? jittered : Math.min(this.#backoff.maxMs, Math.max(jittered, retryAfterMs));
  }

  #post(body: string, delivery: string, signal: AbortSignal): Promise<Answer> {
    const timestamp = this.#clock.now();
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      [timestampHeader]: String(timestamp),
      [signatureHeader]: signWebhook(this.#secret, timestamp, body),
      [deliveryHeader]: delivery,
    };
    return new Promise((resolve, reject) => {
      const options = { method: 'POST', headers, timeout: this.#timeoutMs, signal };
      const onResponse = (response: IncomingMessage): void => {
        response.resume();
        response.on('end',
          () => { resolve({ status: response.statusCode ?? 0, retryAfterMs: retryAfter(response.headers['retry-after']) }); });
        response.on('error', reject);
      };
      const req = this.#url.protocol === 'https:'
        ? httpsRequest(this.#url, { ...options, minVersion: 'TLSv1.3', ...(this.#ca === undefined ? {} : { ca: [this.#ca].flat() }) },
          onResponse)
        : httpRequest(this.#url, options, onResponse);
      req.on('timeout', () => { req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)); });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** A UUID (RFC 9562 §5.8, version 8) from the transition's seq and the body: the same on every retry of it. */
function deliveryId(seq: number, body: string): string {
  const hex = createHash('sha256').update(`${seq}\n${body}`).digest('hex');
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Waits for `wait` unless the signal aborts first. */
function abortable(wait: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => { signal.removeEventListener('abort', done); resolve(); };
    signal.addEventListener('abort', done);
    void wait.then(done);
  });
}

/** Retry-After as delay-seconds (RFC 9110 §10.2.3); an HTTP date is ignored. */
function retryAfter(value: string | undefined): number | null {
  return value !== undefined && /^\d{1,6}$/.test(value) ? Number(value) * 1000 : null;
}
