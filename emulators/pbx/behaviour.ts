/**
 * Switches for what PortSIP's OpenAPI spec leaves open. Each one picks a reading of the spec the
 * emulator then follows; the defaults are the emulator's original behaviour. Tests flip them to
 * check that the product copes with every reading (see README.md, "Behaviours the spec leaves open").
 */

export interface PbxBehaviour {
  /**
   * What `GET /google` and `GET /admin/google` return in `client_secret` once a secret is set
   * (the spec types it as a plain string and says nothing about masking):
   * `'echo'` the secret itself (default), `'masked'` `'******'`, `'empty'` `''`, `'partial'` the
   * first 7 and last 4 characters around `****` (as some consoles show secrets).
   * With no secret set the answer is `''` in every mode.
   */
  secretOnRead: 'echo' | 'masked' | 'empty' | 'partial';
  /**
   * `POST /tenant/notification` and `POST /admin/notification` (the spec's introduction: POST is
   * "used for creating, replacing or deleting resources"):
   * `'merge'` (default) changes only the fields given; `'replace'` sets the settings to the request
   * schema's defaults plus exactly the fields given: fields without a schema default are reset to
   * empty (`server` `''`, `port` `0`, `username` `''`) or removed (`reply_to`, `recipients`,
   * thresholds), a password not given is dropped.
   */
  notificationPost: 'merge' | 'replace';
  /**
   * Who owns the `POST /tenants/switch` selection of a system administrator:
   * `'session'` (default) the login session, so a token from a `refresh_token` grant is still in the
   * tenant; `'token'` the access token, so a refreshed token starts with no tenant selected.
   * Tenant administrators keep their fixed tenant either way.
   */
  switchScope: 'session' | 'token';
  /**
   * Meaning of `skip` on `GET /tenants`: `'items'` (default) the number of items to skip (the
   * parameter's own description); `'pages'` a 1-based page number (the spec's introduction, "skip
   * numbering is 1-based"): omitted, 0 or 1 = first page, n = items (n-1)*size .. n*size-1;
   * `'pages-from-0'` a 0-based page number: omitted or 0 = first page, n = items n*size ..;
   * `'ignored'` skip is ignored: every answer is the first page.
   */
  paging: 'items' | 'pages' | 'pages-from-0' | 'ignored';
  /** `GET /tenants` includes `count` (default `true`; the schema does not require it). */
  listCount: boolean;
  /**
   * Largest page the server answers, whatever `top` asks for (default 100, the spec's maximum of
   * `top`): the page size is `min(top, maxPageSize)`. `count` is always the total matching the filter.
   */
  maxPageSize: number;
  /**
   * `enabled` on `GET /tenants` items (the schema does not require it; its default is true):
   * `'always'` (default) the field is there for every tenant; `'when-false'` it is left out for
   * enabled tenants and sent only as `false`.
   */
  listEnabled: 'always' | 'when-false';
  /** OData `eq` on strings in `filter`: `'sensitive'` (default) or `'insensitive'`. */
  filterCase: 'sensitive' | 'insensitive';
  /**
   * `true`: an error answered to an authenticated API call (4xx from a handler or from request
   * validation; not 401, not injected faults, not rate limiting, not the login endpoint) is sent
   * with HTTP 200 and the same `{"errors":[...]}` body. Default `false`.
   */
  errorsOn2xx: boolean;
  /**
   * Rate limit: at most this many API requests (login included, consent callbacks excluded) in any
   * sliding 60-second window; beyond it 429 `TOO_MANY_REQUESTS` with `Retry-After` (whole seconds
   * until a slot frees, at least 1). Rejected requests do not take a slot. Default: unlimited.
   */
  requestsPerMinute?: number;
  /**
   * How the rate limit counts (PortSIP does not say): `'sliding'` (default) any 60 s window, or
   * `'fixed'` per clock minute (the count starts again at every full minute).
   */
  rateWindow: 'sliding' | 'fixed';
  /**
   * What the rate limit tells a client (PortSIP documents no header): `'retry-after'` (default)
   * `Retry-After` on a 429; `'none'` a bare 429; `'x-ratelimit'` `X-RateLimit-Limit`,
   * `-Remaining` and `-Reset` (seconds until a slot frees) on every API answer plus `Retry-After`
   * on a 429; `'ratelimit'` the IETF draft's `RateLimit-Policy: "minute";q=N;w=60` and
   * `RateLimit: "minute";r=N;t=S` on every API answer, no `Retry-After`.
   */
  rateLimitHeaders: 'retry-after' | 'none' | 'x-ratelimit' | 'ratelimit';
  /** Every API answer is held back this many milliseconds (benchmarks). Default 0. */
  latencyMs: number;
  /**
   * `GET`/`POST /ms365/certificate` answer application/octet-stream and say no more: the
   * certificate as PEM text (PortSIP's guide downloads `public_key.pem`) or as DER bytes.
   */
  ms365CertificateFormat: 'pem' | 'der';
  /** `POST /ms365` ("creates or replaces"): merge the fields given, or reset every field not given. */
  ms365Post: 'merge' | 'replace';
}

/** The emulator's original behaviour. */
export const DEFAULT_BEHAVIOUR: Readonly<PbxBehaviour> = Object.freeze({
  secretOnRead: 'echo',
  notificationPost: 'merge',
  switchScope: 'session',
  paging: 'items',
  listCount: true,
  maxPageSize: 100,
  listEnabled: 'always',
  filterCase: 'sensitive',
  errorsOn2xx: false,
  requestsPerMinute: undefined,
  rateWindow: 'sliding',
  rateLimitHeaders: 'retry-after',
  latencyMs: 0,
  ms365CertificateFormat: 'pem',
  ms365Post: 'merge',
});

const CHOICES: { [K in keyof PbxBehaviour]?: readonly string[] } = {
  secretOnRead: ['echo', 'masked', 'empty', 'partial'],
  notificationPost: ['merge', 'replace'],
  switchScope: ['session', 'token'],
  paging: ['items', 'pages', 'pages-from-0', 'ignored'],
  listEnabled: ['always', 'when-false'],
  filterCase: ['sensitive', 'insensitive'],
  ms365CertificateFormat: ['pem', 'der'],
  ms365Post: ['merge', 'replace'],
  rateWindow: ['sliding', 'fixed'],
  rateLimitHeaders: ['retry-after', 'none', 'x-ratelimit', 'ratelimit'],
};

/** `base` with `change` applied, checked; throws on an unknown switch or value. */
export function applyBehaviour(base: Readonly<PbxBehaviour>, change: Partial<PbxBehaviour> = {}): Readonly<PbxBehaviour> {
  const next: PbxBehaviour = { ...base };
  for (const [key, value] of Object.entries(change) as [keyof PbxBehaviour, unknown][]) {
    if (!(key in DEFAULT_BEHAVIOUR)) throw new Error(`unknown behaviour '${key}'`);
    const choices = CHOICES[key];
    if (choices && !choices.includes(value as string))
      throw new Error(`behaviour ${key} must be one of ${choices.join(', ')}, not '${String(value)}'`);
    if (key === 'errorsOn2xx' && typeof value !== 'boolean') throw new Error('behaviour errorsOn2xx must be a boolean');
    if (key === 'maxPageSize' && !(Number.isInteger(value) && (value as number) >= 1))
      throw new Error('behaviour maxPageSize must be an integer >= 1');
    if (key === 'latencyMs' && !(typeof value === 'number' && value >= 0)) throw new Error('behaviour latencyMs must be a number >= 0');
    if (key === 'requestsPerMinute' && value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) {
      throw new Error('behaviour requestsPerMinute must be an integer >= 1 (or undefined: unlimited)');
    }
    (next as unknown as Record<string, unknown>)[key] = value;
  }
  return Object.freeze(next);
}
