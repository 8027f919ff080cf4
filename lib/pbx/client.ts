/**
 * PortSipClient: one PortSIP session (one access token). The tenant switch belongs to the session
 * (FACTS.md), so a client acts in one tenant at a time; parallel work on several tenants uses one
 * client per tenant (see `openTenantSession`).
 */
import { ClientErrorCode, PortSipError, scrub } from './errors';
import { PbxTransport } from './transport';
import type {
  GoogleIntegration,
  GoogleIntegrationUpdate,
  HttpMethod,
  IntegrationLevel,
  PortSipErrorBody,
  PortSipPath,
  ResponseOf,
  SystemNotification,
  SystemNotificationUpdate,
  Tenant,
  TenantList,
  TenantNotification,
  TenantNotificationUpdate,
  TenantSummary,
  TestEmail,
  TokenRequest,
  TokenResponse,
} from './types';

export interface PbxConnectionOptions {
  /** The /api base, e.g. https://pbx.example.com:8887/api */
  baseUrl: string;
  username: string;
  /** Never logged, never in error messages. */
  password: string;
  /** Tenant SIP domain when logging in as a tenant admin. */
  domain?: string;
  /** Extra trusted CA (PEM file); system CAs stay trusted. TLS is always verified. */
  caFile?: string;
  /** Per request, default 15000. */
  timeoutMs?: number;
  /** Retries of safe requests (GET, login, 429/5xx/timeouts), default 2, with backoff (honours Retry-After). */
  retries?: number;
}

/** PortSIP's fixed public OAuth client id (KB: development-portsip/rest-apis/authentication). */
export const PORTSIP_CLIENT_ID = '9d806019-75b2-4b3d-bb8b-f5a3a412cc0a';

const PAGE_SIZE = 100; // the spec's maximum `top`

interface TokenState {
  access: string;
  refresh: string;
  expiresAt: number;
  ttlMs: number;
}

interface ApiInit {
  query?: Record<string, string | number>;
  json?: unknown;
  idempotent?: boolean;
}

function errorOf(body: unknown): { code: string; message: string } | undefined {
  const first = (body as Partial<PortSipErrorBody> | undefined)?.errors?.[0];
  return first && typeof first.code === 'string' ? { code: first.code, message: String(first.message ?? '') } : undefined;
}

export class PortSipClient {
  private token!: TokenState;
  /** Tenant this session is switched to; re-applied after a fresh password login. */
  private switchedTenantId?: string;
  private tenantLabel?: string;
  private readonly knownTenants = new Map<string, TenantSummary>();
  private renewing?: Promise<void>;
  /** Values that must never appear in an error message. */
  private readonly secrets = new Set<string>();

  private constructor(
    private readonly opts: PbxConnectionOptions,
    private readonly transport: PbxTransport,
  ) {
    this.secrets.add(opts.password);
  }

  /** Log in (password grant) and return a client holding that session. */
  static async login(opts: PbxConnectionOptions): Promise<PortSipClient> {
    const client = new PortSipClient(opts, new PbxTransport(opts));
    try {
      await client.passwordLogin();
    } catch (e) {
      await client.transport.close();
      throw e;
    }
    return client;
  }

  /** The tenant (name, or id) this session acts in, as shown in errors. */
  get tenant(): string | undefined {
    return this.tenantLabel;
  }

  /** @internal Name the tenant for error messages (set by openTenantSession). */
  labelTenant(label: string): void {
    this.tenantLabel = label;
  }

  // --- tenants ---------------------------------------------------------------------------------

  /** All tenants, paging through `top`/`skip` (skip counts items: the schema's default is 0). */
  async listTenants(filter?: string): Promise<TenantSummary[]> {
    const all: TenantSummary[] = [];
    for (;;) {
      const page: TenantList = await this.api('get', '/tenants', {
        query: { top: PAGE_SIZE, skip: all.length, ...(filter ? { filter } : {}) },
      });
      const items = page.items ?? [];
      all.push(...items);
      if (items.length < PAGE_SIZE || (page.count !== undefined && all.length >= page.count)) break;
    }
    for (const t of all) if (t.id) this.knownTenants.set(t.id, t);
    return all;
  }

  /** The one tenant with this SIP domain (case-insensitive) or exact name. */
  async findTenant(ref: { domain?: string; name?: string }): Promise<TenantSummary> {
    if (!ref.domain && !ref.name) throw new TypeError('findTenant needs a domain or a name');
    const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const filter = ref.domain ? `domain eq ${quote(ref.domain)}` : `name eq ${quote(ref.name!)}`;
    const what = ref.domain ? `domain '${ref.domain}'` : `name '${ref.name}'`;
    const same = (t: TenantSummary) => (ref.domain ? t.domain?.toLowerCase() === ref.domain.toLowerCase() : t.name === ref.name);
    let matches = (await this.listTenants(filter)).filter(same);
    // OData `eq` is case-sensitive while SIP domains are not: fall back to the full list.
    if (!matches.length && ref.domain) matches = (await this.listTenants()).filter(same);
    if (matches.length !== 1) {
      throw new PortSipError({
        code: matches.length ? 'AMBIGUOUS' : ClientErrorCode.NotFound,
        operation: 'GET /tenants',
        tenant: ref.name ?? ref.domain,
        detail: matches.length ? `${matches.length} tenants have ${what}; use the domain` : `no tenant with ${what} on ${this.transport.baseUrl}`,
      });
    }
    return matches[0]!;
  }

  /** Act inside tenant `id` for the rest of this session (system admin only). */
  async switchTenant(id: string): Promise<void> {
    await this.api('post', '/tenants/switch', { query: { id }, idempotent: true });
    this.switchedTenantId = id;
    this.tenantLabel = this.knownTenants.get(id)?.name ?? id;
  }

  /** GET /tenant: the tenant this session acts in. */
  async currentTenant(): Promise<Tenant> {
    return this.api('get', '/tenant');
  }

  // --- Google integration ----------------------------------------------------------------------

  async getGoogle(level: IntegrationLevel): Promise<GoogleIntegration> {
    return level === 'tenant' ? this.api('get', '/google') : this.api('get', '/admin/google');
  }

  /** Save client ID and secret. Idempotent: the same pair twice changes nothing, so it is retried. */
  async setGoogle(level: IntegrationLevel, body: GoogleIntegrationUpdate): Promise<void> {
    this.secrets.add(body.client_secret);
    const json: GoogleIntegrationUpdate = { client_id: body.client_id, client_secret: body.client_secret };
    if (level === 'tenant') await this.api('post', '/google', { json, idempotent: true });
    else await this.api('post', '/admin/google', { json, idempotent: true });
  }

  /** Stop the integration (PortSIP v22.6+). */
  async destroyGoogle(level: IntegrationLevel): Promise<void> {
    if (level === 'tenant') await this.api('post', '/google/destroy', { idempotent: true });
    else await this.api('post', '/admin/google/destroy', { idempotent: true });
  }

  // --- mail ------------------------------------------------------------------------------------

  getNotification(level: 'tenant'): Promise<TenantNotification>;
  getNotification(level: 'system'): Promise<SystemNotification>;
  async getNotification(level: IntegrationLevel): Promise<TenantNotification | SystemNotification> {
    return level === 'tenant' ? this.api('get', '/tenant/notification') : this.api('get', '/admin/notification');
  }

  setNotification(level: 'tenant', body: TenantNotificationUpdate): Promise<void>;
  setNotification(level: 'system', body: SystemNotificationUpdate): Promise<void>;
  async setNotification(level: IntegrationLevel, body: TenantNotificationUpdate | SystemNotificationUpdate): Promise<void> {
    if (body.password) this.secrets.add(body.password);
    if (level === 'tenant') await this.api('post', '/tenant/notification', { json: body, idempotent: true });
    else await this.api('post', '/admin/notification', { json: body, idempotent: true });
  }

  /** Send a test mail through the configured server. Not retried after a timeout (it may have gone out). */
  async sendTestEmail(mail: TestEmail, level: IntegrationLevel = 'tenant'): Promise<void> {
    const json: TestEmail = { recipient: mail.recipient, subject: mail.subject, content: mail.content };
    if (level === 'tenant') await this.api('post', '/tenant/notification/test_email', { json });
    else await this.api('post', '/admin/notification/test_email', { json });
  }

  // --- session ---------------------------------------------------------------------------------

  /** Revoke the access token and release connections. Safe to call twice. */
  async logout(): Promise<void> {
    try {
      if (this.token) {
        const res = await this.transport.call({
          method: 'POST',
          path: '/login/oauth/revoke',
          operation: 'POST /login/oauth/revoke',
          tenant: this.tenantLabel,
          bearer: this.token.access,
          secrets: this.secrets,
        });
        // 401: the token was already gone, which is what logout wants.
        if (res.status >= 400 && res.status !== 401) throw this.fail('POST /login/oauth/revoke', res.status, res.body);
      }
    } finally {
      this.token = undefined as unknown as TokenState;
      await this.transport.close();
    }
  }

  /** Typed call of a PortSIP operation, with token refresh and one re-login on 401. */
  private async api<P extends PortSipPath, M extends HttpMethod>(method: M, path: P, init: ApiInit = {}): Promise<ResponseOf<P, M>> {
    const operation = `${method.toUpperCase()} ${path}`;
    if (!this.token) throw new PortSipError({ code: 'LOGGED_OUT', operation, tenant: this.tenantLabel, detail: 'this session was logged out' });
    await this.ensureFresh();
    const qs = init.query ? `?${new URLSearchParams(Object.entries(init.query).map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
    const send = () =>
      this.transport.call({
        method: method === 'get' ? 'GET' : 'POST',
        path: `${path}${qs}`,
        operation,
        tenant: this.tenantLabel,
        bearer: this.token.access,
        json: init.json,
        idempotent: init.idempotent,
        secrets: this.secrets,
      });
    let res = await send();
    if (res.status === 401) {
      // Token revoked or expired early (PBX restart, clock skew): log in again once.
      await this.renew(true);
      res = await send();
    }
    if (res.status >= 400) throw this.fail(operation, res.status, res.body);
    return res.body as ResponseOf<P, M>;
  }

  private fail(operation: string, status: number, body: unknown): PortSipError {
    const err = errorOf(body);
    return new PortSipError({
      status,
      code: err?.code ?? ClientErrorCode.Unknown,
      operation,
      tenant: this.tenantLabel,
      detail: scrub(err?.message || (typeof body === 'string' ? body.slice(0, 200) : 'no error details'), this.secrets),
      retryable: status === 429 || status >= 500,
    });
  }

  /** Refresh shortly before expiry: 20% of the lifetime, at most a minute. */
  private async ensureFresh(): Promise<void> {
    const margin = Math.min(60_000, this.token.ttlMs * 0.2);
    if (Date.now() >= this.token.expiresAt - margin) await this.renew(false);
  }

  /** Single-flight: concurrent calls share one refresh/login. */
  private renew(forceLogin: boolean): Promise<void> {
    this.renewing ??= (async () => {
      try {
        if (!forceLogin) {
          try {
            await this.grant({ grant_type: 'refresh_token', refresh_token: this.token.refresh, client_id: PORTSIP_CLIENT_ID });
            return; // same session: the tenant switch carries over
          } catch (e) {
            if (!(e instanceof PortSipError) || e.status === undefined || e.status >= 500) throw e;
            // refresh token refused: fall through to a password login
          }
        }
        await this.passwordLogin();
      } finally {
        this.renewing = undefined;
      }
    })();
    return this.renewing;
  }

  /** Password grant; a new session loses the tenant switch, so it is re-applied. */
  private async passwordLogin(): Promise<void> {
    const { username, password, domain } = this.opts;
    await this.grant({ grant_type: 'password', username, password, scope: 'all', client_id: PORTSIP_CLIENT_ID, ...(domain ? { domain } : {}) });
    if (this.switchedTenantId) {
      const res = await this.transport.call({
        method: 'POST',
        path: `/tenants/switch?${new URLSearchParams({ id: this.switchedTenantId }).toString()}`,
        operation: 'POST /tenants/switch',
        tenant: this.tenantLabel,
        bearer: this.token.access,
        idempotent: true,
        secrets: this.secrets,
      });
      if (res.status >= 400) throw this.fail('POST /tenants/switch', res.status, res.body);
    }
  }

  private async grant(form: TokenRequest): Promise<void> {
    const operation = 'POST /login/oauth/token';
    const res = await this.transport.call({
      method: 'POST',
      path: '/login/oauth/token',
      operation,
      tenant: this.tenantLabel ?? this.opts.domain,
      form: form as unknown as Record<string, string>,
      idempotent: true, // a second token is harmless
      secrets: this.secrets,
    });
    if (res.status >= 400) {
      const e = this.fail(operation, res.status, res.body);
      if (form.grant_type === 'password') {
        const who = `'${this.opts.username}'${this.opts.domain ? ` in domain '${this.opts.domain}'` : ''}`;
        throw new PortSipError({
          status: e.status,
          code: e.code,
          operation,
          tenant: e.tenant,
          detail: `login as ${who} refused: ${errorOf(res.body)?.message ? scrub(errorOf(res.body)!.message, this.secrets) : 'no details'}`,
          retryable: e.retryable,
        });
      }
      throw e;
    }
    const t = res.body as TokenResponse;
    if (!t || typeof t.access_token !== 'string' || typeof t.expires_in !== 'number') {
      throw new PortSipError({ status: res.status, code: ClientErrorCode.BadResponse, operation, tenant: this.tenantLabel, detail: 'token answer without access_token/expires_in' });
    }
    const ttlMs = t.expires_in * 1000;
    this.token = { access: t.access_token, refresh: t.refresh_token, expiresAt: Date.now() + ttlMs, ttlMs };
  }
}
