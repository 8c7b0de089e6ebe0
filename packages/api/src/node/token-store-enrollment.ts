// The enrollment port over the CA's token store: one-time tokens (`pwe1.<id>.<secret>`, stored
// hashed) made with @phasewire/secure's createToken, for a meter id.
import { randomBytes } from 'node:crypto';
import type { Clock, MeterId } from '@phasewire/core';
import { createToken, deviceIdentity } from '@phasewire/secure';
import type { TokenStore } from '@phasewire/secure';
import type { EnrollmentPort } from '../ports.ts';

export function tokenStoreEnrollment(tokens: TokenStore, clock: Clock): EnrollmentPort {
  return {
    async createToken(meter: MeterId, lifetimeMs: number) {
      const created = await createToken(deviceIdentity('meter', meter), lifetimeMs, clock, (length) => randomBytes(length));
      await tokens.add(created.record);
      return { token: created.token, expiresAt: created.record.expiresAt };
    },
  };
}
