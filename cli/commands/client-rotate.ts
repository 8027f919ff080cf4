import { readClientSource } from '../support/client-source';
import { defineCommand } from '../support/command';
import { clientSourceOptions, dryRunOption } from '../support/options';
import { runCommand, type Cli } from '../support/run';
import { openSingleTenant } from '../support/sessions';

/** `gwkit client rotate --tenant X [--file new.json]`: a new secret for the same client, resumable at every step. */
export const clientRotateCommand = (cli: Cli) =>
  defineCommand({
    command: 'rotate',
    describe: "Rotate the OAuth client's secret (Google's two-secret rotation): guided, verified, resumable",
    builder: (y) =>
      y
        .options({
          ...clientSourceOptions({ file: 'The client JSON downloaded after "Add secret"', stdin: 'Read that JSON from standard input' }),
          ...dryRunOption('Check the new secret; store, write and send nothing'),
        })
        .example('$0 client rotate --tenant acme', 'Where the rotation stands, and what to do next')
        .example('$0 client rotate --tenant acme --file client_secret_123.json', 'Continue with the new secret'),
    handler: (args) =>
      runCommand(cli, args, 'client rotate', async () => {
        const { rotateClient } = await import('../../lib/workflow/rotate');
        const { sessions, tenant } = await openSingleTenant(cli, args, 'client rotate');
        const source = args.file || args.stdin ? await readClientSource(cli.io, args, 'client rotate') : undefined;
        const result = await rotateClient(sessions, tenant, { source, dryRun: args['dry-run'] });
        const lines = [`tenant ${result.tenant}: rotation of client ${result.clientId}: ${result.step}`, ...result.done.map((d) => `  ✓ ${d}`)];
        if (result.nextAction) lines.push(`next: ${result.nextAction}`);
        return { json: { result }, exitCode: result.exitCode, human: () => lines.join('\n') };
      }),
  });
