/**
 * The PortSIP operations the emulator implements. Each handler sees an already authenticated and
 * spec-validated request; its answer is validated against the spec again by the server.
 * Error codes the emulator invents where PortSIP documents none are listed in README.md.
 */
import type { GoogleConnector } from './google';
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
}

export interface HandlerResult {
  status: number;
  body?: unknown;
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
  const session: Session = { ...init, accessToken: token(), refreshToken: token(), expiresAt: Date.now() + ctx.accessTtlSeconds * 1000 };
  ctx.state.sessions.set(session.accessToken, session);
  return ok({ access_token: session.accessToken, expires_in: ctx.accessTtlSeconds, refresh_token: session.refreshToken, token_type: 'Bearer' });
}

const badLogin = () => new ApiError(400, 'UNAUTHORIZED', 'Invalid username or password.');

function login(ctx: HandlerContext): HandlerResult {
  const b = ctx.body as Record<string, string>;
  if (b.grant_type === 'refresh_token') {
    const session = [...ctx.state.sessions.values()].find((s) => s.refreshToken === b.refresh_token);
    if (!session) throw new ApiError(400, 'UNAUTHORIZED', 'Invalid or revoked refresh token.');
    // The refreshed token continues the same session, tenant switch included.
    ctx.state.sessions.delete(session.accessToken);
    return issueSession(ctx, { username: session.username, tenantId: session.tenantId, systemAdmin: session.systemAdmin });
  }
  const domain = b.domain?.toLowerCase();
  const user = ctx.state.users.find((u) => u.username === b.username && (u.domain?.toLowerCase() ?? undefined) === domain);
  if (!user || user.password !== b.password) throw badLogin();
  if (!user.domain) return issueSession(ctx, { username: user.username, systemAdmin: true });
  const tenant = [...ctx.state.tenants.values()].find((t) => t.domain.toLowerCase() === domain);
  if (!tenant || !tenant.enabled) throw badLogin();
  return issueSession(ctx, { username: user.username, tenantId: tenant.id, systemAdmin: false });
}

function revoke(ctx: HandlerContext): HandlerResult {
  ctx.state.sessions.delete(ctx.session!.accessToken);
  return ok();
}

/** The tiny OData subset the emulator understands: `field eq 'value'` joined by `and`. */
function filterTenants(tenants: TenantState[], filter: string | undefined): TenantState[] {
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
    return (t: TenantState) => t[field] === value;
  });
  return tenants.filter((t) => clauses.every((c) => c(t)));
}

function tenantSummary(t: TenantState): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    domain: t.domain,
    enabled: t.enabled,
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
  const all = filterTenants([...ctx.state.tenants.values()], ctx.query.filter as string | undefined);
  const skip = (ctx.query.skip as number | undefined) ?? 0;
  const top = (ctx.query.top as number | undefined) ?? 100;
  return ok({ count: all.length, items: all.slice(skip, skip + top).map(tenantSummary) });
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
  const view: Record<string, unknown> = { client_id: slot.client_id, client_secret: slot.client_secret, ...uris };
  if (slot.client_id) {
    // Users of an SBC-fronted PBX reach it through the SBC, so Google must send them back there.
    view.auth_consent_uri = ctx.google.consentUri(slot.client_id, uris.sbc_redirect_uri ?? uris.redirect_uri, slot.consentState);
  }
  return view;
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
const TENANT_FIELDS = [...COMMON_FIELDS, 'notify_user_registration', 'notify_queue_sla_breached', 'notify_queue_callback', 'notify_queue_callback_failed', 'notify_queue_call_lost'];
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

async function sendMail(ctx: HandlerContext, settings: NotificationSettings, slot: GoogleSlot, tenant?: TenantState): Promise<HandlerResult> {
  const b = ctx.body as { recipient: string; subject: string; content: string };
  if (settings.type === 'GMAIL') {
    if (!slot.client_id || !slot.refreshToken) {
      throw new ApiError(400, 'GOOGLE_AUTHORIZATION_REQUIRED', 'Mail type is GMAIL but the Google Workspace authorization is missing: complete the authorization (auth_consent_uri) first.');
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
        throw new ApiError(400, 'GOOGLE_AUTHORIZATION_EXPIRED', `The Google Workspace authorization has expired or was revoked (${answer.error}); complete the authorization again.`);
      }
      throw new ApiError(400, 'GOOGLE_TOKEN_REFRESH_FAILED', `Google refused to refresh the authorization: ${answer.error}.`);
    }
  }
  ctx.state.outbox.push({ tenant: tenant?.name, via: settings.type, recipient: b.recipient, subject: b.subject, content: b.content, at: new Date().toISOString() });
  return ok();
}

const tenantNotificationGet: Handler = (ctx) => ok({ ...pick(currentTenant(ctx).notification, TENANT_FIELDS), enable_system_email_server: false });
const tenantNotificationSet: Handler = (ctx) => {
  const t = currentTenant(ctx);
  t.notification = { ...t.notification, ...writable(ctx.body, TENANT_FIELDS) };
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
  ctx.state.system.notification = { ...ctx.state.system.notification, ...writable(ctx.body, SYSTEM_FIELDS) };
  return ok();
};
const systemTestEmail: Handler = (ctx) => {
  requireSystemAdmin(ctx);
  return sendMail(ctx, ctx.state.system.notification, ctx.state.system.google);
};

/** Keyed by `METHOD /template` exactly as in the spec (or supplement). */
export const HANDLERS: Record<string, Handler> = {
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
