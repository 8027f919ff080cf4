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
import { envelope, type Cli } from './support/run';
import { boundHeapGrowth } from './support/heap';
import { dropMetadataLookupWarnings } from './support/warnings';

class UsageError extends Error {}

const COMMANDS = ['config', 'discover', 'client', 'post-deploy', 'status', 'verify', 'rollout', 'teardown', 'matrix', 'completion', 'deploy', 'apply', 'synth', 'diff', 'plan', 'destroy'];
const SUBCOMMANDS: Record<string, string[]> = { client: ['guide', 'import', 'rotate'], config: ['validate', 'schema'] };

/** The command named in argv (`client import`, `status`), for the usage-error envelope. */
function commandOf(argv: readonly string[]): string {
  const i = argv.findIndex((a) => COMMANDS.includes(a));
  if (i < 0) return 'gwkit';
  const sub = argv[i + 1];
  return sub && SUBCOMMANDS[argv[i]!]?.includes(sub) ? `${argv[i]} ${sub}` : argv[i]!;
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
  return yargs([...argv])
    .scriptName('gwkit')
    .usage('$0 <command> [options]\n\nPortSIP PBX <-> Google Workspace integration, per tenant, for whole fleets.')
    .option('config', { type: 'string', requiresArg: true, default: io.env.GWKIT_CONFIG ?? 'gwkit.yaml', describe: 'Fleet config file (env GWKIT_CONFIG)', global: true })
    .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output on stdout (logs stay on stderr)', global: true })
    .option('tenant', { type: 'string', array: true, requiresArg: true, describe: 'Tenant id to act on (repeat for several: --tenant a --tenant b)', global: true })
    .option('all', { type: 'boolean', describe: 'Act on every tenant of the fleet', global: true })
    .option('ca-file', { type: 'string', requiresArg: true, describe: 'Extra CA (PEM) to trust for the PBX; overrides pbx.caFile', global: true })
    .command(configCommand(cli))
    .command(discoverCommand(cli))
    .command(clientCommand(cli))
    .command(postDeployCommand(cli))
    .command(statusCommand(cli))
    .command(verifyCommand(cli))
    .command(rolloutCommand(cli))
    .command(teardownCommand(cli))
    .command(matrixCommand(cli))
    .command(cdkVerbCommands(cli))
    .completion('completion', 'Print a bash/zsh completion script (gwkit completion >> ~/.bashrc)')
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
      if (argv.some((a) => a === '--json' || a === '--json=true')) io.stdout(envelope(commandOf(argv), ExitCode.BadInput, { error: { type: 'UsageError', message } }));
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
