// Rotation before expiry: which certificates should be renewed now. A certificate is due when
// less than a share of its lifetime is left (a third by default), so a device that is offline for
// weeks, as NB-IoT meters can be, still has time to pick up its renewed certificate.
import type { IssuedCertificate } from './ca-state.ts';
import { renewalShare } from './profiles.ts';

/**
 * The certificates, not revoked and not already renewed, with less than `share` of their lifetime
 * left at `now` (expired ones included), soonest expiry first.
 */
export function dueForRenewal(issued: readonly IssuedCertificate[], now: number, share = renewalShare): IssuedCertificate[] {
  return issued
    .filter((entry) => entry.revoked === undefined && entry.replacedBy === undefined)
    .filter((entry) => entry.notAfter - now < share * (entry.notAfter - entry.notBefore))
    .sort((a, b) => a.notAfter - b.notAfter);
}
