/**
 * The exit codes of the `gwkit` CLI contract (README: The CLI contract), their words in each
 * medium, and the contract as `--help` prints it: the one place each is decided.
 *
 * cli/bin.ts loads this module before it knows the Node.js version is current, so it imports
 * nothing and uses no syntax newer than ES2017 (no `??`, no `?.`): it must load on old Node.
 */

export const ExitCode = {
  Ok: 0,
  Failed: 1,
  BadInput: 2,
  WaitingOnPerson: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The contract in one line, as `gwkit --help` ends. */
export const EXIT_CODES_TEXT =
  'Exit codes: 0 done, 1 failed, 2 bad usage or invalid config/input (nothing changed), 3 waiting on a person.';

/**
 * Where a code is shown in words. `terminal`: the result table and the progress lines on stderr,
 * read at a glance, so anything but ok is in capitals. `report`: Markdown/HTML/JSON reports, whose
 * words also name CSS classes (`r-bad-input`), in lower case.
 */
export type ExitWordMedium = 'terminal' | 'report';

const WORDS: Record<ExitCode, string> = { 0: 'ok', 1: 'failed', 2: 'bad input', 3: 'waiting' };

/** A code in words for `medium`; an unknown code as its number. */
export function exitWord(code: number, medium: ExitWordMedium): string {
  const word = (WORDS as Record<number, string | undefined>)[code];
  if (word === undefined) return String(code);
  return medium === 'terminal' && code !== ExitCode.Ok ? word.toUpperCase() : word;
}

/** One exit code for a fleet run: any failure wins (1), then bad input (2), then waiting (3), else done (0). */
export function fleetExitCode(outcomes: readonly { exitCode: ExitCode }[]): ExitCode {
  const codes = new Set(outcomes.map((o) => o.exitCode));
  if (codes.has(ExitCode.Failed)) return ExitCode.Failed;
  if (codes.has(ExitCode.BadInput)) return ExitCode.BadInput;
  if (codes.has(ExitCode.WaitingOnPerson)) return ExitCode.WaitingOnPerson;
  return ExitCode.Ok;
}

/** The lowest Node.js major gwkit runs on (undici 8, yargs 18), and what an older one is told. */
export const MIN_NODE_MAJOR = 22;
export function oldNodeText(version: string): string {
  return (
    'gwkit needs Node.js ' +
    MIN_NODE_MAJOR +
    ' or later (this is ' +
    version +
    '). In a clone of gwkit, `npm ci` brings Node.js 24 ' +
    'and `npm run` / `npx` use it; elsewhere install Node.js 24 LTS.\n'
  );
}
