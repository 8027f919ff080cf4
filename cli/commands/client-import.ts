import { readClientSource } from '../support/client-source';
import { defineCommand } from '../support/command';
import { clientSourceOptions, dryRunOption } from '../support/options';
import { runCommand, type Cli } from '../support/run';
import { openSingleTenant } from '../support/sessions';

/** `gwkit client import --tenant X --file client.json`: verify the Console step and store the pair in Secret Manager. */
export const clientImportCommand = (cli: Cli) =>
  defineCommand({
    command: 'import',
    describe: "Check the OAuth client (project, redirect URIs, secret) and store it in the tenant's credential secret",
    builder: (y) =>
      y
        .options({
          ...clientSourceOptions({
            file: 'The client JSON downloaded from the Console',
            stdin: 'Read the client JSON from standard input',
          }),
          ...dryRunOption('Run every check, store nothing'),
        })
        .example('$0 client import --tenant acme --file client_secret_123.json', 'Check and store the downloaded client'),
    handler: (args) =>
      runCommand(cli, args, 'client import', async () => {
        const { importClient } = await import('../../lib/workflow/client-import');
        const { sessions, tenant } = await openSingleTenant(cli, args, 'client import', { suites: 'google' });
        const result = await importClient(sessions, tenant, await readClientSource(cli.io, args, 'client import'), {
          dryRun: args['dry-run'],
        });
        const verb = !result.changed
          ? 'already stored (unchanged)'
          : result.dryRun
            ? 'would be stored (dry run)'
            : `stored as ${result.version}`;
        const lines = [`tenant ${result.tenant}: client ${result.clientId} ${verb}`, ...result.checks.map((c) => `  ✓ ${c}`)];
        lines.push(...result.unchecked.map((c) => `  ! not checked: ${c}`), `next: ${result.nextAction}`);
        return { json: { result }, human: () => lines.join('\n') };
      }),
  });
