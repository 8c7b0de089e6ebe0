// Session, users, bearer tokens and the audit log.
import { Type } from 'typebox';
import { ApiFieldError, notFound, RateLimitedError } from '../api-errors.ts';
import {
  ApiTokenCreated, AuditList, ErrorBody, IdParams, LoginBody, PageQuery, PasswordChangeBody, Session, TokenCreateBody,
  TokenList, UserAdmin, UserCreateBody, UserList, UserPatchBody,
} from '../dto.ts';
import type { User } from '../dto.ts';
import type { TokenRecord, UserRecord } from '../ports.ts';
import { iso } from '../meter-list.ts';
import { sessionCookie } from './authentication.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 429: ErrorBody };
const userDto = (user: UserRecord): User => ({ id: user.id, username: user.username, role: user.role, tenant: user.tenant });
const userAdminDto = (user: UserRecord) => ({ ...userDto(user), disabled: user.disabled, createdAt: iso(user.createdAt) });
const tokenDto = (token: TokenRecord) => ({
  id: token.id, name: token.name, scopes: [...token.scopes], tenant: token.tenant,
  createdAt: iso(token.createdAt), expiresAt: iso(token.expiresAt), createdBy: token.createdBy,
});

export function accountRoutes(app: ApiInstance, ctx: ApiContext): void {
  const cookieOptions = { httpOnly: true, secure: true, sameSite: 'strict', path: '/' } as const;

  app.post('/api/v1/session', { schema: { tags: ['session'], summary: 'Sign in', body: LoginBody, response: { 200: Session, ...errors } } },
    async (request, reply) => {
    const limit = ctx.auth.loginAllowed(request.ip, request.body.username);
    if (!limit.allowed) throw new RateLimitedError('sign-in attempts from this address (for this user name)', limit.retryAfterSeconds);
    const session = await ctx.auth.login(request.body.username, request.body.password, request.ip);
    ctx.accounts.appendAudit({ at: ctx.clock.now(), tenant: session.user.tenant, actor: `user:${session.user.username}`,
      action: 'session.create', object: `user:${session.user.id}`, detail: { ip: request.ip } });
    void reply.setCookie(sessionCookie, session.cookie, { ...cookieOptions, maxAge: Math.floor(ctx.auth.sessionPolicy.lifetimeMs / 1000) });
    return { user: userDto(session.user), csrfToken: session.csrfToken };
  });

  app.get('/api/v1/session', { schema: { tags: ['session'], summary: 'The signed-in user', response: { 200: Session, ...errors } } },
    (request) => {
    const principal = ctx.principalOf(request);
    if (principal.kind !== 'user') throw notFound('a session for a bearer token');
    return { user: { id: principal.userId, username: principal.username, role: principal.role, tenant: principal.tenant },
      csrfToken: principal.csrfToken };
  });

  app.delete('/api/v1/session', { schema: { tags: ['session'], summary: 'Sign out', response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
    const principal = ctx.principalOf(request);
    ctx.auth.endSession(principal);
    ctx.authorityChanged();
    ctx.audit(principal, 'session.delete', principal.kind === 'user' ? `user:${principal.userId}` : `token:${principal.tokenId}`);
    void reply.clearCookie(sessionCookie, cookieOptions);
    return reply.code(204).send(null);
  });

  app.post('/api/v1/users/me/password',
    { schema: { tags: ['users'], summary: 'Change my password', body: PasswordChangeBody, response: { 204: Type.Null(), ...errors } } },
    async (
    request,
    reply,
  ) => {
    const principal = ctx.principalOf(request);
    await ctx.auth.changePassword(principal, request.body.current, request.body.next);
    ctx.authorityChanged();
    ctx.audit(principal, 'user.password', principal.kind === 'user' ? `user:${principal.userId}` : 'token');
    return reply.code(204).send(null);
  });

  app.get('/api/v1/users', { schema: { tags: ['users'], summary: 'Users of my tenant', response: { 200: UserList, ...errors } } },
    (request) => {
    const principal = ctx.principalOf(request);
    return { items: ctx.accounts.users(principal.tenant).map(userAdminDto) };
  });

  app.post('/api/v1/users',
    { schema: { tags: ['users'], summary: 'Create a user in my tenant', body: UserCreateBody, response: { 201: UserAdmin, ...errors } } },
    async (
    request,
    reply,
  ) => {
    const principal = ctx.principalOf(request);
    const user = await ctx.auth.createUser({ ...request.body, tenant: principal.tenant });
    ctx.audit(principal, 'user.create', `user:${user.id}`, { username: user.username, role: user.role });
    return reply.code(201).send(userAdminDto(user));
  });

  app.patch('/api/v1/users/:id',
    { schema: { tags: ['users'], summary: 'Change a user\'s role, state or password', params: IdParams, body: UserPatchBody,
    response: { 200: UserAdmin, ...errors } } }, async (request) => {
    const principal = ctx.principalOf(request);
    const user = ctx.accounts.userById(request.params.id);
    if (user?.tenant !== principal.tenant) throw notFound(`user ${JSON.stringify(request.params.id)}`);
    if (principal.kind === 'user' && user.id === principal.userId && (request.body.role !== undefined || request.body.disabled === true)) {
      throw new ApiFieldError('/body/role',
        'Cannot change your own role or disable yourself: another admin must, so that a tenant never loses its last admin by mistake');
    }
    const change = {
      ...(request.body.role === undefined ? {} : { role: request.body.role }),
      ...(request.body.disabled === undefined ? {} : { disabled: request.body.disabled }),
      ...(request.body.password === undefined ? {} : { passwordHash: await ctx.auth.hashPassword(request.body.password) }),
    };
    const next = ctx.accounts.updateUser(user.id, change);
    if (change.disabled === true || change.passwordHash !== undefined || change.role !== undefined) {
      ctx.accounts.removeSessionsOf(user.id);
      ctx.authorityChanged();
    }
    ctx.audit(principal, 'user.update', `user:${user.id}`, {
      ...(request.body.role === undefined ? {} : { role: request.body.role }),
      ...(request.body.disabled === undefined ? {} : { disabled: request.body.disabled }),
      passwordChanged: request.body.password !== undefined,
    });
    return userAdminDto(next);
  });

  app.get('/api/v1/tokens',
    { schema: { tags: ['tokens'], summary: 'Bearer tokens of my tenant (never their secrets)', response: { 200: TokenList, ...errors } } },
    (request) => {
    const principal = ctx.principalOf(request);
    return { items: ctx.accounts.tokens(principal.tenant).map(tokenDto) };
  });

  app.post('/api/v1/tokens',
    { schema: { tags: ['tokens'], summary: 'Create a bearer token (its secret is shown once)', body: TokenCreateBody,
    response: { 201: ApiTokenCreated, ...errors } } }, async (
    request,
    reply,
  ) => {
    const principal = ctx.principalOf(request);
    const { record, token } = ctx.auth.createToken({
      name: request.body.name, scopes: request.body.scopes, tenant: principal.tenant,
      lifetimeMs: (request.body.expiresInDays ?? 90) * 86_400_000,
      createdBy: principal.kind === 'user' ? `user:${principal.username}` : `token:${principal.tokenId}`,
    });
    ctx.audit(principal, 'token.create', `token:${record.id}`,
      { name: record.name, scopes: record.scopes, expiresAt: iso(record.expiresAt) });
    return reply.code(201).send({ ...tokenDto(record), token });
  });

  app.delete('/api/v1/tokens/:id',
    { schema: { tags: ['tokens'], summary: 'Revoke a bearer token', params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (
    request,
    reply,
  ) => {
    const principal = ctx.principalOf(request);
    const token = ctx.accounts.token(request.params.id);
    if (token?.tenant !== principal.tenant) throw notFound(`token ${JSON.stringify(request.params.id)}`);
    ctx.accounts.removeToken(token.id);
    ctx.authorityChanged();
    ctx.audit(principal, 'token.delete', `token:${token.id}`, { name: token.name });
    return reply.code(204).send(null);
  });

  app.get('/api/v1/audit',
    { schema: { tags: ['audit'], summary: 'The append-only audit log of my tenant, newest first', querystring: PageQuery,
    response: { 200: AuditList, ...errors } } }, (request) => {
    const principal = ctx.principalOf(request);
    const limit = request.query.limit ?? 100;
    let before: number | undefined;
    if (request.query.cursor !== undefined) {
      const match = /^a(\d{1,15})$/.exec(request.query.cursor);
      if (match === null)
        throw new ApiFieldError('/querystring/cursor',
          'Cannot accept the request: querystring.cursor is not a cursor this server gave out');
      before = Number(match[1]);
    }
    const entries = ctx.accounts.audit(principal.tenant, limit + 1, before);
    const items = entries.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map((e) =>
        ({ id: String(e.seq), at: iso(e.at), actor: e.actor, action: e.action, object: e.object, detail: { ...e.detail } })),
      nextCursor: entries.length > limit && last !== undefined ? `a${last.seq}` : null,
    };
  });
}
