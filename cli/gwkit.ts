#!/usr/bin/env node
/**
 * gwkit: the CLI. One command module per file under commands/; each parses, calls one library
 * function and renders through support/run.ts. Everything outside the process (streams,
 * environment, terminal, browser) comes through a CliIo, so tests drive the CLI in-process.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_CODES_TEXT, ExitCode } from '../lib/exit-codes';
import { cdkVerbCommands } from './commands/cdk-verbs';
import { clientCommand } from './commands/client';
import { configCommand } from './commands/config';
import { discoverCommand } from './commands/discover';
import { matrixCommand } from './commands/matrix';
import { postDeployCommand } from './commands/post-deploy';
import { rolloutCommand } from './commands/rollout';
import { statusCommand } from './commands/status';
import { teardownCommand } from './commands/teardown';
import { verifyCommand } from './commands/verify';
import { processIo, type CliIo } from './io';
import { commandOf, type AnyCommand } from './support/command';
import { globalOptions } from './support/options';
import { envelope, type Cli } from './support/run';
import { boundHeapGrowth } from './support/heap';
import { dropMetadataLookupWarnings } from './support/warnings';

class UsageError extends Error {}

/** yargs' own command that prints a shell completion script. */
const COMPLETION_COMMAND = 'completion';

/** Every command gwkit registers: the parser's list, and where a usage error finds the command's name. */
function gwkitCommands(cli: Cli): AnyCommand[] {
  return [
    configCommand(cli),
    discoverCommand(cli),
    clientCommand(cli),
    postDeployCommand(cli),
    statusCommand(cli),
    verifyCommand(cli),
    rolloutCommand(cli),
    teardownCommand(cli),
    matrixCommand(cli),
    ...cdkVerbCommands(cli),
  ];
}

/** gwkit's version, with the cdktf and Google provider versions its stacks are made with. */
export function versionText(): string {
  // ../package.json from the sources (tests), ../../package.json from dist/.
  let own = '?';
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version: string };
      if (pkg.name === 'gwkit') own = pkg.version;
    } catch {
      /* not there: try the next */
    }
  }
  const cdktf = (require('cdktf/package.json') as { version: string }).version;
  const cdkCli = (require('cdktn-cli/package.json') as { version: string }).version;
  const google = require('@cdktf/provider-google/package.json') as { version: string; cdktf?: { provider?: { version?: string } } };
  return `gwkit ${own} (cdktf ${cdktf}, CDK CLI cdktn-cli ${cdkCli}, @cdktf/provider-google ${google.version} = hashicorp/google ${google.cdktf?.provider?.version ?? '?'}, Node.js ${process.version})`;
}

export function buildCli(argv: readonly string[], cli: Cli) {
  const { io } = cli;
  const commands = gwkitCommands(cli);
  return yargs([...argv])
    .scriptName('gwkit')
    .usage('$0 <command> [options]\n\nPortSIP PBX <-> Google Workspace integration, per tenant, for whole fleets.')
    .options(globalOptions(io.env))
    .command(commands)
    .completion(COMPLETION_COMMAND, 'Print a bash/zsh completion script (gwkit completion >> ~/.bashrc)')
    .demandCommand(1, 'Name a command; see gwkit --help')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(versionText())
    .epilogue(EXIT_CODES_TEXT)
    .exitProcess(false)
    .wrap(Math.min(120, process.stdout.columns || 100))
    .fail((msg, error) => {
      // Handlers never throw (runCommand catches), so anything here is a usage error: from yargs
      // itself (message) or from a .check() (error). Usage errors keep the --json contract too.
      const message = msg ?? error?.message ?? 'invalid usage';
      cli.exitCode = ExitCode.BadInput;
      if (argv.some((a) => a === '--json' || a === '--json=true'))
        io.stdout(envelope(commandOf(argv, commands, [COMPLETION_COMMAND]), ExitCode.BadInput, { error: { type: 'UsageError', message } }));
      io.stderr(`gwkit: ${message}\nRun "gwkit --help" for usage.`);
      // Stop here: no handler may run after a usage error (runGwkit catches this).
      throw new UsageError(message);
    });
}

/** Run gwkit with these arguments; resolves to the exit code. */
export async function runGwkit(argv: readonly string[], io: CliIo, options: { signal?: AbortSignal } = {}): Promise<number> {
  const cli: Cli = { io, exitCode: ExitCode.Ok, sessions: [], signal: options.signal };
  const parser = buildCli(argv, cli);
  try {
    await parser.parseAsync([...argv], {}, (err, _argv, output) => {
      // --help and --version land here with their text; usage errors were handled by .fail().
      if (output && !err) io.stdout(output);
    });
  } catch (error) {
    // .fail() has reported a usage error and set the exit code; anything else is a bug of ours.
    if (!(error instanceof UsageError)) {
      cli.exitCode = ExitCode.Failed;
      io.stderr(`gwkit: internal error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return cli.exitCode;
}

/** The process entry (cli/bin.ts): signals, exit code. */
export function main(): void {
  dropMetadataLookupWarnings();
  // Before a fleet run allocates: V8 would size the heap for the allocation rate (support/heap.ts).
  boundHeapGrowth();
  // First Ctrl-C / SIGTERM (a CI timeout): finish the tenants in flight, start no more, report.
  // A second one: stop at once.
  const interrupted = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    process.stderr.write(`gwkit: ${signal}: finishing the tenants in flight, starting no more (again to stop at once)\n`);
    interrupted.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  void runGwkit(hideBin(process.argv), processIo(), { signal: interrupted.signal }).then((code) => {
    process.exitCode = code;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
}

if (require.main === module) main();
