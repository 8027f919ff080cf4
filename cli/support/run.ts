/**
 * The one place where a command's result or error becomes output and an exit code, so that every
 * command keeps the same contract (README: The CLI contract): with --json, one envelope on stdout for success and
 * error alike; otherwise a table for people; logs on stderr; exit 0/1/2/3.
 *
 *   { "ok": bool, "exitCode": 0|1|2|3, "command": "rollout", "tenants": [...] }   fleet commands
 *   { "ok": bool, "exitCode": ..., "command": "client import", "result": {...} }  single-target
 *   { "ok": false, "exitCode": ..., "command": ..., "error": { type, message, problems?, nextAction? } }
 */
import { InputError, WaitingOnPersonError, exitCodeOf } from '../../lib/errors';
import { ExitCode, exitWord } from '../../lib/exit-codes';
import type { FleetReport, TenantOutcome } from '../../lib/workflow/fleet-runner';
import type { SessionProvider } from '../../lib/workflow/session-provider';
import type { CliIo } from '../io';
import { checkReportFile, writeReportFile } from './report-file';
import { renderTable } from './table';

/** A running CLI: its I/O, the exit code it will end with, and the sessions to close. */
export interface Cli {
  readonly io: CliIo;
  /** Aborted on Ctrl-C / SIGTERM: fleet commands start no further tenant. */
  readonly signal?: AbortSignal;
  exitCode: number;
  readonly sessions: SessionProvider[];
  /** The live progress view of a fleet command, ended before its result is printed. */
  progress?: { close(): Promise<void> };
}

/** What a command returns: the envelope's payload, a renderer for people, and its exit code. */
export interface CommandResult {
  readonly json: { readonly tenants: unknown[] } | { readonly result: unknown };
  readonly human: () => string;
  /** @default ExitCode.Ok */
  readonly exitCode?: ExitCode;
  /** A fleet command's outcomes, for --report. */
  readonly fleet?: FleetReport<unknown>;
}

export function envelope(command: string, exitCode: number, payload: object): string {
  return JSON.stringify({ ok: exitCode === ExitCode.Ok, exitCode, command, ...payload }, null, 2);
}

/** Tenants rendered per write of a fleet envelope. */
const TENANTS_PER_WRITE = 200;

/**
 * The envelope, written in pieces: a fleet's tenants a batch at a time, so that the JSON of
 * 10,000 tenants is never one string at the end of a run (docs/performance.md). The text is
 * the same as `envelope()`'s; every piece ends at a line end, so writers that end a piece with a
 * newline add none.
 */
export function writeEnvelope(write: (text: string) => void, command: string, exitCode: number, payload: object): void {
  const { tenants, ...rest } = payload as { tenants?: unknown };
  if (!Array.isArray(tenants) || tenants.length === 0 || Object.keys(rest).length) {
    write(envelope(command, exitCode, payload));
    return;
  }
  // `{ ..., "command": "x"` and then the tenants as JSON.stringify would indent them (2 levels).
  write(`${envelope(command, exitCode, {}).slice(0, -'\n}'.length)},\n  "tenants": [\n`);
  const indented = (value: unknown) =>
    (JSON.stringify(value, null, 2) ?? 'null')
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n');
  for (let start = 0; start < tenants.length; start += TENANTS_PER_WRITE) {
    const end = Math.min(start + TENANTS_PER_WRITE, tenants.length);
    const lines: string[] = [];
    for (let i = start; i < end; i++) lines.push(`${indented(tenants[i])}${i < tenants.length - 1 ? ',' : ''}\n`);
    write(lines.join(''));
  }
  write('  ]\n}\n');
}

function errorPayload(error: unknown) {
  return {
    error: {
      type: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof InputError && error.problems.length ? { problems: error.problems } : {}),
      ...(error instanceof WaitingOnPersonError ? { nextAction: error.nextAction } : {}),
    },
  };
}

/** Run a command body; its result or error becomes output and `cli.exitCode`. */
export async function runCommand(
  cli: Cli,
  /** --json, and --report FILE where the command offers it (support/options.ts). */
  args: { readonly json: boolean; readonly report?: string },
  command: string,
  body: () => Promise<CommandResult> | CommandResult,
): Promise<void> {
  const { io } = cli;
  const endProgress = async () => {
    await cli.progress?.close();
    cli.progress = undefined;
  };
  try {
    checkReportFile(args.report);
    const result = await body();
    await endProgress();
    cli.exitCode = result.exitCode ?? ExitCode.Ok;
    const notReached = result.fleet?.tenants.filter((t) => t.notReached).length ?? 0;
    if (notReached)
      io.stderr(
        `gwkit: interrupted: ${notReached} tenant(s) not reached; run the same command again to continue (finished tenants are skipped)`,
      );
    if (args.json) writeEnvelope(io.stdout, command, cli.exitCode, result.json);
    else io.stdout(result.human());
    // The result stands whatever happens to the report: a failed write is said, and fails the run.
    if (args.report && result.fleet) {
      try {
        await writeReportFile(args.report, command, result.fleet);
      } catch (error) {
        io.stderr(`gwkit: could not write the report ${args.report}: ${error instanceof Error ? error.message : String(error)}`);
        cli.exitCode = ExitCode.Failed;
      }
    }
  } catch (error) {
    await endProgress();
    cli.exitCode = exitCodeOf(error);
    if (args.json) io.stdout(envelope(command, cli.exitCode, errorPayload(error)));
    io.stderr(`gwkit: ${error instanceof Error ? error.message : String(error)}`);
    if (cli.exitCode === ExitCode.Failed && !(error instanceof Error && 'retryable' in error) && io.env.GWKIT_DEBUG) {
      io.stderr(error instanceof Error && error.stack ? error.stack : '');
    }
  } finally {
    // Log out of PBX sessions (revoke their tokens); a failure here changes nothing for the user.
    await Promise.all(cli.sessions.splice(0).map((s) => s.close().catch(() => undefined)));
  }
}

/**
 * The result of a fleet command: a table for people with one row per tenant (`columns` for those
 * that have a result), and failures and next actions spelled out below it.
 */
export function fleetResult<T>(
  report: FleetReport<T>,
  headers: readonly string[],
  columns: (result: T) => readonly string[],
  /** More lines under the table for a tenant (drift, warnings). */
  notesOf?: (result: T) => readonly string[],
): CommandResult {
  const outcomes: TenantOutcome<T>[] = report.tenants;
  return {
    exitCode: report.exitCode,
    fleet: report as FleetReport<unknown>,
    json: { tenants: outcomes },
    human: () => {
      const rows = outcomes.map((o) => [
        o.tenant,
        exitWord(o.exitCode, 'terminal'),
        ...(o.result !== undefined ? columns(o.result) : headers.map(() => '')),
      ]);
      const notes = outcomes.flatMap((o) => {
        const extra = o.result !== undefined && notesOf ? notesOf(o.result).map((n) => `${o.tenant}: ${n}`) : [];
        const main =
          o.error || o.nextAction
            ? [`${o.tenant}: ${o.error ?? ''}${o.nextAction ? `${o.error ? '\n  ' : ''}next: ${o.nextAction}` : ''}`]
            : [];
        return [...extra, ...main];
      });
      return [renderTable(['TENANT', 'RESULT', ...headers], rows), ...(notes.length ? ['', ...notes] : [])].join('\n');
    },
  };
}
