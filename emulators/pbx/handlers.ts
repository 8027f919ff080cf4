/**
 * The PortSIP operations the emulator implements. Each handler sees an already authenticated and
 * spec-validated request; its answer is validated against the spec again by the server.
 * Error codes the emulator invents where PortSIP documents none are listed in README.md.
 */
import type { PbxBehaviour } from './behaviour';
import type { GoogleConnector } from './google';
import { ms365Handlers } from './ms365';
import { portSipSpec } from './spec';
import {
  type EmulatorState,
  type GoogleSlot,
  type NotificationSettings,
  type Session,
  type TenantState,
  emptyGoogle,
  token,
} from './state';

export const PORTSIP_CLIENT_ID = '9d806019-75b2-4b3d-bb8b-f5a3a412cc0a';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

export interface HandlerContext {
  state: EmulatorState;
  google: GoogleConnector;
  session?: Session;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  /** Where consent callbacks land, per slot (see README: redirect URIs). */
  redirectUris(tenant?: TenantState): { redirect_uri: string; sbc_redirect_uri?: string };
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** Readings of the spec's open points in force for this request. */
  behaviour: Readonly<PbxBehaviour>;
  /** The emulator's clock (ms since the epoch). */
  now: () => number;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  /** An application/octet-stream answer (a file download) instead of JSON. */
  binary?: { data: Buffer; filename: string };
}

type Handler = (ctx: HandlerContext) => HandlerResult | Promise<HandlerResult>;

const ok = (body?: unknown): HandlerResult => ({ status: 200, body });
const noContent = (): HandlerResult => ({ status: 204 });

function requireSystemAdmin(ctx: HandlerContext): Session {
  const s = ctx.session!;
  if (!s.systemAdmin) throw new ApiError(403, 'FORBIDDEN', 'This operation requires the system administrator.');
  return s;
}

function currentTenant(ctx: HandlerContext): TenantState {
  const s = ctx.session!;
  const tenant = s.tenantId ? ctx.state.tenants.get(s.tenantId) : undefined;
  if (!tenant) {
    // Emulator's choice: PortSIP does not document what a system admin gets before switching.
    throw new ApiError(400, 'TENANT_NOT_SELECTED', 'No tenant selected for this session; call POST /tenants/switch?id=TENANT_ID first.');
  }
  return tenant;
}

function issueSession(ctx: HandlerContext, init: Omit<Session, 'accessToken' | 'refreshToken' | 'expiresAt'>): HandlerResult {
  const session: Session = { ...init, accessToken: token(), refreshToken: token(), expiresAt: ctx.now() + ctx.accessTtlSeconds * 1000 };
  ctx.state.sessions.set(session.accessToken, session);
  return ok({
    access_token: session.accessToken,
    expires_in: ctx.accessTtlSeconds,
    refresh_token: session.refreshToken,
    token_type: 'Bearer',
  });
}

const badLogin = () => new ApiError(400, 'UNAUTHORIZED', 'Invalid username or password.');

function login(ctx: HandlerContext): HandlerResult {
  const b = ctx.body as Record<string, string>;
  if (b.grant_type === 'refresh_token') {
    const session = [...ctx.state.sessions.values()].find((s) => s.refreshToken === b.refresh_token);
    if (!session) throw new ApiError(400, 'UNAUTHORIZED', 'Invalid or revoked refresh token.');
    // The refreshed token continues the same session; the tenant switch too, unless it belongs to
    // the access token (behaviour switchScope 'token'). A tenant admin's tenant is fixed.
    ctx.state.sessions.delete(session.accessToken);
    const tenantId = session.systemAdmin && ctx.behaviour.switchScope === 'token' ? undefined : session.tenantId;
    return issueSession(ctx, { username: session.username, tenantId, systemAdmin: session.systemAdmin });
  }
  const domain = b.domain?.toLowerCase();
  const user = ctx.state.users.find((u) => u.username === b.username && (u.domain?.toLowerCase() ?? undefined) === domain);
  if (!user || user.password !== b.password) throw badLogin();
  const tenant = user.domain ? [...ctx.state.tenants.values()].find((t) => t.domain.toLowerCase() === domain) : undefined;
  if (user.domain && (!tenant || !tenant.enabled)) throw badLogin();
  if (user.twoFactor) return twoFactor(ctx, user.twoFactor);
  if (!tenant) return issueSession(ctx, { username: user.username, systemAdmin: true });
  return issueSession(ctx, { username: user.username, tenantId: tenant.id, systemAdmin: false });
}

/** Right password, but two-factor authentication is on: no token (both answers are the emulator's guess). */
function twoFactor(ctx: HandlerContext, mode: 'error' | 'challenge'): HandlerResult {
  ctx.state.twoFactorAttempts++;
  if (mode === 'error') {
    throw new ApiError(403, 'TWO_FACTOR_REQUIRED', 'Two-factor authentication is enabled for this account: sign in with a one-time code.');
  }
  return ok({ mfa_required: true, challenge_id: token(16), methods: ['totp'] });
}

function revoke(ctx: HandlerContext): HandlerResult {
  ctx.state.sessions.delete(ctx.session!.accessToken);
  return ok();
}

/** The tiny OData subset the emulator understands: `field eq 'value'` joined by `and`. */
function filterTenants(tenants: TenantState[], filter: string | undefined, insensitive: boolean): TenantState[] {
  if (!filter?.trim()) return tenants;
  const clauses = filter.split(/\s+and\s+/i).map((clause) => {
    const m = /^\s*(id|name|domain|enabled)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false))\s*$/i.exec(clause);
    if (!m) {
      throw new ApiError(400, 'VALIDATE_FAILED', 'field validation failed', {
        filter: `unsupported filter expression '${clause}' (the emulator supports FIELD eq 'VALUE' [and ...] on id, name, domain, enabled)`,
      });
    }
    const field = m[1]!.toLowerCase() as 'id' | 'name' | 'domain' | 'enabled';
    const value = m[3] !== undefined ? m[3] === 'true' : m[2]!.replace(/''/g, "'");
    if (typeof value === 'string' && insensitive) {
      const lower = value.toLowerCase();
      return (t: TenantState) => String(t[field]).toLowerCase() === lower;
    }
    return (t: TenantState) => t[field] === value;
  });
  return tenants.filter((t) => clauses.every((c) => c(t)));
}

function tenantSummary(t: TenantState, behaviour: Readonly<PbxBehaviour>): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    domain: t.domain,
    // The schema's default is true: a PBX may leave the field out for enabled tenants (listEnabled).
    ...(behaviour.listEnabled === 'always' || !t.enabled ? { enabled: t.enabled } : {}),
    max_extensions: 1000,
    max_concurrent_calls: 20,
    timezone: 'UTC',
    currency: 'USD',
    region: 'US',
    created_at: t.created_at,
  };
}

function listTenants(ctx: HandlerContext): HandlerResult {
  requireSystemAdmin(ctx);
  const all = filterTenants(
    [...ctx.state.tenants.values()],
    ctx.query.filter as string | undefined,
    ctx.behaviour.filterCase === 'insensitive',
  );
  const skip = (ctx.query.skip as number | undefined) ?? 0;
  const size = Math.min((ctx.query.top as number | undefined) ?? 100, ctx.behaviour.maxPageSize);
  // 'items': skip counts items (the parameter's description); 'pages': 1-based page number (the introduction).
  const paging = ctx.behaviour.paging;
  const start =
    paging === 'pages' ? (Math.max(skip, 1) - 1) * size : paging === 'pages-from-0' ? skip * size : paging === 'ignored' ? 0 : skip;
  const items = all.slice(start, start + size).map((t) => tenantSummary(t, ctx.behaviour));
  return ok(ctx.behaviour.listCount ? { count: all.length, items } : { items });
}

function switchTenant(ctx: HandlerContext): HandlerResult {
  const session = requireSystemAdmin(ctx);
  const id = ctx.query.id as string | undefined;
  if (!id) throw new ApiError(400, 'VALIDATE_FAILED', 'field validation failed', { id: 'required' });
  if (!ctx.state.tenants.has(id)) throw new ApiError(404, 'NOT_FOUND', `Tenant '${id}' not found.`);
  session.tenantId = id; // this session only
  return ok();
}

function getTenant(ctx: HandlerContext): HandlerResult {
  const t = currentTenant(ctx);
  return ok({ id: t.id, name: t.name, domain: t.domain, timezone: 'UTC', currency: 'USD', region: 'US' });
}

// --- Google -----------------------------------------------------------------------------------

function googleView(ctx: HandlerContext, slot: GoogleSlot, tenant?: TenantState): Record<string, unknown> {
  const uris = ctx.redirectUris(tenant);
  const view: Record<string, unknown> = { client_id: slot.client_id, client_secret: secretOnRead(ctx, slot.client_secret), ...uris };
  if (slot.client_id) {
    // Users of an SBC-fronted PBX reach it through the SBC, so Google must send them back there.
    view.auth_consent_uri = ctx.google.consentUri(slot.client_id, uris.sbc_redirect_uri ?? uris.redirect_uri, slot.consentState);
  }
  return view;
}

/** `client_secret` as read back (behaviour secretOnRead); `''` while none is set. */
function secretOnRead(ctx: HandlerContext, secret: string): string {
  if (!secret) return '';
  switch (ctx.behaviour.secretOnRead) {
    case 'masked':
      return '******';
    case 'empty':
      return '';
    case 'partial':
      return `${secret.slice(0, 7)}****${secret.slice(-4)}`;
    default:
      return secret;
  }
}

function updateGoogle(ctx: HandlerContext, slot: GoogleSlot): void {
  const b = ctx.body as { client_id?: string; client_secret?: string };
  const clientId = b.client_id ?? slot.client_id;
  const clientSecret = b.client_secret ?? slot.client_secret;
  if (clientId !== slot.client_id || clientSecret !== slot.client_secret) {
    // A different client invalidates the authorization given to the old one.
    delete slot.refreshToken;
    delete slot.lastConsentError;
    Object.assign(slot, { client_id: clientId, client_secret: clientSecret, consentState: emptyGoogle().consentState });
  }
}

const tenantGoogleGet: Handler = (ctx) => {
  const t = currentTenant(ctx);
  return ok(googleView(ctx, t.google, t));
};
const tenantGoogleSet: Handler = (ctx) => {
  updateGoogle(ctx, currentTenant(ctx).google);
  return ok();
};
const tenantGoogleDestroy: Handler = (ctx) => {
  currentTenant(ctx).google = emptyGoogle();
  return noContent();
};
const systemGoogleGet: Handler = (ctx) => {
  requireSystemAdmin(ctx);
  return ok(googleView(ctx, ctx.state.system.google));
};
const systemGoogleSet: Handler = (ctx) => {
  requireSystemAdmin(ctx);
  updateGoogle(ctx, ctx.state.system.google);
  return ok();
};
const systemGoogleDestroy: Handler = (ctx) => {
  requireSystemAdmin(ctx);
  ctx.state.system.google = emptyGoogle();
  return noContent();
};

// --- Notification -----------------------------------------------------------------------------

const COMMON_FIELDS = ['type', 'server', 'port', 'reply_to', 'username', 'auth', 'enable_tls_ssl', 'enable_starttls_auto', 'recipients'];
const TENANT_FIELDS = [
  ...COMMON_FIELDS,
  'notify_user_registration',
  'notify_queue_sla_breached',
  'notify_queue_callback',
  'notify_queue_callback_failed',
  'notify_queue_call_lost',
];
const SYSTEM_FIELDS = [
  ...COMMON_FIELDS,
  'enable_tenant_access',
  'hard_disk_threshold',
  'notify_hard_disk_exceeded_threshold',
  'cpu_threshold',
  'notify_cpu_exceeded_threshold',
  'memory_threshold',
  'notify_memory_exceeded_threshold',
  'notify_ip_blocked',
  'notify_license_limited',
  'notify_service_disconnected',
  'notify_push_certs_update_failed',
];

function pick(settings: NotificationSettings, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => settings[f] !== undefined).map((f) => [f, settings[f]]));
}

/** Fields PortSIP would not keep when posted (read-only or not in the operation's schema). */
function writable(body: Record<string, unknown>, fields: string[]): Partial<NotificationSettings> {
  return Object.fromEntries(Object.entries(body).filter(([k]) => fields.includes(k) || k === 'password')) as Partial<NotificationSettings>;
}

/**
 * The settings after a POST: merged into the current ones, or (behaviour notificationPost
 * 'replace') the request schema's defaults plus exactly the fields given; fields without a default
 * are emptied (required ones) or removed, a password not given is dropped.
 */
function postedNotification(ctx: HandlerContext, current: NotificationSettings, template: string, fields: string[]): NotificationSettings {
  const given = writable(ctx.body, fields);
  if (ctx.behaviour.notificationPost === 'merge') return { ...current, ...given };
  const defaults = Object.fromEntries(Object.entries(portSipSpec().requestDefaults('POST', template)).filter(([k]) => fields.includes(k)));
  return { type: current.type, server: '', port: 0, username: '', ...defaults, ...given } as NotificationSettings;
}

async function sendMail(
  ctx: HandlerContext,
  settings: NotificationSettings,
  slot: GoogleSlot,
  tenant?: TenantState,
): Promise<HandlerResult> {
  const b = ctx.body as { recipient: string; subject: string; content: string };
  if (settings.type === 'GMAIL') {
    if (!slot.client_id || !slot.refreshToken) {
      throw new ApiError(
        400,
        'GOOGLE_AUTHORIZATION_REQUIRED',
        'Mail type is GMAIL but the Google Workspace authorization is missing: complete the authorization (auth_consent_uri) first.',
      );
    }
    const answer = await ctx.google.token({
      grant_type: 'refresh_token',
      refresh_token: slot.refreshToken,
      client_id: slot.client_id,
      client_secret: slot.client_secret,
    });
    if (!answer.ok) {
      if (answer.error.startsWith('invalid_grant')) {
        delete slot.refreshToken;
        throw new ApiError(
          400,
          'GOOGLE_AUTHORIZATION_EXPIRED',
          `The Google Workspace authorization has expired or was revoked (${answer.error}); complete the authorization again.`,
        );
      }
      throw new ApiError(400, 'GOOGLE_TOKEN_REFRESH_FAILED', `Google refused to refresh the authorization: ${answer.error}.`);
    }
  }
  ctx.state.outbox.push({
    tenant: tenant?.name,
    via: settings.type,
    recipient: b.recipient,
    subject: b.subject,
    content: b.content,
    at: new Date().toISOString(),
  });
  return ok();
}

const tenantNotificationGet: Handler = (ctx) =>
  ok({ ...pick(currentTenant(ctx).notification, TENANT_FIELDS), enable_system_email_server: false });
const tenantNotificationSet: Handler = (ctx) => {
  const t = currentTenant(ctx);
  t.notification = postedNotification(ctx, t.notification, '/tenant/notification', TENANT_FIELDS);
  return ok();
};
const tenantTestEmail: Handler = (ctx) => {
  const t = currentTenant(ctx);
  return sendMail(ctx, t.notification, t.google, t);
};
const systemNotificationGet: Handler = (ctx) => {
  requireSystemAdmin(ctx);
  return ok(pick(ctx.state.system.notification, SYSTEM_FIELDS));
};
const systemNotificationSet: Handler = (ctx) => {
  requireSystemAdmin(ctx);
  ctx.state.system.notification = postedNotification(ctx, ctx.state.system.notification, '/admin/notification', SYSTEM_FIELDS);
  return ok();
};
const systemTestEmail: Handler = (ctx) => {
  requireSystemAdmin(ctx);
  return sendMail(ctx, ctx.state.system.notification, ctx.state.system.google);
};

/** Keyed by `METHOD /template` exactly as in the spec (or supplement). */
/** Microsoft 365 (emulators/pbx/ms365.ts). */
const MS365_HANDLERS = ms365Handlers<HandlerContext>(currentTenant, (status, code, message) => new ApiError(status, code, message));

export const HANDLERS: Record<string, Handler> = {
  ...MS365_HANDLERS,
  'POST /login/oauth/token': login,
  'POST /login/oauth/revoke': revoke,
  'GET /tenants': listTenants,
  'POST /tenants/switch': switchTenant,
  'GET /tenant': getTenant,
  'GET /google': tenantGoogleGet,
  'POST /google': tenantGoogleSet,
  'POST /google/destroy': tenantGoogleDestroy,
  'GET /admin/google': systemGoogleGet,
  'POST /admin/google': systemGoogleSet,
  'POST /admin/google/destroy': systemGoogleDestroy,
  'GET /tenant/notification': tenantNotificationGet,
  'POST /tenant/notification': tenantNotificationSet,
  'POST /tenant/notification/test_email': tenantTestEmail,
  'GET /admin/notification': systemNotificationGet,
  'POST /admin/notification': systemNotificationSet,
  'POST /admin/notification/test_email': systemTestEmail,
};
