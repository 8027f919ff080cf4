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
        const [{ teardownTenant }, { teardownMs365 }] = await Promise.all([import('../../lib/workflow/teardown'), import('../../lib/ms365/teardown')]);
        const { sessions, tenant } = await openSingleTenant(cli, args, 'teardown', { preflight: false });
        const ms365 = 'suite' in tenant;
        if (!args['dry-run'] && !args.yes) {
          const what = ms365 ? 'stops the PBX integration' : 'stops the PBX integration and disables the stored client';
          if (!cli.io.interactive) throw new InputError(`teardown ${what}: confirm with --yes (no prompt without a terminal or in CI), or look first with --dry-run`);
          const typed = await cli.io.prompt(`Type the tenant id (${tenant.id}) to stop its ${ms365 ? 'Microsoft 365' : 'Google'} integration`, { hidden: false });
          if (typed.trim() !== tenant.id) throw new InputError('teardown: not confirmed; nothing was changed');
        }
        const result = ms365 ? await teardownMs365(sessions, tenant, { dryRun: args['dry-run'] }) : await teardownTenant(sessions, tenant, { dryRun: args['dry-run'] });
        const [keeper, kept] = 'keptByGoogle' in result ? ['Google', result.keptByGoogle] : ['Microsoft', result.keptByMicrosoft];
        const lines = [...result.done.map((d) => `  ✓ ${d}`), 'next:', ...result.steps.map((s, i) => `  ${i + 1}. ${s}`), `${keeper} keeps:`, ...kept.map((k) => `  - ${k}`)];
        return { json: { result }, exitCode: result.exitCode, human: () => [`tenant ${result.tenant}: teardown${result.dryRun ? ' (dry run)' : ''}`, ...lines].join('\n') };
      }),
  });
