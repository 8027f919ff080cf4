import { InputError } from '../../lib/errors';
import { defineCommand } from '../support/command';
import { dryRunOption } from '../support/options';
import { runCommand, type Cli } from '../support/run';
import { openSingleTenant } from '../support/sessions';

/** `gwkit teardown --tenant X`: stop the PBX integration, retire the stored client, guide `cdktf destroy`. */
export const teardownCommand = (cli: Cli) =>
  defineCommand({
    command: 'teardown',
    describe: "Stop one tenant's integration (PBX, stored client) and guide the deletion of its project or Entra application",
    builder: (y) =>
      y
        .options({
          yes: { type: 'boolean', describe: 'Confirm without a prompt (CI)' },
          ...dryRunOption('Show what would be done; change nothing'),
        })
        .example('$0 teardown --tenant acme --dry-run', 'What would happen')
        .example('$0 teardown --tenant acme --yes', 'Do it, in CI'),
    handler: (args) =>
      runCommand(cli, args, 'teardown', async () => {
        const { teardownEitherSuite, teardownWords } = await import('../../lib/workflow/either-suite');
        const { sessions, tenant } = await openSingleTenant(cli, args, 'teardown', { preflight: false });
        if (!args['dry-run'] && !args.yes) await confirm(cli, tenant.id, teardownWords(tenant));
        const { result, keeper, kept } = await teardownEitherSuite(sessions, tenant, { dryRun: args['dry-run'] });
        const lines = [
          `tenant ${result.tenant}: teardown${result.dryRun ? ' (dry run)' : ''}`,
          ...result.done.map((d) => `  ✓ ${d}`),
          'next:',
          ...result.steps.map((s, i) => `  ${i + 1}. ${s}`),
          `${keeper} keeps:`,
          ...kept.map((k) => `  - ${k}`),
        ];
        return { json: { result }, exitCode: result.exitCode, human: () => lines.join('\n') };
      }),
  });

/** A person types the tenant id; CI says --yes. Anything else changes nothing. */
async function confirm(cli: Cli, id: string, words: { what: string; integration: string }): Promise<void> {
  if (!cli.io.interactive)
    throw new InputError(
      `teardown ${words.what}: confirm with --yes (no prompt without a terminal or in CI), or look first with --dry-run`,
    );
  const typed = await cli.io.prompt(`Type the tenant id (${id}) to stop its ${words.integration} integration`, { hidden: false });
  if (typed.trim() !== id) throw new InputError('teardown: not confirmed; nothing was changed');
}
