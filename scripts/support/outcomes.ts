/** Rendering of per-tenant outcomes: one JSON shape and one table style for every fleet command. */
import type { TenantOutcome } from '../../lib/workflow/fleet-runner';
import { fleetExitCode } from '../../lib/workflow/fleet-runner';
import type { CommandResult } from './run';
import { renderTable } from './table';

const STATUS_WORD: Record<number, string> = { 0: 'ok', 1: 'FAILED', 2: 'BAD INPUT', 3: 'WAITING' };

/**
 * The result of a fleet command: JSON `{ ok, exitCode, tenants: [...] }`, a table for people with
 * one row per tenant (`columns` for successful ones), and failures spelled out below it.
 */
export function fleetResult<T>(
  outcomes: TenantOutcome<T>[],
  headers: readonly string[],
  columns: (result: T) => readonly string[],
): CommandResult<{ ok: boolean; exitCode: number; tenants: TenantOutcome<T>[] }> {
  const exitCode = fleetExitCode(outcomes);
  return {
    exitCode,
    data: { ok: exitCode === 0, exitCode, tenants: outcomes },
    human: () => {
      const rows = outcomes.map((o) => [
        o.tenant,
        STATUS_WORD[o.exitCode] ?? String(o.exitCode),
        ...(o.result !== undefined ? columns(o.result) : headers.map(() => '')),
      ]);
      const notes = outcomes
        .filter((o) => o.error || o.nextAction)
        .map((o) => `${o.tenant}: ${o.error ?? ''}${o.nextAction ? `${o.error ? '\n  ' : ''}next: ${o.nextAction}` : ''}`);
      return [renderTable(['TENANT', 'RESULT', ...headers], rows), ...(notes.length ? ['', ...notes] : [])].join('\n');
    },
  };
}
