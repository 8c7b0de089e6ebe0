// The signature of a webhook notification, for the sender and for a receiver that checks it.
//
//   Phasewire-Timestamp: <ms since the epoch when the attempt was sent>
//   Phasewire-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
//
// HMAC-SHA256 after RFC 2104 and FIPS 198-1. The timestamp is inside the signed text so a receiver
// can refuse an old message replayed to it (a tolerance of a few minutes), and the comparison is
// constant-time so the signature cannot be guessed byte by byte from response times.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const signatureHeader = 'phasewire-signature';
export const timestampHeader = 'phasewire-timestamp';
export const deliveryHeader = 'phasewire-delivery';

const prefix = 'sha256=';

export function signWebhook(secret: string | Uint8Array, timestamp: number, body: string): string {
  return prefix + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export interface SignatureCheck {
  readonly secret: string | Uint8Array;
  readonly body: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  /** The receiver's clock, ms. */
  readonly now: number;
  /** How old (or how far ahead) a timestamp may be, ms. */
  readonly toleranceMs: number;
}

/** True when the signature is the sender's for this body and time, and the time is recent. */
export function verifyWebhookSignature(check: SignatureCheck): boolean {
  const { timestamp, signature } = check;
  if (timestamp === undefined || signature === undefined || !/^\d{1,16}$/.test(timestamp)) return false;
  const at = Number(timestamp);
  if (Math.abs(check.now - at) > check.toleranceMs) return false;
  const expected = Buffer.from(signWebhook(check.secret, at, check.body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
