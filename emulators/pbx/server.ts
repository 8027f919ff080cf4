/**
 * A spec-faithful PortSIP PBX over real HTTPS: every request is authenticated and validated
 * against the vendored OpenAPI spec (+ supplement) before a handler sees it, and every answer is
 * validated again before it leaves. An invalid answer is an emulator bug: it becomes a 500 and is
 * recorded in `state.violations`, which tests assert stays empty.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createEmulatorCa, type EmulatorCa } from '../tls';
import { applyBehaviour, DEFAULT_BEHAVIOUR, type PbxBehaviour } from './behaviour';
import { GoogleConnector, type GoogleEndpoints } from './google';
import { ApiError, HANDLERS, type HandlerContext } from './handlers';
import { connectMicrosoft, type MicrosoftEndpoints } from './ms365';
import { portSipSpec } from './spec';
import {
  DEFAULT_TENANTS,
  DEFAULT_USERS,
  type EmulatorState,
  type EmulatorTenantInit,
  type EmulatorUserInit,
  type GoogleSlot,
  type Session,
  type TenantState,
  createState,
  newTenant,
  redact,
} from './state';

export interface PbxEmulatorOptions {
  /** Default: Acme (acme.pbx.test) and Globex (globex.pbx.test, behind an SBC). */
  tenants?: EmulatorTenantInit[];
  /** Default: system admin `admin`/`admin-password`, tenant admin `acme-admin`/`acme-password`@acme.pbx.test. */
  users?: EmulatorUserInit[];
  /** Access token lifetime in seconds (PortSIP: 1800). */
  accessTokenTtlSeconds?: number;
  /** Google endpoints the PBX talks to during consent and test mails. */
  google?: GoogleEndpoints;
  /** Microsoft endpoints the PBX reads users from (`GET /ms365/users`). */
  microsoft?: MicrosoftEndpoints;
  /** CA to issue the server certificate from (share one with the Google emulator); default: a new one. */
  ca?: EmulatorCa;
  host?: string;
  port?: number;
  /** Readings of what the spec leaves open (see `PbxBehaviour`); unset switches keep `DEFAULT_BEHAVIOUR`. */
  behaviour?: Partial<PbxBehaviour>;
  /** The emulator's clock in ms since the epoch (rate-limit window, token expiry); default `Date.now`. */
  now?: () => number;
}

export { DEFAULT_BEHAVIOUR, type PbxBehaviour };

export interface PbxEmulator {
  /** Base URL of the API, `https://127.0.0.1:PORT/api`. */
  readonly url: string;
  /** `https://127.0.0.1:PORT` */
  readonly origin: string;
  /** PEM file of the CA that signed the server certificate. */
  readonly caFile: string;
  readonly ca: EmulatorCa;
  readonly state: EmulatorState;
  /** The readings in force (a frozen copy; change them with `setBehaviour`). */
  readonly behaviour: Readonly<PbxBehaviour>;
  /** Change some readings from the next request on; the others stay as they are. */
  setBehaviour(change: Partial<PbxBehaviour>): void;
  /**
   * Answer the next `times` matching requests with `status` (not processed). `path` is below /api.
   * With `tenant` (id, name or domain), only requests made inside that PBX tenant match: one
   * tenant's fault in a fleet run, whatever order the tenants run in.
   */
  failNext(method: string, path: string, status: number, times?: number, options?: { retryAfterSeconds?: number; tenant?: string }): void;
  /** Process the next `times` matching requests, but hold the answer back for `ms`. */
  delayNext(method: string, path: string, ms: number, times?: number): void;
  /**
   * Answer the next `times` matching requests (not processed) with HTTP 200 and
   * `{"errors":[{"code","message"}]}`, as a PBX reporting errors on 2xx would (whatever `errorsOn2xx` says).
   */
  errorBodyNext(method: string, path: string, code: string, message: string, times?: number): void;
  /** Expire every access token now (refresh tokens stay valid). */
  expireAccessTokens(): void;
  /** The slot behind a tenant (by id, name or domain) or the system (`undefined`). */
  googleSlot(tenantRef?: string): GoogleSlot;
  /** Create a tenant, as the portal would (bounds of the spec checked: see `newTenant`). */
  addTenant(init: EmulatorTenantInit): void;
  /** Disable or enable a tenant (by id, name or domain): `enabled` in GET /tenants. */
  setTenantEnabled(tenantRef: string, enabled: boolean): void;
  close(): Promise<void>;
}

interface Fault {
  method: string;
  path: string;
  remaining: number;
  status?: number;
  retryAfterSeconds?: number;
  /** Only requests made inside this PBX tenant (its id). */
  tenantId?: string;
  delayMs?: number;
  errorBody?: { code: string; message: string };
}

type FaultKind = 'status' | 'delay' | 'errorBody';

/** Length of the rate-limit window (`requestsPerMinute`). */
const RATE_WINDOW_MS = 60_000;

/** Consent callback paths (browser coming back from Google; not part of the REST API). */
export const CALLBACK_PATH = '/api/google/oauth2callback';
export const SBC_CALLBACK_PATH = '/sbc/api/google/oauth2callback';

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'VALIDATE_FAILED', 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function errorBody(code: string, message: string, detail?: unknown): unknown {
  return { errors: [{ code, message, ...(detail === undefined ? {} : { detail }) }] };
}

function html(title: string, message: string, ok: boolean): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1 id="result" data-ok="${ok}">${esc(title)}</h1><p id="message">${esc(message)}</p></body></html>`;
}

export async function startPbxEmulator(options: PbxEmulatorOptions = {}): Promise<PbxEmulator> {
  const spec = portSipSpec();
  const ca = options.ca ?? createEmulatorCa('gwkit PBX emulator CA');
  const { key, cert } = ca.issue();
  const state = createState(options.tenants ?? DEFAULT_TENANTS, options.users ?? DEFAULT_USERS);
  const google = new GoogleConnector(options.google);
  const accessTtlSeconds = options.accessTokenTtlSeconds ?? 1800;
  const faults: Fault[] = [];
  const now = options.now ?? Date.now;
  let behaviour = applyBehaviour(DEFAULT_BEHAVIOUR, options.behaviour);
  /** When the API requests of the last minute were admitted (oldest first): `rateWindow: 'sliding'`. */
  const admitted: number[] = [];
  /** Requests admitted in the current clock minute: `rateWindow: 'fixed'`. */
  const fixedWindow = { minute: -1, count: 0 };
  let origin = '';

  const redirectUris = (tenant?: TenantState) => ({
    redirect_uri: `${origin}${CALLBACK_PATH}`,
    ...(tenant?.sbc ? { sbc_redirect_uri: `${origin}${SBC_CALLBACK_PATH}` } : {}),
  });

  /** A fault for this request; tenant-bound faults are looked up once the session (and its tenant) is known. */
  const takeFault = (method: string, path: string, kind: FaultKind, inTenant?: { tenantId?: string }): Fault | undefined => {
    const key = ({ status: 'status', delay: 'delayMs', errorBody: 'errorBody' } as const)[kind];
    const f = faults.find(
      (x) =>
        x.method === method &&
        x.path === path &&
        x.remaining > 0 &&
        x[key] !== undefined &&
        (inTenant ? x.tenantId !== undefined && x.tenantId === inTenant.tenantId : x.tenantId === undefined),
    );
    if (f) f.remaining--;
    return f;
  };

  /**
   * Admit an API request into the rate-limit window (`requestsPerMinute`, `rateWindow`): whether it
   * is refused, in how many seconds a slot frees (at least 1 when refused), and the slots left.
   */
  const rateLimit = (b: Readonly<PbxBehaviour>): { refused: boolean; resetSeconds: number; remaining: number } | undefined => {
    const limit = b.requestsPerMinute;
    const t = now();
    if (limit === undefined) {
      admitted.push(t); // counted, so that a limit switched on at run time sees the last minute
      while (admitted.length && admitted[0]! <= t - RATE_WINDOW_MS) admitted.shift();
      return undefined;
    }
    const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
    if (b.rateWindow === 'fixed') {
      const minute = Math.floor(t / RATE_WINDOW_MS);
      if (fixedWindow.minute !== minute) Object.assign(fixedWindow, { minute, count: 0 });
      const refused = fixedWindow.count >= limit;
      if (!refused) fixedWindow.count++;
      return { refused, resetSeconds: seconds((minute + 1) * RATE_WINDOW_MS - t), remaining: limit - fixedWindow.count };
    }
    while (admitted.length && admitted[0]! <= t - RATE_WINDOW_MS) admitted.shift();
    const refused = admitted.length >= limit;
    if (!refused) admitted.push(t);
    // Below the limit again once the (length - limit + 1) oldest admissions have left the window.
    const freesAt = admitted[Math.max(0, admitted.length - limit)]! + RATE_WINDOW_MS;
    return { refused, resetSeconds: seconds(freesAt - t), remaining: limit - admitted.length };
  };

  /** The rate-limit headers of one answer, as `rateLimitHeaders` says. */
  const rateHeaders = (
    b: Readonly<PbxBehaviour>,
    window: { refused: boolean; resetSeconds: number; remaining: number },
  ): Record<string, string> => {
    const retryAfter: Record<string, string> = window.refused ? { 'retry-after': String(window.resetSeconds) } : {};
    switch (b.rateLimitHeaders) {
      case 'none':
        return {};
      case 'retry-after':
        return retryAfter;
      case 'x-ratelimit':
        return {
          ...retryAfter,
          'x-ratelimit-limit': String(b.requestsPerMinute),
          'x-ratelimit-remaining': String(window.remaining),
          'x-ratelimit-reset': String(window.resetSeconds),
        };
      case 'ratelimit':
        return {
          'ratelimit-policy': `"minute";q=${b.requestsPerMinute};w=60`,
          ratelimit: `"minute";r=${window.remaining};t=${window.resetSeconds}`,
        };
    }
  };

  const allSlots = (): { slot: GoogleSlot; tenant?: TenantState }[] => [
    { slot: state.system.google },
    ...[...state.tenants.values()].map((t) => ({ slot: t.google, tenant: t })),
  ];

  /** Google sends the browser back here with `code` (or `error`) and our opaque `state`. */
  async function consentCallback(url: URL, viaSbc: boolean): Promise<{ status: number; page: string }> {
    const found = allSlots().find((s) => s.slot.client_id && s.slot.consentState === url.searchParams.get('state'));
    if (!found)
      return {
        status: 400,
        page: html(
          'Google Workspace authorization failed',
          'Unknown or outdated authorization request (state). Start again from the PBX.',
          false,
        ),
      };
    const { slot } = found;
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (error || !code) {
      slot.lastConsentError = error ?? 'no authorization code';
      const why =
        error === 'access_denied' ? 'access was denied on the Google consent screen' : `Google answered: ${slot.lastConsentError}`;
      return { status: 400, page: html('Google Workspace authorization failed', `Authorization failed: ${why}.`, false) };
    }
    const uris = redirectUris(found.tenant);
    const answer = await google.token({
      grant_type: 'authorization_code',
      code,
      client_id: slot.client_id,
      client_secret: slot.client_secret,
      redirect_uri: viaSbc && uris.sbc_redirect_uri ? uris.sbc_redirect_uri : uris.redirect_uri,
    });
    if (!answer.ok || typeof answer.body.refresh_token !== 'string') {
      slot.lastConsentError = answer.ok ? 'Google returned no refresh token' : answer.error;
      return {
        status: 502,
        page: html(
          'Google Workspace authorization failed',
          `Authorization failed: the code exchange did not succeed (${slot.lastConsentError}).`,
          false,
        ),
      };
    }
    slot.refreshToken = answer.body.refresh_token;
    delete slot.lastConsentError;
    return {
      status: 200,
      page: html('Google Workspace authorization completed', 'Google Workspace authorization completed. You can close this window.', true),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', origin);
    const raw = await readBody(req);

    if (method === 'GET' && (url.pathname === CALLBACK_PATH || url.pathname === SBC_CALLBACK_PATH)) {
      const { status, page } = await consentCallback(url, url.pathname === SBC_CALLBACK_PATH);
      state.requests.push({ method, path: url.pathname, status });
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      return;
    }

    const b = behaviour; // one reading per request, even if setBehaviour runs meanwhile
    const apiPath = url.pathname.startsWith('/api/') ? url.pathname.slice(4) : undefined;
    const matched = apiPath ? spec.match(method, apiPath) : { params: {}, pathExists: false };
    const op = matched.op;
    let session: Session | undefined;
    let body: unknown;
    let status = 200;
    let out: unknown;
    let binary: { data: Buffer; filename: string } | undefined;
    /** Answered by the emulator itself (injected fault, rate limit), not by the PBX logic. */
    let injected = false;
    /** The answer is an error body on HTTP 200 (errorsOn2xx, errorBodyNext). */
    let errorBodyOn2xx = false;

    try {
      const window = apiPath === undefined ? undefined : rateLimit(b);
      if (window) for (const [name, value] of Object.entries(rateHeaders(b, window))) res.setHeader(name, value);
      if (window?.refused) {
        injected = true;
        state.rateLimited++;
        throw new ApiError(
          429,
          'TOO_MANY_REQUESTS',
          `Rate limit of ${b.requestsPerMinute} requests per minute exceeded; retry in ${window.resetSeconds} s.`,
        );
      }
      if (!op) {
        throw matched.pathExists
          ? new ApiError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}`)
          : new ApiError(404, 'NOT_FOUND', `No such API: ${url.pathname}`);
      }
      const fault = takeFault(method, apiPath!, 'status');
      if (fault) {
        injected = true;
        if (fault.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(fault.retryAfterSeconds));
        throw new ApiError(
          fault.status!,
          fault.status === 429 ? 'TOO_MANY_REQUESTS' : fault.status === 503 ? 'SERVICE_UNAVAILABLE' : 'UNKNOWN',
          `Injected fault: HTTP ${fault.status}`,
        );
      }
      const bodyFault = takeFault(method, apiPath!, 'errorBody');
      if (bodyFault) {
        injected = true;
        errorBodyOn2xx = true;
        throw new ApiError(200, bodyFault.errorBody!.code, bodyFault.errorBody!.message);
      }

      const contentType = req.headers['content-type'];
      if (raw.length > 0) {
        const text = raw.toString('utf8');
        if (/^application\/json/i.test(contentType ?? '')) {
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
        } else if (/^application\/x-www-form-urlencoded/i.test(contentType ?? '')) {
          body = Object.fromEntries(new URLSearchParams(text));
        }
      }

      if (op.secured) {
        const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        session = auth ? state.sessions.get(auth) : undefined;
        if (!session) throw new ApiError(401, 'UNAUTHORIZED', 'Missing or invalid access token.');
        if (session.expiresAt <= now()) throw new ApiError(401, 'UNAUTHORIZED', 'The access token has expired.');
        const tenantFault = takeFault(method, apiPath!, 'status', session);
        if (tenantFault) {
          injected = true;
          throw new ApiError(
            tenantFault.status!,
            tenantFault.status === 503 ? 'SERVICE_UNAVAILABLE' : 'UNKNOWN',
            `Injected fault: HTTP ${tenantFault.status}`,
          );
        }
      }

      const query = Object.fromEntries(url.searchParams) as Record<string, string>;
      const problems = spec.validateRequest(op, { query, pathParams: matched.params, contentType, body, rawBodyLength: raw.length });
      if (problems.length) throw new ApiError(400, 'VALIDATE_FAILED', 'field validation failed', problems);

      const handler = HANDLERS[`${method} ${op.template}`];
      if (!handler) throw new ApiError(501, 'NOT_IMPLEMENTED', `${method} ${op.template} is in the PortSIP spec but not emulated.`);
      const ctx: HandlerContext = {
        state,
        google,
        session,
        query,
        body: (body ?? {}) as Record<string, unknown>,
        redirectUris,
        accessTtlSeconds,
        refreshTtlSeconds: 7 * 24 * 3600,
        behaviour: b,
        now,
      };
      const result = await handler(ctx);
      status = result.status;
      out = result.body;
      binary = result.binary;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      status = e.status;
      out = errorBody(e.code, e.message, e.detail);
      // errorsOn2xx: what the PBX logic refuses in an authenticated call (not 401, which comes
      // before authentication, nor what the emulator itself injects) is reported with HTTP 200.
      if (b.errorsOn2xx && !injected && session && status >= 400 && status < 500 && status !== 401) {
        status = 200;
        errorBodyOn2xx = true;
      }
    }

    const hasBody = out !== undefined;
    const problems = binary ? spec.validateBinaryResponse(op, status) : spec.validateResponse(op, status, out, hasBody, { errorBodyOn2xx });
    if (problems.length) binary = undefined;
    if (problems.length && status !== 501) {
      state.violations.push({ method, path: url.pathname, status, problems });
      status = 500;
      out = errorBody(
        'EMULATOR_RESPONSE_INVALID',
        'The emulator produced a response that violates the PortSIP spec (see state.violations).',
      );
    }

    const tenantId = session?.tenantId;
    state.requests.push({
      method,
      path: url.pathname,
      tenant: tenantId ? state.tenants.get(tenantId)?.name : undefined,
      user: session?.username,
      status,
      body: body === undefined ? undefined : redact(body),
    });

    if (apiPath !== undefined && b.latencyMs > 0) await new Promise((r) => setTimeout(r, b.latencyMs));
    const delay = apiPath ? takeFault(method, apiPath, 'delay') : undefined;
    if (delay) await new Promise((r) => setTimeout(r, delay.delayMs));
    if (res.destroyed) return;
    if (binary)
      res
        .writeHead(status, {
          'content-type': 'application/octet-stream',
          'content-disposition': `attachment; filename="${binary.filename}"`,
        })
        .end(binary.data);
    else if (out === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  }

  const server = createServer({ key, cert }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      state.violations.push({
        method: req.method ?? '',
        path: req.url ?? '',
        status: 500,
        problems: [{ where: 'emulator', message: String(e) }],
      });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errorBody('UNKNOWN', 'unknown error')));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `https://${host}:${address.port}`;
  connectMicrosoft(state, origin, options.microsoft);

  const findTenant = (ref: string): TenantState => {
    const t = [...state.tenants.values()].find((x) => x.id === ref || x.name === ref || x.domain === ref);
    if (!t) throw new Error(`emulator: no tenant '${ref}'`);
    return t;
  };

  return {
    url: `${origin}/api`,
    origin,
    caFile: ca.caFile,
    ca,
    state,
    get behaviour() {
      return behaviour;
    },
    setBehaviour(change) {
      behaviour = applyBehaviour(behaviour, change);
    },
    failNext(method, path, status, times = 1, opts = {}) {
      const tenantId = opts.tenant === undefined ? undefined : findTenant(opts.tenant).id;
      faults.push({ method: method.toUpperCase(), path, status, remaining: times, retryAfterSeconds: opts.retryAfterSeconds, tenantId });
    },
    delayNext(method, path, ms, times = 1) {
      faults.push({ method: method.toUpperCase(), path, delayMs: ms, remaining: times });
    },
    errorBodyNext(method, path, code, message, times = 1) {
      faults.push({ method: method.toUpperCase(), path, errorBody: { code, message }, remaining: times });
    },
    expireAccessTokens() {
      for (const s of state.sessions.values()) s.expiresAt = 0;
    },
    googleSlot(ref) {
      return ref === undefined ? state.system.google : findTenant(ref).google;
    },
    addTenant(init) {
      state.tenants.set(init.id, newTenant(init, state.tenants));
    },
    setTenantEnabled(ref, enabled) {
      findTenant(ref).enabled = enabled;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await google.close();
    },
  };
}
