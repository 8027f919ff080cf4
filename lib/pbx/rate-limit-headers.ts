/**
 * What an HTTP answer says about the server's rate limit, read from its headers.
 *
 * PortSIP documents none of these (only the limit itself, in its knowledge base); a gateway or
 * proxy in front of a PBX may send them, so gwkit reads the common forms and otherwise learns the
 * limit from 429s (lib/pbx/request-budget.ts):
 * - `Retry-After`: seconds or an HTTP date (RFC 9110 §10.2.3);
 * - `X-RateLimit-Limit` / `-Remaining` / `-Reset` (also `X-Rate-Limit-*`, and `RateLimit-*` of the
 *   IETF httpapi drafts up to -06, where the limit may carry its window: `100, 100;w=60`);
 * - `RateLimit-Policy: "default";q=100;w=60` with `RateLimit: "default";r=0;t=30` (drafts -07 on).
 * A reset is seconds from now, or a Unix time when it is that large. A limit without a window is
 * taken as per minute, as PortSIP's is.
 */
import type { RateLimitSignals } from './request-budget';

/** Reads a header by (case-insensitive) name: fetch's `Headers` fits. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** Retry-After in ms from `now`, or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const DEFAULT_WINDOW_SECONDS = 60;
/** A reset above this many seconds is a Unix time, not a delay. */
const UNIX_TIME_FROM = 1e9;

function first(headers: HeaderSource, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null && value.trim() !== '') return value;
  }
  return undefined;
}

/** `key=value` parameter of a structured-field-like header (`q=100;w=60`). */
function param(value: string, key: string): number | undefined {
  const m = new RegExp(`(?:^|[;,\\s])${key}=(\\d+(?:\\.\\d+)?)`).exec(value);
  return m ? Number(m[1]) : undefined;
}

/** The leading non-negative number of a header value (`100, 100;w=60` → 100). */
function leading(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)/.exec(value);
  return m ? Number(m[1]) : undefined;
}

function perMinute(limit: number | undefined, windowSeconds: number | undefined): number | undefined {
  if (limit === undefined || !(limit >= 1)) return undefined;
  const window = windowSeconds !== undefined && windowSeconds > 0 ? windowSeconds : DEFAULT_WINDOW_SECONDS;
  return (limit * 60) / window;
}

function resetMs(seconds: number | undefined, now: number): number | undefined {
  if (seconds === undefined) return undefined;
  if (seconds >= UNIX_TIME_FROM * 1000) return Math.max(0, seconds - now); // Unix time in ms
  if (seconds >= UNIX_TIME_FROM) return Math.max(0, seconds * 1000 - now);
  return seconds * 1000;
}

export function rateLimitSignals(headers: HeaderSource, now: number): RateLimitSignals {
  const signals: RateLimitSignals = {};
  const retry = retryAfterMs(headers.get('retry-after'), now);
  if (retry !== undefined) signals.retryAfterMs = retry;

  const policy = first(headers, ['ratelimit-policy']);
  const limitHeader = first(headers, ['x-ratelimit-limit', 'x-rate-limit-limit', 'ratelimit-limit']);
  const limit = policy
    ? perMinute(param(policy, 'q') ?? leading(policy), param(policy, 'w'))
    : limitHeader
      ? perMinute(leading(limitHeader), param(limitHeader, 'w'))
      : undefined;
  if (limit !== undefined) signals.limitPerMinute = limit;

  const combined = first(headers, ['ratelimit']);
  const remaining = combined
    ? param(combined, 'r')
    : leading(first(headers, ['x-ratelimit-remaining', 'x-rate-limit-remaining', 'ratelimit-remaining']) ?? '');
  const reset = combined
    ? param(combined, 't')
    : leading(first(headers, ['x-ratelimit-reset', 'x-rate-limit-reset', 'ratelimit-reset']) ?? '');
  if (remaining !== undefined) signals.remaining = remaining;
  const resetIn = resetMs(reset, now);
  if (resetIn !== undefined) signals.resetMs = resetIn;
  return signals;
}
