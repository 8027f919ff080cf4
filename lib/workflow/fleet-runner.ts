/**
 * Run one piece of work per tenant, in parallel, so that one tenant's failure fails that
 * tenant only, and fold the outcomes into the CLI's exit code.
 */
import type { TenantConfig } from '../config';
import { ExitCode, exitCodeOf, InputError, WaitingOnPersonError } from '../errors';
import type { FleetProgress } from './fleet-progress';
import { fleetExitCode } from '../exit-codes';

export type { FleetProgress };

export interface TenantOutcome<T> {
  readonly tenant: string;
  /** 0 done, 1 failed, 2 bad input, 3 waiting on a person. */
  readonly exitCode: ExitCode;
  readonly result?: T;
  /** Set when the work threw: the message (never a secret; libraries scrub them). */
  readonly error?: string;
  /** For exit 3: what a person should do next. */
  readonly nextAction?: string;
  /** The run was interrupted before this tenant started: nothing was done for it. */
  readonly notReached?: boolean;
}

export interface FleetRunOptions<T> {
  readonly concurrency?: number;
  readonly progress?: FleetProgress;
  /** Aborted: start no further tenant. */
  readonly signal?: AbortSignal;
  readonly outcomeOf?: (result: T) => Pick<TenantOutcome<T>, 'exitCode' | 'nextAction'>;
}

/** Default parallelism: PBX sessions are cheap but PortSIP rate-limits (5,000 requests/min). */
export const DEFAULT_CONCURRENCY = 8;

export async function forEachTenant<T, C extends { readonly id: string } = TenantConfig>(
  tenants: readonly C[],
  work: (tenant: C) => Promise<T>,
  options: FleetRunOptions<T> = {},
): Promise<TenantOutcome<T>[]> {
  // A few workers that take the next tenant in turn, rather than a queued task per tenant: a
  // queue of 10,000 closures and promises stays in memory for the whole run.
  const outcomes: TenantOutcome<T>[] = new Array(tenants.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < tenants.length; i = next++) {
      const tenant = tenants[i]!;
      // Interrupted (Ctrl-C, SIGTERM, a CI timeout): tenants in flight finish, the rest wait for a rerun.
      if (options.signal?.aborted) {
        outcomes[i] = {
          tenant: tenant.id,
          exitCode: ExitCode.Failed,
          notReached: true,
          error: 'not reached: the run was interrupted; run the same command again to continue',
        };
        continue;
      }
      options.progress?.started(tenant.id);
      const outcome = await outcomeOfWork(tenant, work, options.outcomeOf);
      options.progress?.finished(tenant.id, outcome.exitCode);
      outcomes[i] = outcome;
    }
  };
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new TypeError(`concurrency must be a whole number from 1, not ${concurrency}`);
  const workers = Math.min(concurrency, Math.max(tenants.length, 1));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

/** One tenant's work as an outcome: what it threw becomes that tenant's failure, never the run's. */
export async function outcomeOfWork<T, C extends { readonly id: string }>(
  tenant: C,
  work: (tenant: C) => Promise<T>,
  outcomeOf?: (result: T) => Pick<TenantOutcome<T>, 'exitCode' | 'nextAction'>,
): Promise<TenantOutcome<T>> {
  try {
    const result = await work(tenant);
    return { tenant: tenant.id, result, ...(outcomeOf?.(result) ?? { exitCode: ExitCode.Ok }) };
  } catch (error) {
    return {
      tenant: tenant.id,
      exitCode: exitCodeOf(error),
      error: error instanceof Error ? error.message : String(error),
      nextAction: error instanceof WaitingOnPersonError ? error.nextAction : undefined,
    };
  }
}

/** What a fleet command hands back: one outcome per tenant, and the run's exit code. */
export interface FleetReport<T> {
  readonly tenants: TenantOutcome<T>[];
  readonly exitCode: ExitCode;
}

/** forEachTenant, folded into one exit code (exit-codes.ts: fleetExitCode). */
export async function runFleet<T, C extends { readonly id: string } = TenantConfig>(
  tenants: readonly C[],
  work: (tenant: C) => Promise<T>,
  options: FleetRunOptions<T> = {},
): Promise<FleetReport<T>> {
  const outcomes = await forEachTenant(tenants, work, options);
  return { tenants: outcomes, exitCode: fleetExitCode(outcomes) };
}

/** Two reports of one run (Google Workspace and Microsoft 365 tenants) as one, with the fleet's exit code. */
export function mergeReports<A, B>(a: FleetReport<A>, b: FleetReport<B>): FleetReport<A | B> {
  const tenants: TenantOutcome<A | B>[] = [...a.tenants, ...b.tenants];
  return { tenants, exitCode: fleetExitCode(tenants) };
}

/** The tenants a fleet command acts on: --tenant ids, or --all; one of them is required. */
export function requireSelection(args: { tenant?: readonly string[]; all?: boolean }, what: string): readonly string[] | 'all' {
  if (args.all && args.tenant?.length) throw new InputError(`${what}: use either --tenant or --all, not both`);
  if (args.all) return 'all';
  if (!args.tenant?.length) throw new InputError(`${what}: name the tenants with --tenant ID (repeatable) or use --all`);
  return args.tenant;
}
