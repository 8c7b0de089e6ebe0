// What the route modules share: the ports, the caller of each request, the tenant check and the
// audit log. One object per server, built by startApiServer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import type { Clock, MeterId } from '@phasewire/core';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf } from '../access.ts';
import type { ApiPrincipal } from '../access.ts';
import { notFound } from '../api-errors.ts';
import type {
  AccountStore, AlarmPort, BillingPort, DevicePort, EnrollmentPort, FirmwarePort, LiveEvent, PowerQualityPort,
} from '../ports.ts';
import type { DeviceRecord } from '@phasewire/headend';
import type { MeterStore } from '@phasewire/store';
import type { Authentication } from './authentication.ts';

export type ApiInstance = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ApiContext {
  readonly accounts: AccountStore;
  readonly auth: Authentication;
  readonly store: MeterStore;
  readonly devices: DevicePort;
  readonly enrollment: EnrollmentPort | undefined;
  readonly alarms: AlarmPort | undefined;
  readonly powerQuality: PowerQualityPort | undefined;
  readonly billing: BillingPort | undefined;
  readonly firmware: FirmwarePort | undefined;
  readonly clock: Clock;
  readonly onlineWindowMs: number;
  /** The fleet's VUF figure (%) of a meter from its live readings, when no power-quality port is given. */
  readonly latestVuf: (meter: string) => number | null;
  /** Sends an event to the live feed (the API's own: revocations, acknowledgements). */
  readonly emit: (event: LiveEvent) => void;
  /** Sessions or tokens were ended: the live feed closes the sockets that ran on them, at once. */
  readonly authorityChanged: () => void;
  principalOf(request: FastifyRequest): ApiPrincipal;
  /** The meter with this id in the caller's tenant; 404 when unknown, not a meter, or another tenant's. */
  meterOf(principal: ApiPrincipal, id: string): DeviceRecord & { id: MeterId };
  /** The meters of the caller's tenant. */
  metersOf(principal: ApiPrincipal): readonly DeviceRecord[];
  audit(principal: ApiPrincipal, action: string, object: string, detail?: Record<string, unknown>): void;
}

export function makeContext(
  base: Omit<ApiContext, 'principalOf' | 'meterOf' | 'metersOf' | 'audit'>,
  principals: WeakMap<FastifyRequest, ApiPrincipal>,
): ApiContext {
  return {
    ...base,
    principalOf(request) {
      const principal = principals.get(request);
      // The access hook runs before every handler of a rule-bearing route: reaching here without one is a bug.
      if (principal === undefined) throw new Error(`No caller recorded for ${request.method} ${request.url}`);
      return principal;
    },
    meterOf(principal, id) {
      const record = base.devices.registry.get(id);
      if (record?.kind !== 'meter' || base.accounts.tenantOf(id) !== principal.tenant) throw notFound(`meter ${JSON.stringify(id)}`);
      return record as DeviceRecord & { id: MeterId };
    },
    metersOf(principal) {
      return base.devices.registry.list().filter((r) => r.kind === 'meter' && base.accounts.tenantOf(r.id) === principal.tenant);
    },
    audit(principal, action, object, detail = {}) {
      base.accounts.appendAudit({ at: base.clock.now(), tenant: principal.tenant, actor: actorOf(principal), action, object, detail });
    },
  };
}
