import type { CommandModule } from 'yargs';
import { reportOption } from '../support/options';
import { fleetResult, runCommand, type Cli, type GlobalArgs } from '../support/run';
import { openSessions } from '../support/sessions';

interface RolloutArgs extends GlobalArgs {
  verify?: boolean;
  'dry-run'?: boolean;
  force?: boolean;
  concurrency: number;
}

/** `gwkit rollout --all`: every tenant as far as automation allows; what is left, per tenant. */
export const rolloutCommand = (cli: Cli): CommandModule<object, RolloutArgs> => ({
  command: 'rollout',
  describe: 'Take each tenant as far as automation allows (post-deploy, optional proof) and list what is left for people',
  builder: (y) =>
    y
      .option('report', reportOption)
      .option('verify', { type: 'boolean', describe: 'Prove tenants at consent-pending with a test mail (gwkit verify)' })
      .option('dry-run', { type: 'boolean', describe: 'Show what would be done; write nothing, send nothing' })
      .option('force', { type: 'boolean', describe: 'Write the client even where the PBX is known to hold it (a write may reset the Google authorization)' })
      .option('concurrency', { type: 'number', requiresArg: true, default: 8, describe: 'Tenants worked on at once (PBX requests stay within pbx.requestsPerMinute)' })
      .check((a) => {
        if (!Number.isInteger(a.concurrency) || a.concurrency < 1 || a.concurrency > 64) throw new Error('--concurrency must be a whole number from 1 to 64');
        return true;
      })
      .example('$0 rollout --all --verify --json', 'Every tenant, proven where consent was given') as never,
  handler: (args) =>
    runCommand(cli, args, 'rollout', async () => {
      const { rolloutFleet } = await import('../../lib/workflow/rollout');
      const sessions = await openSessions(cli, args, 'rollout');
      const report = await rolloutFleet(sessions, { verify: args.verify, dryRun: args['dry-run'], force: args.force, concurrency: args.concurrency });
      return fleetResult(report, ['FROM', 'REACHED', 'DONE'], (r) => [r.from, r.stage, r.done.join('; ') || '-']);
    }),
});
