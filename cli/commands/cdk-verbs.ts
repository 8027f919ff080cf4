import { defineCommand } from '../support/command';
import { runCommand, type Cli } from '../support/run';
import { selectFleetTenants } from '../support/sessions';

/** What people type out of habit, and the CDK CLI verb that does it. */
const CDK_VERBS = { deploy: 'deploy', apply: 'deploy', synth: 'synth', diff: 'diff', plan: 'diff', destroy: 'destroy' } as const;

/**
 * `gwkit deploy|apply|synth|diff|plan|destroy`: gwkit never runs Terraform. Rather than "unknown
 * command", say so and print the exact CDK CLI command for the selected tenants (exit 2).
 */
export const cdkVerbCommands = (cli: Cli) =>
  Object.entries(CDK_VERBS).map(([typed, verb]) =>
    defineCommand({
      command: typed,
      describe: false,
      builder: (y) => y,
      handler: (args) =>
        runCommand(cli, args, typed, async () => {
          const [{ InputError }, { cdkInstead }] = await Promise.all([
            import('../../lib/errors'),
            import('../../lib/workflow/printed-commands'),
          ]);
          const named = args.tenant?.length || args.all ? await selectFleetTenants(args, typed) : undefined;
          throw new InputError(cdkInstead(verb, named ? [...named.tenants, ...named.microsoft365].map((t) => t.id) : []));
        }),
    }),
  );
