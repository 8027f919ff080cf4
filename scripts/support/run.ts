/**
 * The one place where command results and errors become output and exit codes, so every
 * command keeps the same contract (DESIGN.md): JSON on stdout with --json, human text otherwise,
 * logs on stderr, exit 0/1/2/3.
 */
import { ExitCode, InputError, WaitingOnPersonError, exitCodeOf } from '../../lib/errors';
import { closeContexts } from './open-contexts';

/** Options every command accepts. */
export interface GlobalArgs {
  config: string;
  json: boolean;
  tenant?: string[];
  all?: boolean;
}

/** What a command returns: data for --json, a renderer for people, and its exit code. */
export interface CommandResult<T = unknown> {
  readonly data: T;
  readonly human: () => string;
  /** @default ExitCode.Ok */
  readonly exitCode?: ExitCode;
}

export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Logs and progress: stderr, so that stdout stays parseable. */
export function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

function errorJson(error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  return {
    ok: false,
    exitCode: exitCodeOf(error),
    error: {
      type: error instanceof Error ? error.name : 'Error',
      message,
      ...(error instanceof InputError && error.problems.length ? { problems: error.problems } : {}),
      ...(error instanceof WaitingOnPersonError ? { nextAction: error.nextAction } : {}),
    },
  };
}

/** Run a command body and turn its result or error into output and process.exitCode. */
export async function runCommand<T>(args: Pick<GlobalArgs, 'json'>, body: () => Promise<CommandResult<T>> | CommandResult<T>): Promise<void> {
  try {
    const result = await body();
    if (args.json) writeOut(JSON.stringify(result.data, null, 2));
    else writeOut(result.human());
    process.exitCode = result.exitCode ?? ExitCode.Ok;
  } catch (error) {
    const code = exitCodeOf(error);
    if (args.json) writeOut(JSON.stringify(errorJson(error), null, 2));
    const message = error instanceof Error ? error.message : String(error);
    log(`gwkit: ${message}`);
    if (code === ExitCode.Failed && !(error instanceof Error && 'retryable' in error) && process.env.GWKIT_DEBUG) {
      log(error instanceof Error && error.stack ? error.stack : '');
    }
    process.exitCode = code;
  } finally {
    // Log out of PBX sessions (revoke their tokens); a failure here changes nothing for the user.
    await closeContexts().catch(() => undefined);
  }
}
