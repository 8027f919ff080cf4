/**
 * The PBX emulator's in-memory world: tenants, users, sessions, Google and mail settings, and
 * what tests inspect afterwards (request log, outbox, spec violations).
 */
import { randomBytes } from 'node:crypto';

export type NotificationType = 'SMTP' | 'MS365' | 'GMAIL';

export interface EmulatorTenantInit {
  id: string;
  name: string;
  domain: string;
  enabled?: boolean;
  /** The tenant is reached through a PortSIP SBC: it gets an `sbc_redirect_uri`. */
  sbc?: boolean;
}

export interface EmulatorUserInit {
  username: string;
  password: string;
  /** Tenant SIP domain for a tenant admin; absent for the system admin. */
  domain?: string;
  /**
   * Two-factor authentication is on (PortSIP v22.6 added it for system administrators; the answer
   * to a password grant is not published). The right password then issues no token:
   * `'error'` 403 `TWO_FACTOR_REQUIRED`; `'challenge'` 200 `{"mfa_required":true,"challenge_id","methods":["totp"]}`.
   */
  twoFactor?: 'error' | 'challenge';
}

/** One Google integration slot (a tenant's, or the system's). */
export interface GoogleSlot {
  client_id: string;
  client_secret: string;
  /** Refresh token obtained through the consent flow; dropped when the client changes. */
  refreshToken?: string;
  /** Opaque `state` of the consent link; maps the callback back to this slot. */
  consentState: string;
  /** Why the last consent attempt failed, if it did. */
  lastConsentError?: string;
}

export interface NotificationSettings {
  type: NotificationType;
  server: string;
  port: number;
  username: string;
  password?: string;
  reply_to?: string;
  auth: 'DISABLE' | 'AUTO' | 'LOGIN' | 'PLAIN';
  enable_tls_ssl: boolean;
  enable_starttls_auto: boolean;
  recipients?: string;
  [extra: string]: unknown;
}

export interface TenantState {
  id: string;
  name: string;
  domain: string;
  enabled: boolean;
  sbc: boolean;
  created_at: string;
  google: GoogleSlot;
  notification: NotificationSettings;
}

export interface OutboxMail {
  /** Tenant name, or undefined for the system level. */
  tenant?: string;
  via: NotificationType;
  recipient: string;
  subject: string;
  content: string;
  at: string;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  /** Name of the tenant the session was acting in, if any. */
  tenant?: string;
  user?: string;
  status: number;
  /** Request body with secrets replaced by `***`. */
  body?: unknown;
}

export interface Violation {
  method: string;
  path: string;
  status: number;
  problems: { where: string; message: string }[];
}

export interface Session {
  username: string;
  /** Set for tenant admins (fixed) and for system admins after `/tenants/switch`. */
  tenantId?: string;
  systemAdmin: boolean;
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export interface EmulatorState {
  tenants: Map<string, TenantState>;
  system: { google: GoogleSlot; notification: NotificationSettings };
  users: EmulatorUserInit[];
  sessions: Map<string, Session>;
  outbox: OutboxMail[];
  requests: RequestLogEntry[];
  violations: Violation[];
  /** Password grants with the right password stopped by two-factor authentication (error or challenge). */
  twoFactorAttempts: number;
  /** Requests answered 429 by the rate limit (`requestsPerMinute`); injected 429s are not counted. */
  rateLimited: number;
}

export function token(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export function emptyGoogle(): GoogleSlot {
  return { client_id: '', client_secret: '', consentState: token(16) };
}

export function defaultNotification(): NotificationSettings {
  return {
    type: 'SMTP',
    server: 'smtp.example.com',
    port: 587,
    username: 'pbx@example.com',
    auth: 'AUTO',
    enable_tls_ssl: true,
    enable_starttls_auto: false,
  };
}

export const DEFAULT_TENANTS: EmulatorTenantInit[] = [
  { id: 'tenant-acme', name: 'Acme', domain: 'acme.pbx.test' },
  { id: 'tenant-globex', name: 'Globex', domain: 'globex.pbx.test', sbc: true },
];

export const DEFAULT_USERS: EmulatorUserInit[] = [
  { username: 'admin', password: 'admin-password' },
  { username: 'acme-admin', password: 'acme-password', domain: 'acme.pbx.test' },
];

/**
 * A tenant as the PBX would hold it. Only the spec's bounds are checked (name 1-1024 characters,
 * domain 1-280, ids unique): the spec asks for no domain form, so case twins (`acme.example`,
 * `ACME.example`), Unicode and xn-- domains are all accepted, and `enabled: false` is a disabled
 * tenant (the spec's only tenant state; PortSIP's portal calls it "Status" ON/OFF).
 */
export function newTenant(
  t: EmulatorTenantInit,
  existing: ReadonlyMap<string, TenantState>,
  created = new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
): TenantState {
  const length = (s: string) => [...s].length;
  if (!t.id || existing.has(t.id)) throw new Error(`emulator: tenant id '${t.id}' is empty or already used`);
  if (length(t.name) < 1 || length(t.name) > 1024) throw new Error(`emulator: tenant '${t.id}': name must be 1-1024 characters (spec)`);
  if (length(t.domain) < 1 || length(t.domain) > 280) throw new Error(`emulator: tenant '${t.id}': domain must be 1-280 characters (spec)`);
  return {
    id: t.id,
    name: t.name,
    domain: t.domain,
    enabled: t.enabled ?? true,
    sbc: t.sbc ?? false,
    created_at: created,
    google: emptyGoogle(),
    notification: defaultNotification(),
  };
}

export function createState(tenants: EmulatorTenantInit[], users: EmulatorUserInit[]): EmulatorState {
  const byId = new Map<string, TenantState>();
  for (const t of tenants) byId.set(t.id, newTenant(t, byId));
  return {
    tenants: byId,
    system: { google: emptyGoogle(), notification: defaultNotification() },
    users: users.map((u) => ({ ...u })),
    sessions: new Map(),
    outbox: [],
    requests: [],
    violations: [],
    twoFactorAttempts: 0,
    rateLimited: 0,
  };
}

const SECRET_KEYS = /^(password|client_secret|refresh_token|access_token|code|token)$/i;

/** Copy of a request body safe to keep in the request log. */
export function redact(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redact);
  if (body && typeof body === 'object') {
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, SECRET_KEYS.test(k) ? '***' : redact(v)]));
  }
  return body;
}
