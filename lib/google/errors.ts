/**
 * Turn a failed Google API call into a RemoteError whose message names what was being done
 * (project, secret) and Google's status, and says what to do about it.
 *
 * The raw GaxiosError is deliberately NOT attached as `cause`: its `config.data` holds the request
 * body, which for Secret Manager `addVersion` is the client secret. Only a plain summary is kept.
 */
import { systemClock, type Clock } from '../clock';
import { InputError, RemoteError } from '../errors';
import { retrying } from '../retry';
import { noCredentialsError } from './credentials-check';

/** What Google said, extracted from a GaxiosError / google.rpc.Status JSON error body. */
export interface GoogleErrorSummary {
  /** HTTP status, 0 when no answer (network, TLS, timeout). */
  httpStatus: number;
  /** google.rpc.Code name, e.g. PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION. */
  status?: string;
  /** google.rpc.ErrorInfo reason, e.g. SERVICE_DISABLED, IAM_PERMISSION_DENIED. */
  reason?: string;
  /** Google's message (never contains request bodies). */
  message: string;
  /** Node error code for transport failures (ECONNREFUSED, CERT_HAS_EXPIRED, ...). */
  code?: string;
}

interface RpcStatusBody {
  error?:
    | string
    | {
        code?: number;
        message?: string;
        status?: string;
        details?: { '@type'?: string; reason?: string }[];
      };
}

export function summarizeGoogleError(err: unknown): GoogleErrorSummary {
  const e = err as {
    status?: number;
    code?: string | number;
    message?: string;
    response?: { status?: number; data?: unknown };
  };
  const httpStatus = e?.response?.status ?? (typeof e?.status === 'number' ? e.status : 0);
  const body = (e?.response?.data ?? {}) as RpcStatusBody;
  const rpc = typeof body === 'object' && body !== null ? body.error : undefined;
  // OAuth token endpoint errors (a failed credential refresh): {"error":"invalid_grant","error_description":...}
  if (typeof rpc === 'string') {
    const description = (body as { error_description?: unknown }).error_description;
    return { httpStatus, status: rpc, message: typeof description === 'string' ? description : rpc };
  }
  if (rpc && typeof rpc === 'object') {
    const info = rpc.details?.find((d) => d?.['@type']?.endsWith('google.rpc.ErrorInfo'));
    return { httpStatus, status: rpc.status, reason: info?.reason, message: rpc.message ?? `HTTP ${httpStatus}` };
  }
  if (httpStatus) return { httpStatus, message: `HTTP ${httpStatus}` };
  // Transport failure. undici says only "fetch failed" and puts the reason (TLS, DNS, refused) in
  // the cause chain: report the innermost coded error. Only codes and messages, never configs.
  let code = typeof e?.code === 'string' ? e.code : undefined;
  let message = e?.message ?? String(err);
  for (let c = (err as { cause?: unknown })?.cause, depth = 0; c && depth < 5; depth++) {
    const ce = c as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof ce.code === 'string') {
      code = ce.code;
      message = typeof ce.message === 'string' ? ce.message : message;
    }
    c = ce.cause;
  }
  return { httpStatus: 0, code, message };
}

/** The propagation case of docs/google-cloud.md: the API was enabled moments ago, or not at all. */
export function isServiceDisabled(s: GoogleErrorSummary): boolean {
  return s.reason === 'SERVICE_DISABLED' || /has not been used in project .* or it is disabled/.test(s.message);
}

/**
 * A RemoteError for `doing` (e.g. "reading secret projects/p/secrets/s").
 * `hints` add advice keyed by google status (NOT_FOUND, PERMISSION_DENIED, ...).
 */
export function googleRemoteError(doing: string, err: unknown, hints: Partial<Record<string, string>> = {}): RemoteError | InputError {
  const missing = noCredentialsError(err);
  if (missing) return missing;
  const s = summarizeGoogleError(err);
  const label = s.httpStatus ? `${s.httpStatus} ${s.reason ?? s.status ?? ''}`.trim() : (s.code ?? 'no answer');
  let advice = hints[s.reason ?? ''] ?? hints[s.status ?? ''] ?? '';
  let retryable = s.httpStatus === 0 || s.httpStatus === 429 || s.httpStatus >= 500;
  if (s.httpStatus === 0 && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(s.code ?? '')) {
    advice = 'TLS verification failed: for a private CA or the emulator, trust its certificate (--ca-file / NODE_EXTRA_CA_CERTS).';
    retryable = false;
  } else if (isServiceDisabled(s)) {
    advice ||=
      'If the API was enabled just now (terraform apply), enablement may still be propagating: ' +
      'retry in a few minutes. Otherwise enable it in the project.';
    retryable = true;
  } else if (s.status === 'invalid_grant' || s.status === 'invalid_client' || s.httpStatus === 401) {
    advice ||=
      'The Google credentials were rejected: run `gcloud auth application-default login` again or check GOOGLE_APPLICATION_CREDENTIALS.';
  } else if (
    s.httpStatus === 0 &&
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH/.test(`${s.code ?? ''} ${s.message}`)
  ) {
    advice ||= 'Google could not be reached: check the network, DNS or proxy (HTTPS_PROXY) of this machine.';
  } else if (s.status === 'PERMISSION_DENIED') {
    advice ||= 'The caller lacks the IAM permission on this resource (or it does not exist).';
  }
  const message = `Google refused ${doing}: ${label}: ${s.message}${advice ? ` ${advice}` : ''}`;
  return new RemoteError(message, { retryable, cause: s });
}

export interface RetryOptions {
  /**
   * How long to keep retrying while the API answers SERVICE_DISABLED (enablement propagating after
   * `terraform apply`; docs/google-cloud.md says minutes). 0 (default) = fail at once with a retryable error.
   */
  propagationWaitMs?: number;
  /** First delay between attempts (doubles, capped at 15 s). */
  initialDelayMs?: number;
  /** Time for those waits, injectable for tests. @default the system clock */
  clock?: Clock;
}

/**
 * Run `call`, retrying while the API is disabled/propagating. Only SERVICE_DISABLED is retried
 * here: Google refused the request before doing anything, so even a write is safe to repeat.
 * (429/5xx on reads are retried by gaxios itself; ambiguous failures of writes are not retried.)
 */
export function withPropagationRetry<T>(call: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  return retrying(call, {
    clock: opts.clock ?? systemClock,
    giveUpAfterMs: opts.propagationWaitMs ?? 0,
    initialDelayMs: opts.initialDelayMs ?? 2_000,
    maxDelayMs: 15_000,
    shouldRetry: (outcome) => !outcome.ok && isServiceDisabled(summarizeGoogleError(outcome.error)),
  });
}
