import type { Argv, CommandModule } from 'yargs';
import { forEachTenant } from '../../lib/workflow/fleet-runner';
import { rolloutTenant } from '../../lib/workflow/rollout';
import { fleetContext, type PbxArgs } from '../support/context';
import { fleetResult } from '../support/outcomes';
import { runCommand } from '../support/run';

interface RolloutArgs extends PbxArgs {
  verify?: boolean;
  'dry-run'?: boolean;
  force?: boolean;
  concurrency: number;
}

/** `gwkit rollout --all`: every tenant as far as automation allows; what is left, per tenant. */
export const rolloutCommand: CommandModule<object, RolloutArgs> = {
  command: 'rollout',
  describe: 'Take each tenant as far as automation allows (post-deploy, optional proof) and list what is left for people',
  builder: (yargs: Argv) =>
    yargs
      .option('verify', { type: 'boolean', describe: 'Prove tenants at consent-pending with a test mail (gwkit verify)' })
      .option('dry-run', { type: 'boolean', describe: 'Show what would be done; write nothing, send nothing' })
      .option('force', { type: 'boolean', describe: 'Write the client even where the PBX is known to hold it (a write may reset the Google authorization)' })
      .option('concurrency', { type: 'number', default: 8, describe: 'Tenants worked on at once' })
      .check((a) => {
        if (!Number.isInteger(a.concurrency) || a.concurrency < 1 || a.concurrency > 64) throw new Error('--concurrency must be a whole number from 1 to 64');
        return true;
      }) as unknown as Argv<RolloutArgs>,
  handler: (args) =>
    runCommand(args, async () => {
      const ctx = fleetContext(args, 'rollout');
      await ctx.assertPbxReady();
      const outcomes = await forEachTenant(ctx.tenants, (t) => rolloutTenant(ctx, t, { verify: args.verify, dryRun: args['dry-run'], force: args.force }), {
        concurrency: args.concurrency,
        outcomeOf: (r) => ({ exitCode: r.exitCode, nextAction: r.nextAction }),
      });
      return fleetResult(outcomes, ['FROM', 'REACHED', 'DONE'], (r) => [r.from, r.stage, r.done.join('; ') || '-']);
    }),
};
