/**
 * The error classes every gwkit library throws. The CLI maps them to the exit codes of the
 * contract (exit-codes.ts): 2 bad input, 1 failed, 3 waiting on a person.
 */

import { ExitCode } from './exit-codes';

export { ExitCode };

/** Bad usage, invalid config or invalid input. Nothing was changed anywhere. Exit 2. */
export class InputError extends Error {
  readonly exitCode = ExitCode.BadInput;
  /** One line per problem, each naming where (file, tenant, field) and what was expected. */
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[] = []) {
    super(problems.length ? `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}` : message);
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** A remote system (PBX, Google) failed or refused. Exit 1 for the tenant concerned. */
export class RemoteError extends Error {
  readonly exitCode = ExitCode.Failed;
  /** Whether repeating the same call may succeed (timeouts, 429, 5xx). */
  readonly retryable: boolean;
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RemoteError';
    this.retryable = options.retryable ?? false;
  }
}

/** Automation went as far as it can; a person must act (create the client, give consent). Exit 3. */
export class WaitingOnPersonError extends Error {
  readonly exitCode = ExitCode.WaitingOnPerson;
  /** What the person should do next, in one sentence. */
  readonly nextAction: string;
  constructor(message: string, nextAction: string) {
    super(message);
    this.name = 'WaitingOnPersonError';
    this.nextAction = nextAction;
  }
}

/** The exit code an error maps to; anything unknown is a failure (1). */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof InputError || error instanceof RemoteError || error instanceof WaitingOnPersonError) {
    return error.exitCode;
  }
  return ExitCode.Failed;
}
