/** Result tables of fleet commands over both suites: each tenant's row in its own suite's terms. */
import { isMs365Result } from '../../lib/ms365/workflow';
import type { FleetReport } from '../../lib/workflow/fleet-runner';
import { fleetResult, type CommandResult } from './run';

type Ms365 = { readonly suite: 'microsoft-365' };

/** Per suite: the row cells of a result, and the lines under the table for it. */
interface SuiteRendering<R> {
  readonly columns: (result: R) => readonly string[];
  readonly notes?: (result: R) => readonly string[];
}

/** fleetResult for a report of both suites: Google Workspace results rendered by `google`, Microsoft 365 results by `microsoft365`. */
export function fleetResultBySuite<R>(
  report: FleetReport<R>,
  headers: readonly string[],
  google: SuiteRendering<Exclude<R, Ms365>>,
  microsoft365: SuiteRendering<Extract<R, Ms365>>,
): CommandResult {
  const pick = <T>(result: R, g: (r: Exclude<R, Ms365>) => T, m: (r: Extract<R, Ms365>) => T): T =>
    isMs365Result(result) ? m(result as Extract<R, Ms365>) : g(result as Exclude<R, Ms365>);
  return fleetResult(
    report,
    headers,
    (r) => pick(r, google.columns, microsoft365.columns),
    (r) => pick(r, google.notes ?? (() => []), microsoft365.notes ?? (() => [])),
  );
}
