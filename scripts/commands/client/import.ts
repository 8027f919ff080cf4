import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { InputError } from '../../../lib/errors';
import { importClient, type ClientSource } from '../../../lib/workflow/client-import';
import { singleTenantContext, type PbxArgs } from '../../support/context';
import { hiddenPrompt, promptsAllowed, visiblePrompt } from '../../support/prompt';
import { runCommand } from '../../support/run';

interface ImportArgs extends PbxArgs {
  file?: string;
  stdin?: boolean;
  'dry-run'?: boolean;
}

async function readSource(args: ImportArgs): Promise<ClientSource> {
  if (args.file && args.stdin) throw new InputError('client import: use either --file or --stdin');
  if (args.file) {
    try {
      return { kind: 'file', text: readFileSync(args.file, 'utf8'), source: args.file };
    } catch (error) {
      throw new InputError(`--file: cannot read ${args.file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (args.stdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return { kind: 'file', text: Buffer.concat(chunks).toString('utf8'), source: 'stdin' };
  }
  if (!promptsAllowed()) {
    throw new InputError('client import: give the downloaded client JSON with --file FILE or --stdin (no prompts without a terminal or in CI)');
  }
  const clientId = (await visiblePrompt('OAuth client ID')).trim();
  const clientSecret = (await hiddenPrompt('OAuth client secret')).trim();
  if (!clientId || !clientSecret) throw new InputError('client import: both client ID and secret are needed');
  return { kind: 'pair', pair: { clientId, clientSecret }, source: 'prompt' };
}

/** `gwkit client import --tenant X --file client.json`: verify the Console step and store the pair in Secret Manager. */
export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import',
  describe: 'Check the OAuth client (project, redirect URIs, secret) and store it in the tenant\'s Secret Manager secret',
  builder: (yargs: Argv) =>
    yargs
      .option('file', { type: 'string', describe: 'The client JSON downloaded from the Console' })
      .option('stdin', { type: 'boolean', describe: 'Read the client JSON from standard input' })
      .option('dry-run', { type: 'boolean', describe: 'Run every check, store nothing' }) as Argv<ImportArgs>,
  handler: (args) =>
    runCommand(args, async () => {
      const { ctx, tenant } = singleTenantContext(args, 'client import');
      await ctx.assertPbxReady();
      const source = await readSource(args);
      const result = await importClient(ctx, tenant, source, { dryRun: args['dry-run'] });
      const verb = !result.changed ? 'already stored (unchanged)' : result.dryRun ? 'would be stored (dry run)' : `stored as ${result.version}`;
      return {
        data: { ok: true, ...result },
        human: () =>
          [
            `tenant ${result.tenant}: client ${result.clientId} ${verb}`,
            ...result.checks.map((c) => `  ✓ ${c}`),
            ...result.unchecked.map((c) => `  ! not checked: ${c}`),
            `next: gwkit post-deploy --tenant ${result.tenant}`,
          ].join('\n'),
      };
    }),
};
