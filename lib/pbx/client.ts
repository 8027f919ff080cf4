/**
 * PortSipClient: one PortSIP login session. A session acts in one tenant at a time, so parallel
 * work uses one session per worker (`PbxSessionPool`), each switched from tenant to tenant.
 *
 * Where PortSIP's spec allows more than one reading, the client is right under each
 * (docs/portsip-api.md):
 * - the tenant switch may belong to the access token, not the login: every token renewal
 *   re-applies the switch before the new token is used, and a tenant endpoint is never called
 *   with a token that has not been switched (TENANT_CONTEXT_LOST instead);
 * - `skip` may count items or 1-based pages: the paging mode is detected, and pages that do not
 *   add up to `count` fail loudly;
 * - a 2xx answer may carry an `errors` body: that is a failure;
 * - a 2FA account answers the password grant with a challenge or a refusal: PbxLoginChallengedError.
 */
import { systemClock, type Clock } from '../clock';
import { ClientErrorCode, PbxLoginChallengedError, PortSipError, scrub } from './errors';
import type { RequestBudget } from './request-budget';
import { pickTenant, type TenantRef } from './tenant-lookup';
import { PbxTransport } from './transport';
import type {
  GoogleIntegration,
  GoogleIntegrationUpdate,
  Ms365Integration,
  Ms365IntegrationUpdate,
  Ms365Users,
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
  /**
   * The login itself is bound to one tenant (a tenant administrator): no switch is needed or
   * possible. @default true when `domain` is given
   */
  tenantBound?: boolean;
  /** Extra trusted CA (PEM file); system CAs stay trusted. TLS is always verified. */
  caFile?: string;
  /** Per request, default 15000. */
  timeoutMs?: number;
  /** Retries of safe requests (GET, login, 429/5xx/timeouts), default 2, with backoff (honours Retry-After). */
  retries?: number;
  /** Shared request budget of this PBX (see RequestBudget). @default unlimited */
  budget?: RequestBudget;
  /** @default the system clock */
  clock?: Clock;
}

/** PortSIP's fixed public OAuth client id (KB: development-portsip/rest-apis/authentication). */
export const PORTSIP_CLIENT_ID = '9d806019-75b2-4b3d-bb8b-f5a3a412cc0a';

const PAGE_SIZE = 100; // the spec's maximum `top`
/** Safety bound when the PBX reports no `count`: a million tenants at 100 a page. */
const MAX_TENANT_PAGES = 10_000;

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

/** An answer that reports failure: 4xx/5xx, or any status with a non-empty `errors` list. */
function failed(status: number, body: unknown): boolean {
  const errors = (body as Partial<PortSipErrorBody> | undefined)?.errors;
  return status >= 400 || (Array.isArray(errors) && errors.length > 0);
}

/** Words PortSIP (or any OAuth server) uses for a second factor, in a code, message or field name. */
const SECOND_FACTOR = /two[-_ ]?factor|2fa|mfa|otp|one[-_ ]time|totp|verification[-_ ]code|challenge/i;

/** Paths that act in the session's current tenant (for a system admin: the switched one). */
const TENANT_SCOPED = /^\/(google|tenant|ms365)(\/|$)/;

type PagingMode = 'items' | 'pages-from-1' | 'pages-from-0';

export class PortSipClient {
  private token!: TokenState;
  /**
   * The tenant this session is switched to, and the access token the switch was made with. A
   * tenant endpoint is only called while the current token is that token (or a renewal re-applied
   * the switch to the new one).
   */
  private tenantContext?: { id: string; token: string };
  private tenantLabel?: string;
  private readonly knownTenants = new Map<string, TenantSummary>();
  private renewing?: Promise<void>;
  /** Values that must never appear in an error message. */
  private readonly secrets = new Set<string>();
  private readonly clock: Clock;

  private constructor(
    private readonly opts: PbxConnectionOptions,
    private readonly transport: PbxTransport,
  ) {
    this.secrets.add(opts.password);
    this.clock = opts.clock ?? systemClock;
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

  /** @internal Name the tenant for error messages (set by enterTenant, session.ts). */
  labelTenant(label: string): void {
    this.tenantLabel = label;
  }

  // --- tenants ---------------------------------------------------------------------------------

  /**
   * Every tenant on the PBX. The spec disagrees with itself on `skip` (items to skip, or a 1-based
   * page number), so the first page is read without `skip` (the first page under any reading) and
   * a probe with `skip=1` tells the readings apart by which tenant comes first. Pages that repeat
   * tenants or do not add up to `count` fail loudly, naming what was read.
   */
  async listTenants(): Promise<TenantSummary[]> {
    const read: string[] = [];
    const page = async (skip?: number) => {
      const answer: TenantList = await this.api('get', '/tenants', { query: { top: PAGE_SIZE, ...(skip === undefined ? {} : { skip }) } });
      const items = answer.items ?? [];
      read.push(`${skip === undefined ? 'no skip' : `skip=${skip}`}: ${items.length}`);
      return { items, count: answer.count };
    };
    const first = await page();
    const count = first.count;
    const all = [...first.items];
    const seen = new Set(all.map((t) => t.id));
    // Without `count` (the spec does not require it), a full page means there may be more.
    const pageSize = first.items.length;
    let lastPage = first.items.length;
    const wantMore = () => (count !== undefined ? all.length < count : pageSize > 0 && lastPage >= pageSize);
    const mismatch = (why: string) =>
      new PortSipError({
        code: ClientErrorCode.PagingMismatch,
        operation: 'GET /tenants',
        detail:
          `${why}; the PBX reported count ${count ?? 'none'}, and ${all.length} distinct tenants were read (pages: ${read.join(', ')}). ` +
          'Its paging matches neither reading of the spec (skip as items, or as 1-based pages); nothing was changed',
      });
    const take = (items: TenantSummary[]): void => {
      const fresh = items.filter((t) => !seen.has(t.id));
      if (fresh.length !== items.length) throw mismatch('a page repeated tenants already read');
      for (const t of fresh) seen.add(t.id);
      all.push(...fresh);
    };

    if (wantMore() && first.items.length > 0) {
      const probe = await page(1);
      const head = probe.items[0]?.id;
      let mode: PagingMode;
      if (head !== undefined && head === first.items[0]?.id) mode = 'pages-from-1';
      else if (head !== undefined && first.items.length > 1 && head === first.items[1]?.id) mode = 'items';
      else if (head !== undefined && !seen.has(head)) mode = 'pages-from-0';
      else throw mismatch('skip=1 answered neither the first page, nor the list from the second tenant, nor a new page');
      if (mode === 'items') take(probe.items.slice(first.items.length - 1));
      else if (mode === 'pages-from-0') take(probe.items);
      if (mode !== 'pages-from-1') lastPage = probe.items.length;
      // Bounded: no more pages than `count` (or a safety ceiling) allows, plus one empty answer.
      for (let n = 2; wantMore() && n <= (count ?? MAX_TENANT_PAGES) + 1; n++) {
        const next = await page(mode === 'items' ? all.length : n);
        lastPage = next.items.length;
        if (next.items.length === 0) break;
        take(next.items);
      }
    }
    if (count !== undefined && all.length !== count) throw mismatch('the pages do not add up to count');
    for (const t of all) if (t.id) this.knownTenants.set(t.id, t);
    return all;
  }

  /**
   * The one tenant gwkit.yaml means (tenant-lookup.ts), from the full list: OData `eq` filters may
   * be case-sensitive and know nothing of xn-- forms, so none is used.
   */
  async findTenant(ref: TenantRef): Promise<TenantSummary> {
    return pickTenant(await this.listTenants(), ref, this.transport.baseUrl);
  }

  /** Act inside tenant `id` for the rest of this session (system admin only). */
  async switchTenant(id: string): Promise<void> {
    this.tenantContext = undefined;
    await this.api('post', '/tenants/switch', { query: { id }, idempotent: true });
    this.tenantContext = { id, token: this.token.access };
    this.tenantLabel = this.knownTenants.get(id)?.name ?? id;
  }

  /** Switch to tenant `id` unless this session already acts there with its current token. */
  async useTenant(id: string): Promise<void> {
    if (this.tenantContext?.id === id && this.tenantContext.token === this.token?.access) {
      this.tenantLabel = this.knownTenants.get(id)?.name ?? this.tenantLabel;
      return;
    }
    await this.switchTenant(id);
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
  // --- Microsoft 365 integration (tenant level) ---------------------------------------------------

  /** `redirect_uri`/`sbc_redirect_uri` are read-only: read them, never build them (docs/microsoft-365.md). */
  async getMs365(): Promise<Ms365Integration> {
    return this.api('get', '/ms365');
  }

  /** Absolute values: safe to repeat. */
  async setMs365(body: Ms365IntegrationUpdate): Promise<void> {
    await this.api('post', '/ms365', { json: body, idempotent: true });
  }

  /**
   * The PBX's public certificate, as served (PEM text or DER bytes); undefined when none was
   * generated: a 404, or its NOT_FOUND error in a 2xx answer (the spec allows errors in 2xx).
   */
  async downloadMs365Certificate(): Promise<Buffer | string | undefined> {
    try {
      return (await this.api('get', '/ms365/certificate', { idempotent: true })) as unknown as Buffer | string;
    } catch (error) {
      if (
        error instanceof PortSipError &&
        (error.status === 404 || (error.status !== undefined && error.status < 300 && error.code === 'NOT_FOUND'))
      )
        return undefined;
      throw error;
    }
  }

  /** A new key pair on the PBX (valid a year): the old certificate stops working there at once. Not repeated after a timeout. */
  async generateMs365Certificate(): Promise<Buffer | string> {
    return (await this.api('post', '/ms365/certificate')) as unknown as Buffer | string;
  }

  /** The users the PBX reads from Microsoft 365 (it asks Graph on each call). */
  async listMs365Users(): Promise<Ms365Users> {
    return this.api('get', '/ms365/users', { idempotent: true });
  }

  /** Stop the integration (PortSIP v22.6+). */
  async destroyMs365(): Promise<void> {
    await this.api('post', '/ms365/destroy', { idempotent: true });
  }

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
        if (failed(res.status, res.body) && res.status !== 401) throw this.fail('POST /login/oauth/revoke', res.status, res.body);
      }
    } finally {
      this.token = undefined as unknown as TokenState;
      this.tenantContext = undefined;
      await this.transport.close();
    }
  }

  /** Typed call of a PortSIP operation, with token refresh and one re-login on 401. */
  private async api<P extends PortSipPath, M extends HttpMethod>(method: M, path: P, init: ApiInit = {}): Promise<ResponseOf<P, M>> {
    const operation = `${method.toUpperCase()} ${path}`;
    if (!this.token)
      throw new PortSipError({ code: 'LOGGED_OUT', operation, tenant: this.tenantLabel, detail: 'this session was logged out' });
    await this.ensureFresh();
    this.assertTenantContext(path, operation);
    const qs = init.query
      ? `?${new URLSearchParams(Object.entries(init.query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`
      : '';
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
      this.assertTenantContext(path, operation);
      res = await send();
    }
    if (failed(res.status, res.body)) throw this.fail(operation, res.status, res.body);
    return res.body as ResponseOf<P, M>;
  }

  /**
   * A system admin's tenant endpoints run only with a token that was switched into the tenant.
   * Renewals re-apply the switch, so this fires only when that failed: then nothing goes out.
   */
  private assertTenantContext(path: string, operation: string): void {
    if ((this.opts.tenantBound ?? !!this.opts.domain) || !TENANT_SCOPED.test(path)) return;
    if (this.tenantContext && this.tenantContext.token === this.token.access) return;
    throw new PortSipError({
      code: ClientErrorCode.TenantContextLost,
      operation,
      tenant: this.tenantLabel,
      detail: 'this session is not provably switched into the tenant (no switch with the current access token); nothing was sent',
    });
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

  /** The tenant-context token follows a renewal only through a successful re-switch. */
  private async reswitch(): Promise<void> {
    const context = this.tenantContext;
    if (!context) return;
    this.tenantContext = undefined;
    const res = await this.transport.call({
      method: 'POST',
      path: `/tenants/switch?${new URLSearchParams({ id: context.id }).toString()}`,
      operation: 'POST /tenants/switch',
      tenant: this.tenantLabel,
      bearer: this.token.access,
      idempotent: true,
      secrets: this.secrets,
    });
    if (failed(res.status, res.body)) throw this.fail('POST /tenants/switch', res.status, res.body);
    this.tenantContext = { id: context.id, token: this.token.access };
  }

  /** Refresh shortly before expiry: 20% of the lifetime, at most a minute. */
  private async ensureFresh(): Promise<void> {
    const margin = Math.min(60_000, this.token.ttlMs * 0.2);
    if (this.clock.now() >= this.token.expiresAt - margin) await this.renew(false);
  }

  /** Single-flight: concurrent calls share one refresh/login. */
  private renew(forceLogin: boolean): Promise<void> {
    this.renewing ??= (async () => {
      try {
        if (!forceLogin) {
          let refreshed = false;
          try {
            await this.grant({ grant_type: 'refresh_token', refresh_token: this.token.refresh, client_id: PORTSIP_CLIENT_ID });
            refreshed = true;
          } catch (e) {
            if (!(e instanceof PortSipError) || e.status === undefined || e.status >= 500) throw e;
            // refresh token refused: fall through to a password login
          }
          if (refreshed) {
            // A new token: the switch may not carry over (it may belong to the token), so redo it.
            await this.reswitch();
            return;
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
    await this.grant({
      grant_type: 'password',
      username,
      password,
      scope: 'all',
      client_id: PORTSIP_CLIENT_ID,
      ...(domain ? { domain } : {}),
    });
    await this.reswitch();
  }

  /** Who logs in where, for messages (never the password). */
  private who(): string {
    return `'${this.opts.username}'${this.opts.domain ? ` in domain '${this.opts.domain}'` : ''} at ${new URL(this.transport.baseUrl).host}`;
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
    const answer = res.body as Partial<TokenResponse> & Record<string, unknown>;
    if (form.grant_type === 'password') {
      // 2FA (PortSIP v22.6): a challenge instead of a token, or a refusal that names the factor.
      const err = errorOf(res.body);
      // A 2xx without a token is a challenge whatever its fields are called: asking again (per
      // tenant, per worker) could only send more one-time codes.
      const challenged = !failed(res.status, res.body)
        ? typeof answer?.access_token !== 'string'
        : !!err && SECOND_FACTOR.test(`${err.code} ${err.message}`);
      if (challenged) throw new PbxLoginChallengedError(this.who());
    }
    if (failed(res.status, res.body)) {
      const e = this.fail(operation, res.status, res.body);
      if (form.grant_type === 'password') {
        const who = this.who();
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
    const t = answer as TokenResponse;
    if (!t || typeof t.access_token !== 'string' || typeof t.expires_in !== 'number') {
      throw new PortSipError({
        status: res.status,
        code: ClientErrorCode.BadResponse,
        operation,
        tenant: this.tenantLabel,
        detail: 'token answer without access_token/expires_in',
      });
    }
    const ttlMs = t.expires_in * 1000;
    this.token = { access: t.access_token, refresh: t.refresh_token, expiresAt: this.clock.now() + ttlMs, ttlMs };
  }
}
