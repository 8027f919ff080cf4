/**
 * HTTP to the PBX: verified TLS (system CAs plus an optional extra CA), a timeout on every
 * request, and retries only where repeating is safe.
 *
 * Retry policy (why): a GET, the login and explicitly idempotent writes are retried on 429, 5xx,
 * timeouts and network errors. Any other POST is retried only on 429/503, where the PBX said it
 * did not act; after a timeout it is NOT retried, because the PBX may have acted already (a second
 * test mail, for instance), and the caller gets a retryable PortSipError to decide. The waits
 * (doubling backoff with jitter, or the PBX's Retry-After, capped) are lib/retry.ts's, on the Clock.
 *
 * Every attempt takes a slot from the PBX's shared RequestBudget and reports back what became of
 * it (answered, refused with 429, no answer) with the rate-limit headers, so the budget learns the
 * PBX's real limit.
 */
import { fetch, type Agent } from 'undici';
import { systemClock, type Clock } from '../clock';
import { deadline } from '../https/deadline';
import { retrying, type AttemptOutcome } from '../retry';
import { trustedAgent } from '../https/trusted-agent';
import { ClientErrorCode, PortSipError, scrub } from './errors';
import { rateLimitSignals } from './rate-limit-headers';
import type { RateLimitSignals, RequestBudget } from './request-budget';

export interface TransportOptions {
  baseUrl: string;
  caFile?: string;
  timeoutMs?: number;
  retries?: number;
  /** Base backoff in ms (doubles per attempt, with jitter). */
  backoffMs?: number;
  /** Cap for a server's Retry-After, so a confused PBX cannot stall a run for hours (default 60 s: a per-minute limit frees a slot within a minute). */
  maxRetryAfterMs?: number;
  /** Requests per minute shared with every other session to this PBX; every attempt takes a slot. */
  budget?: RequestBudget;
  /** @default the system clock */
  clock?: Clock;
}

export interface CallSpec {
  method: 'GET' | 'POST';
  /** Path below the /api base, with query string. */
  path: string;
  /** Operation name for errors, e.g. `POST /google`. */
  operation: string;
  tenant?: string;
  bearer?: string;
  json?: unknown;
  form?: Record<string, string>;
  /** Safe to repeat after a timeout/5xx (GET, login, writes that set absolute values). */
  idempotent?: boolean;
  /** Secrets to keep out of error messages. */
  secrets?: Iterable<string | undefined>;
}

export interface CallResult {
  status: number;
  body: unknown;
}

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
]);

/** One attempt's answer and what its headers say about the PBX's rate limit. */
interface Answer {
  result: CallResult;
  signals: RateLimitSignals;
}

export class PbxTransport {
  readonly baseUrl: string;
  private readonly dispatcher: Agent;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly budget?: RequestBudget;
  private readonly clock: Clock;

  constructor(opts: TransportOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    if (!/^https:\/\//i.test(this.baseUrl)) {
      throw new PortSipError({
        code: 'BAD_URL',
        operation: 'connect',
        detail: `the PBX base URL must be https:// (got '${this.baseUrl}')`,
      });
    }
    // Shared by every session with the same trust: one TLS context, pooled connections.
    this.dispatcher = trustedAgent(opts.caFile, 'the PBX CA file (--ca-file or pbx.caFile)');
    this.budget = opts.budget;
    this.clock = opts.clock ?? systemClock;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.retries = opts.retries ?? 2;
    this.backoffMs = opts.backoffMs ?? 300;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  }

  async call(spec: CallSpec): Promise<CallResult> {
    const idempotent = spec.idempotent ?? spec.method === 'GET';
    const answer = await retrying(() => this.once(spec), {
      clock: this.clock,
      retries: this.retries,
      initialDelayMs: this.backoffMs,
      jitter: 0.25,
      maxWaitMs: this.maxRetryAfterMs,
      shouldRetry: (outcome) => this.shouldRetry(outcome, idempotent),
      // A 429 has already held the whole budget (every session to this PBX), see once().
      serverWaitMs: (outcome) => (outcome.ok ? outcome.value.signals.retryAfterMs : undefined),
    });
    return answer.result;
  }

  private shouldRetry(outcome: AttemptOutcome<Answer>, idempotent: boolean): boolean {
    if (!outcome.ok) {
      // No answer: only repeat what is safe to repeat; TLS failures never heal by retrying.
      const code = outcome.error instanceof PortSipError ? outcome.error.code : undefined;
      return idempotent && (code === ClientErrorCode.Timeout || code === ClientErrorCode.Network);
    }
    const { status } = outcome.value.result;
    if (status === 429 || status === 503) return true;
    return idempotent && status >= 500;
  }

  /** One attempt: an answer (any status); throws a PortSipError when none came. */
  private async once(spec: CallSpec): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (spec.bearer) headers.authorization = `Bearer ${spec.bearer}`;
    if (spec.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(spec.form).toString();
    } else if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }
    const slot = await this.budget?.take();
    const timeout = deadline(this.timeoutMs);
    try {
      const res = await fetch(`${this.baseUrl}${spec.path}`, {
        method: spec.method,
        headers,
        body,
        dispatcher: this.dispatcher,
        signal: timeout.signal,
      });
      const signals = rateLimitSignals(res.headers, this.clock.now());
      if (slot) {
        if (res.status === 429) this.budget!.refused(slot, signals);
        else this.budget!.answered(slot, signals);
      }
      // A file download (application/octet-stream) stays bytes: a DER certificate is not text.
      if (res.ok && /^application\/octet-stream/i.test(res.headers.get('content-type') ?? '')) {
        return { result: { status: res.status, body: Buffer.from(await res.arrayBuffer()) }, signals };
      }
      const text = await res.text();
      let parsed: unknown;
      if (text.length) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      return { result: { status: res.status, body: parsed }, signals };
    } catch (e) {
      if (slot) this.budget!.unanswered(slot);
      throw this.noAnswer(spec, e);
    } finally {
      timeout.done();
    }
  }

  private noAnswer(spec: CallSpec, e: unknown): PortSipError {
    const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string; name?: string } };
    const base = { operation: spec.operation, tenant: spec.tenant, cause: e };
    if (err.name === 'TimeoutError' || err.cause?.name === 'TimeoutError') {
      return new PortSipError({ ...base, code: ClientErrorCode.Timeout, detail: `no answer within ${this.timeoutMs} ms`, retryable: true });
    }
    const code = err.cause?.code;
    if (code && TLS_CODES.has(code)) {
      return new PortSipError({
        ...base,
        code: ClientErrorCode.Tls,
        detail: `the PBX certificate is not trusted (${code}); if the PBX uses a private CA, pass its certificate with --ca-file`,
      });
    }
    const reason = scrub(`${code ?? ''} ${err.cause?.message ?? err.message ?? String(e)}`.trim(), spec.secrets ?? []);
    return new PortSipError({
      ...base,
      code: ClientErrorCode.Network,
      detail: `could not reach ${this.baseUrl}: ${reason}`,
      retryable: true,
    });
  }

  /** Nothing to release per session: connections belong to the shared agent (lib/https). */
  async close(): Promise<void> {}
}
