#!/usr/bin/env node
/**
 * gwkit: the CLI. One command module per file under commands/; each parses, calls a library
 * function and renders through support/run.ts.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from '../lib/errors';
import { clientCommand } from './commands/client';
import { configCommand } from './commands/config';
import { discoverCommand } from './commands/discover';
import { postDeployCommand } from './commands/post-deploy';
import { rolloutCommand } from './commands/rollout';
import { statusCommand } from './commands/status';
import { verifyCommand } from './commands/verify';

export function buildCli(argv: string[]) {
  return yargs(argv)
    .scriptName('gwkit')
    .usage('$0 <command> [options]\n\nPortSIP PBX <-> Google Workspace integration, per tenant, for whole fleets.')
    .option('config', {
      type: 'string',
      default: process.env.GWKIT_CONFIG ?? 'gwkit.yaml',
      describe: 'Fleet config file (env GWKIT_CONFIG)',
      global: true,
    })
    .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output on stdout (logs stay on stderr)', global: true })
    .option('tenant', { type: 'string', array: true, describe: 'Tenant id to act on (repeatable)', global: true })
    .option('all', { type: 'boolean', describe: 'Act on every tenant of the fleet', global: true })
    .option('ca-file', { type: 'string', describe: 'Extra CA (PEM) to trust for the PBX; overrides pbx.caFile', global: true })
    .command(configCommand)
    .command(discoverCommand)
    .command(clientCommand)
    .command(postDeployCommand)
    .command(statusCommand)
    .command(verifyCommand)
    .command(rolloutCommand)
    .demandCommand(1, 'Name a command; see gwkit --help')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .epilogue('Exit codes: 0 done, 1 failed, 2 bad usage or invalid config/input, 3 waiting on a person.')
    .fail((msg, error) => {
      // Handlers never throw (runCommand catches), so anything here is a usage error: from yargs
      // itself (message) or from a .check() (error).
      const message = msg ?? error?.message ?? 'invalid usage';
      // Usage errors keep the --json contract too: parse failures never reach runCommand.
      if (argv.includes('--json')) {
        process.stdout.write(`${JSON.stringify({ ok: false, exitCode: ExitCode.BadInput, error: { type: 'UsageError', message } }, null, 2)}\n`);
      }
      process.stderr.write(`gwkit: ${message}\nRun "gwkit --help" for usage.\n`);
      process.exit(ExitCode.BadInput);
    });
}

if (require.main === module) {
  void buildCli(hideBin(process.argv)).parseAsync();
}
