import { defineCommand } from '../support/command';
import { dryRunOption, forceOption, reportOption } from '../support/options';
import { fleetResult, runCommand, type Cli } from '../support/run';
import { openSessions } from '../support/sessions';

/** `gwkit rollout --all`: every tenant as far as automation allows; what is left, per tenant. */
export const rolloutCommand = (cli: Cli) =>
  defineCommand({
    command: 'rollout',
    describe: 'Take each tenant as far as automation allows (post-deploy, optional proof) and list what is left for people',
    builder: (y) =>
      y
        .options({
          ...reportOption,
          verify: { type: 'boolean', describe: 'Prove tenants at consent-pending with a test mail (gwkit verify)' },
          ...dryRunOption('Show what would be done; write nothing, send nothing'),
          ...forceOption,
          concurrency: { type: 'number', requiresArg: true, default: 8, describe: 'Tenants worked on at once (PBX requests stay within pbx.requestsPerMinute)' },
        })
        .check((a) => {
          if (!Number.isInteger(a.concurrency) || a.concurrency < 1 || a.concurrency > 64) throw new Error('--concurrency must be a whole number from 1 to 64');
          return true;
        })
        .example('$0 rollout --all --verify --json', 'Every tenant, proven where consent was given'),
    handler: (args) =>
      runCommand(cli, args, 'rollout', async () => {
        const { rolloutFleet } = await import('../../lib/workflow/rollout');
        const sessions = await openSessions(cli, args, 'rollout');
        const report = await rolloutFleet(sessions, { verify: args.verify, dryRun: args['dry-run'], force: args.force, concurrency: args.concurrency });
        return fleetResult(report, ['FROM', 'REACHED', 'DONE'], (r) => [r.from, r.stage, r.done.join('; ') || '-']);
      }),
  });
