/**
 * Retrying a remote call, in one place: how many attempts, how long to wait between them (a
 * doubling backoff, spread by jitter, or the server's own Retry-After), and when to give up. Every
 * wait goes through the injected Clock, so tests of retries run on virtual time.
 *
 * What is safe to repeat is the caller's rule, not this module's: each caller says which outcomes
 * deserve another attempt (lib/pbx/transport.ts, lib/google/errors.ts, lib/google/credential-store.ts).
 */
import type { Clock } from './clock';

/** One attempt's outcome: its value, or what it threw. */
export type AttemptOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface RetryPolicy<T> {
  readonly clock: Clock;
  /** Attempts after the first. @default no limit (then `giveUpAfterMs` bounds them) */
  readonly retries?: number;
  /** No retry whose wait would end more than this many ms after the first attempt started. @default no limit */
  readonly giveUpAfterMs?: number;
  /** The wait before the first retry; it doubles for each further one. */
  readonly initialDelayMs: number;
  /** Longest backoff wait. @default no limit */
  readonly maxDelayMs?: number;
  /** Each backoff wait is spread by ± this fraction (0.25: 75-125 %), so that callers failing together do not retry in step. @default 0 */
  readonly jitter?: number;
  /** Whether this outcome deserves another attempt. */
  readonly shouldRetry: (outcome: AttemptOutcome<T>) => boolean;
  /** The server's own wait for this outcome (Retry-After), taken instead of the backoff. */
  readonly serverWaitMs?: (outcome: AttemptOutcome<T>) => number | undefined;
  /** Longest single wait, the server's included (a confused server must not stall a run for hours). @default no limit */
  readonly maxWaitMs?: number;
  /** @default Math.random */
  readonly random?: () => number;
}

/**
 * Run `attempt` until it gives an outcome the policy does not retry, or the policy's attempts or
 * time are used up; then return its value or throw what it threw. `attempt` is told which attempt
 * it is (0 = the first).
 */
export async function retrying<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy<T>): Promise<T> {
  const { clock } = policy;
  const started = clock.now();
  for (let n = 0; ; n++) {
    let outcome: AttemptOutcome<T>;
    try {
      outcome = { ok: true, value: await attempt(n) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const wait =
      n < (policy.retries ?? Number.POSITIVE_INFINITY) && policy.shouldRetry(outcome) ? waitBefore(n, outcome, policy) : undefined;
    if (wait === undefined || (policy.giveUpAfterMs !== undefined && clock.now() + wait > started + policy.giveUpAfterMs)) {
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    }
    if (wait > 0) await clock.sleep(wait);
  }
}

/** The wait before retry `n + 1`: the server's word if it gave one, else the backoff. */
function waitBefore<T>(n: number, outcome: AttemptOutcome<T>, policy: RetryPolicy<T>): number {
  let wait = policy.serverWaitMs?.(outcome);
  if (wait === undefined) {
    const jitter = policy.jitter ?? 0;
    const spread = jitter ? 1 - jitter + (policy.random ?? Math.random)() * 2 * jitter : 1;
    wait = Math.min(policy.initialDelayMs * 2 ** n, policy.maxDelayMs ?? Number.POSITIVE_INFINITY) * spread;
  }
  return Math.min(wait, policy.maxWaitMs ?? Number.POSITIVE_INFINITY);
}
