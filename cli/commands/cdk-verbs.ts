import type { CommandModule } from 'yargs';
import { runCommand, type Cli, type GlobalArgs } from '../support/run';

/** What people type out of habit, and the CDK CLI verb that does it. */
const CDK_VERBS = { deploy: 'deploy', apply: 'deploy', synth: 'synth', diff: 'diff', plan: 'diff', destroy: 'destroy' } as const;

/**
 * `gwkit deploy|apply|synth|diff|plan|destroy`: gwkit never runs Terraform. Rather than "unknown
 * command", say so and print the exact CDK CLI command for the selected tenants (exit 2).
 */
export const cdkVerbCommands = (cli: Cli): CommandModule<object, GlobalArgs>[] =>
  Object.entries(CDK_VERBS).map(([typed, verb]) => ({
    command: typed,
    describe: false as const,
    handler: (args: GlobalArgs) =>
      runCommand(cli, args, typed, async () => {
        const [{ loadFleet, selectTenants }, { InputError }, { cdkCommand }] = await Promise.all([
          import('../../lib/config'),
          import('../../lib/errors'),
          import('../../lib/workflow/printed-commands'),
        ]);
        const named = args.all ? undefined : args.tenant;
        const stacks = named?.length || args.all ? selectTenants(loadFleet(args.config), named).map((t) => t.id) : [];
        // No selection: synth takes the whole fleet; the other verbs want the tenant named.
        const command = cdkCommand(verb, stacks.length || verb === 'synth' ? stacks : ['<tenant>']);
        throw new InputError(`gwkit does not run Terraform: the CDK CLI does (${verb}). Run ${command}`);
      }),
  }));
