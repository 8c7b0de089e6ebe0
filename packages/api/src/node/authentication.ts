// Signing in and recognising callers: server-side sessions behind an httpOnly cookie (with a CSRF
// token per session), scoped bearer tokens for machines, the first admin, and the sign-in limits.
// Session ids and token secrets are 256 random bits and stored only as SHA-256 hashes: with that
// much entropy a fast hash is enough (a copy of the database still signs nobody in); passwords,
// which people choose, get scrypt (passwords.ts).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '@phasewire/core';
import { constantTimeEqual } from '@phasewire/secure';
import type { ApiPrincipal } from '../access.ts';
import { forbidden, RateLimitedError, unauthenticated } from '../api-errors.ts';
import type { Role, TokenScope } from '../dto.ts';
import type { AccountStore, SessionRecord, TokenRecord, UserRecord } from '../ports.ts';
import { FixedWindowLimiter } from '../rate-limiter.ts';
import type { RateDecision } from '../rate-limiter.ts';
import { defaultBackoffPolicy, LoginThrottle } from '../login-throttle.ts';
import type { BackoffPolicy } from '../login-throttle.ts';
import { defaultTenant } from './sqlite-accounts.ts';
import { defaultScryptCost, hashPassword, verifyPassword } from './passwords.ts';
import type { ScryptCost } from './passwords.ts';

export const sessionCookie = 'pw_session';
const maxConcurrentHashes = 2;
const maxWaitingHashes = 64;
const tokenPattern = /^pwt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const secret = (): string => randomBytes(32).toString('base64url');

export interface SessionPolicy {
  /** Absolute lifetime of a session (default 12 h). */
  readonly lifetimeMs: number;
  /** A session unused this long ends (default 30 min; OWASP Session Management: 15–30 min for most applications). */
  readonly idleMs: number;
}

export interface LoginLimits extends BackoffPolicy {
  /** Sign-in attempts per client address per window (default 20 per 5 min): bounds guessing many names from one address. */
  readonly perIp: number;
  readonly windowMs: number;
}

export const defaultSessionPolicy: SessionPolicy = { lifetimeMs: 12 * 3_600_000, idleMs: 30 * 60_000 };
/**
 * Failed sign-ins wait per (user name, address), not per user name: five wrong passwords from one
 * address must not keep the right one out from another (docs/api.md, "Limits").
 */
export const defaultLoginLimits: LoginLimits = { perIp: 20, windowMs: 5 * 60_000, ...defaultBackoffPolicy };

export interface NewSession {
  /** The cookie value: the only copy of the session id. */
  readonly cookie: string;
  readonly user: UserRecord;
  readonly csrfToken: string;
}

export class Authentication {
  readonly #accounts: AccountStore;
  readonly #clock: Clock;
  readonly #policy: SessionPolicy;
  readonly #cost: ScryptCost;
  readonly #byIp: FixedWindowLimiter;
  readonly #failures: LoginThrottle;
  #dummyHash: Promise<string> | undefined;
  // scrypt at N = 2^17 takes 128 MiB a hash: at most two at once, a bounded queue behind them, so a
  // burst of sign-ins costs time, not memory.
  #hashing = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(options: { accounts: AccountStore; clock: Clock; policy?: SessionPolicy; scrypt?: ScryptCost; loginLimits?: LoginLimits }) {
    this.#accounts = options.accounts;
    this.#clock = options.clock;
    this.#policy = options.policy ?? defaultSessionPolicy;
    this.#cost = options.scrypt ?? defaultScryptCost;
    const limits = options.loginLimits ?? defaultLoginLimits;
    this.#byIp = new FixedWindowLimiter({ limit: limits.perIp, windowMs: limits.windowMs }, options.clock);
    this.#failures = new LoginThrottle(limits, options.clock);
  }

  get sessionPolicy(): SessionPolicy {
    return this.#policy;
  }

  hashPassword(password: string): Promise<string> {
    return this.#limited(() => hashPassword(password, this.#cost));
  }

  async #limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.#hashing >= maxConcurrentHashes) {
      if (this.#waiting.length >= maxWaitingHashes) throw new RateLimitedError('sign-ins in progress', 1);
      await new Promise<void>((resolve) => { this.#waiting.push(resolve); });
    }
    this.#hashing += 1;
    try {
      return await work();
    } finally {
      this.#hashing -= 1;
      this.#waiting.shift()?.();
    }
  }

  /** Checks the sign-in limits; returns the refusal when over one. */
  loginAllowed(ip: string, username: string): RateDecision {
    const ip_ = this.#byIp.hit(ip);
    if (!ip_.allowed) return ip_;
    return this.#failures.check(username, ip);
  }

  /**
   * Signs a user in. Unknown user, disabled user and wrong password give the same error, after the
   * same scrypt work (a dummy hash stands in for an unknown user), so neither the answer nor its
   * time says which names exist.
   */
  async login(username: string, password: string, address: string): Promise<NewSession> {
    const user = this.#accounts.userByName(username);
    // Made once, outside the queue: a queued refusal must not be cached as the dummy.
    this.#dummyHash ??= hashPassword(secret(), this.#cost);
    const stored = user?.passwordHash ?? await this.#dummyHash;
    const matches = await this.#limited(() => verifyPassword(password, stored));
    if (user === undefined || user.disabled || !matches) {
      this.#failures.failed(username, address);
      throw unauthenticated('the user name or password is wrong');
    }
    this.#failures.succeeded(username, address);
    return this.startSession(user);
  }

  startSession(user: UserRecord): NewSession {
    const now = this.#clock.now();
    const cookie = secret();
    const csrfToken = secret();
    this.#accounts.addSession({ idHash: sha256(cookie), userId: user.id, csrfToken, createdAt: now, lastUsed: now,
      expiresAt: now + this.#policy.lifetimeMs });
    return { cookie, user, csrfToken };
  }

  /** The user behind a session cookie, or undefined when it is unknown, expired or idle too long. */
  fromCookie(cookie: string): ApiPrincipal | undefined {
    const now = this.#clock.now();
    const idHash = sha256(cookie);
    const session: SessionRecord | undefined = this.#accounts.session(idHash);
    if (session === undefined) return undefined;
    if (session.expiresAt <= now || now - session.lastUsed > this.#policy.idleMs) {
      this.#accounts.removeSession(idHash);
      return undefined;
    }
    const user = this.#accounts.userById(session.userId);
    if (user === undefined || user.disabled) return undefined;
    // Writing on every request would make each read a write; a minute's resolution is enough for an idle timeout.
    if (now - session.lastUsed > 60_000) this.#accounts.touchSession(idHash, now);
    return { kind: 'user', userId: user.id, username: user.username, role: user.role, tenant: user.tenant, sessionId: idHash,
      csrfToken: session.csrfToken };
  }

  /**
   * Why a caller's authority has ended since it was recognised, or undefined while it holds: the
   * live feed asks this of each open socket, which outlives the request that authenticated it.
   * Reads only: it neither touches the session (a socket is not a use) nor removes anything.
   */
  authorityEnded(principal: ApiPrincipal): string | undefined {
    const now = this.#clock.now();
    if (principal.kind === 'token') {
      const token = this.#accounts.token(principal.tokenId);
      if (token === undefined) return 'the bearer token was revoked';
      return token.expiresAt <= now ? 'the bearer token expired' : undefined;
    }
    const session = this.#accounts.session(principal.sessionId);
    if (session === undefined) return 'the session ended (signed out, password or role changed)';
    if (session.expiresAt <= now) return 'the session expired';
    if (now - session.lastUsed > this.#policy.idleMs) return 'the session was idle too long';
    const user = this.#accounts.userById(session.userId);
    if (user === undefined || user.disabled) return 'the user was disabled';
    return undefined;
  }

  endSession(principal: ApiPrincipal): void {
    if (principal.kind === 'user') this.#accounts.removeSession(principal.sessionId);
  }

  /** The token behind `Authorization: Bearer pwt_<id>_<secret>`; throws 401 when it is not a valid one. */
  fromBearer(header: string): ApiPrincipal {
    const match = /^Bearer (\S+)$/.exec(header);
    const parsed = match === null ? null : tokenPattern.exec(match[1] ?? '');
    if (parsed === null) throw unauthenticated('the Authorization header is not "Bearer pwt_<id>_<secret>"');
    const token = this.#accounts.token(parsed[1] ?? '');
    if (token === undefined || !constantTimeEqual(token.secretHash, sha256(parsed[2] ?? '')))
      throw unauthenticated('the bearer token is unknown or its secret is wrong');
    if (token.expiresAt <= this.#clock.now())
      throw unauthenticated(`the bearer token ${token.id} expired at ${new Date(token.expiresAt).toISOString()}`);
    return { kind: 'token', tokenId: token.id, name: token.name, scopes: token.scopes, tenant: token.tenant };
  }

  /** Creates a bearer token; the returned text is the only copy of its secret. */
  createToken(input: { name: string; scopes: readonly TokenScope[]; tenant: string; lifetimeMs: number;
    createdBy: string }): { record: TokenRecord; token: string } {
    const id = randomBytes(8).toString('hex');
    const tokenSecret = secret();
    const now = this.#clock.now();
    const record: TokenRecord = {
      id, name: input.name, scopes: input.scopes, tenant: input.tenant, secretHash: sha256(tokenSecret),
      createdAt: now, expiresAt: now + input.lifetimeMs, createdBy: input.createdBy,
    };
    this.#accounts.addToken(record);
    return { record, token: `pwt_${id}_${tokenSecret}` };
  }

  async createUser(input: { username: string; password: string; role: Role; tenant: string }): Promise<UserRecord> {
    const user: UserRecord = {
      id: randomUUID(), username: input.username, role: input.role, tenant: input.tenant,
      passwordHash: await this.hashPassword(input.password), disabled: false, createdAt: this.#clock.now(),
    };
    this.#accounts.addUser(user);
    return user;
  }

  /** Changes the signed-in user's password after checking the current one; ends their other sessions. */
  async changePassword(principal: ApiPrincipal, current: string, next: string): Promise<void> {
    if (principal.kind !== 'user') throw forbidden('only a signed-in user can change their password');
    const user = this.#accounts.userById(principal.userId);
    if (user === undefined || !await this.#limited(() => verifyPassword(current, user.passwordHash)))
      throw forbidden('the current password is wrong');
    this.#accounts.updateUser(user.id, { passwordHash: await this.hashPassword(next) });
    this.#accounts.removeSessionsOf(user.id, principal.sessionId);
  }

  /**
   * First start: when there is no user, creates `admin` (tenant `default`) with a random password
   * and returns it; the composition prints it once. Returns null when users exist.
   */
  async createInitialAdmin(): Promise<{ username: string; password: string } | null> {
    if (this.#accounts.userCount() > 0) return null;
    const password = randomBytes(18).toString('base64url');
    await this.createUser({ username: 'admin', password, role: 'admin', tenant: defaultTenant });
    return { username: 'admin', password };
  }
}
