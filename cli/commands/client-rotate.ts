import { readClientSource } from '../support/client-source';
import { defineCommand } from '../support/command';
import { clientSourceOptions, dryRunOption } from '../support/options';
import { runCommand, type Cli } from '../support/run';
import { openSingleTenant } from '../support/sessions';

/** `gwkit client rotate --tenant X [--file new.json]`: a new secret for the same client, resumable at every step. */
export const clientRotateCommand = (cli: Cli) =>
  defineCommand({
    command: 'rotate',
    describe:
      "Rotate the OAuth client's secret (Google's two-secret rotation), or renew a Microsoft 365 tenant's PBX certificate: guided, verified, resumable",
    builder: (y) =>
      y
        .options({
          ...clientSourceOptions({ file: 'The client JSON downloaded after "Add secret"', stdin: 'Read that JSON from standard input' }),
          ...dryRunOption('Check the new secret (Microsoft 365: where the renewal stands); store, write, generate and send nothing'),
          'new-certificate': {
            type: 'boolean',
            describe:
              'Microsoft 365 tenants: have the PBX generate a new key pair now. It uses it at once, so sync and sign-in fail until the stack registers it: deploy right after',
          },
        })
        .example('$0 client rotate --tenant acme', 'Where the rotation stands, and what to do next')
        .example('$0 client rotate --tenant acme --file client_secret_123.json', 'Continue with the new secret')
        .example(
          '$0 client rotate --tenant contoso --new-certificate',
          'Microsoft 365: a new PBX certificate, recorded beside the old one for the stack',
        ),
    handler: (args) =>
      runCommand(cli, args, 'client rotate', async () => {
        const { rotateCredential } = await import('../../lib/workflow/either-suite');
        const { sessions, tenant } = await openSingleTenant(cli, args, 'client rotate');
        const source = args.file || args.stdin ? () => readClientSource(cli.io, args, 'client rotate') : undefined;
        const { result, headline } = await rotateCredential(sessions, tenant, {
          source,
          newCertificate: args['new-certificate'],
          dryRun: args['dry-run'],
        });
        const lines = [headline, ...result.done.map((d) => `  ✓ ${d}`), ...(result.nextAction ? [`next: ${result.nextAction}`] : [])];
        return { json: { result }, exitCode: result.exitCode, human: () => lines.join('\n') };
      }),
  });
