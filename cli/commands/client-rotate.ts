import type { CommandModule } from 'yargs';
import { readClientSource } from '../support/client-source';
import { runCommand, type Cli, type GlobalArgs } from '../support/run';
import { openSingleTenant } from '../support/sessions';

interface RotateArgs extends GlobalArgs {
  file?: string;
  stdin?: boolean;
  'dry-run'?: boolean;
}

/** `gwkit client rotate --tenant X [--file new.json]`: a new secret for the same client, resumable at every step. */
export const clientRotateCommand = (cli: Cli): CommandModule<object, RotateArgs> => ({
  command: 'rotate',
  describe: "Rotate the OAuth client's secret (Google's two-secret rotation): guided, verified, resumable",
  builder: (y) =>
    y
      .option('file', { type: 'string', requiresArg: true, describe: 'The client JSON downloaded after "Add secret"' })
      .option('stdin', { type: 'boolean', describe: 'Read that JSON from standard input' })
      .option('dry-run', { type: 'boolean', describe: 'Check the new secret; store, write and send nothing' })
      .example('$0 client rotate --tenant acme', 'Where the rotation stands, and what to do next')
      .example('$0 client rotate --tenant acme --file client_secret_123.json', 'Continue with the new secret') as never,
  handler: (args) =>
    runCommand(cli, args, 'client rotate', async () => {
      const { rotateClient } = await import('../../lib/workflow/rotate');
      const { sessions, tenant } = await openSingleTenant(cli, args, 'client rotate');
      const source = args.file || args.stdin ? await readClientSource(cli.io, args) : undefined;
      const result = await rotateClient(sessions, tenant, { source, dryRun: args['dry-run'] });
      const lines = [`tenant ${result.tenant}: rotation of client ${result.clientId}: ${result.step}`, ...result.done.map((d) => `  ✓ ${d}`)];
      if (result.nextAction) lines.push(`next: ${result.nextAction}`);
      return { json: { result }, exitCode: result.exitCode, human: () => lines.join('\n') };
    }),
});
