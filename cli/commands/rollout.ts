import { defineCommand } from '../support/command';
import { dryRunOption, forceOption, reportOption } from '../support/options';
import { runCommand, type Cli } from '../support/run';
import { openSessions } from '../support/sessions';
import { fleetResultBySuite } from '../support/suites';

/** `gwkit rollout --all`: every tenant as far as automation allows; what is left, per tenant. */
export const rolloutCommand = (cli: Cli) =>
  defineCommand({
    command: 'rollout',
    describe: 'Take each tenant as far as automation allows (post-deploy, optional proof) and list what is left for people',
    builder: (y) =>
      y
        .options({
          ...reportOption,
          verify: {
            type: 'boolean',
            describe: 'Prove tenants at consent-pending with a test mail (gwkit verify); Microsoft 365 tenants are always proven (a read)',
          },
          'outputs-file': {
            type: 'string',
            requiresArg: true,
            describe: 'Stack outputs written by `cdktn deploy --outputs-file`: Microsoft 365 tenants take their application id from it',
          },
          ...dryRunOption('Show what would be done; write nothing, send nothing'),
          ...forceOption,
          concurrency: {
            type: 'number',
            requiresArg: true,
            default: 8,
            describe: 'Tenants worked on at once (PBX requests stay within pbx.requestsPerMinute)',
          },
        })
        .check((a) => {
          if (!Number.isInteger(a.concurrency) || a.concurrency < 1 || a.concurrency > 64)
            throw new Error('--concurrency must be a whole number from 1 to 64');
          return true;
        })
        .example('$0 rollout --all --verify --json', 'Every tenant, proven where consent was given'),
    handler: (args) =>
      runCommand(cli, args, 'rollout', async () => {
        const [{ rolloutFleet }, { acrossSuites, rolloutMs365Fleet }, { readStackOutputs }] = await Promise.all([
          import('../../lib/workflow/rollout'),
          import('../../lib/ms365/workflow'),
          import('../../lib/workflow/stack-outputs'),
        ]);
        const outputsFile = args['outputs-file'];
        const outputs = outputsFile ? readStackOutputs(outputsFile) : undefined;
        const sessions = await openSessions(cli, args, 'rollout');
        const report = await acrossSuites(
          sessions,
          () => rolloutFleet(sessions, { verify: args.verify, dryRun: args['dry-run'], force: args.force, concurrency: args.concurrency }),
          () => rolloutMs365Fleet(sessions, { outputs, outputsFile, dryRun: args['dry-run'], concurrency: args.concurrency }),
        );
        const columns = (r: { from: string; stage: string; done: readonly string[] }) => [r.from, r.stage, r.done.join('; ') || '-'];
        return fleetResultBySuite(
          report,
          ['FROM', 'REACHED', 'DONE'],
          { columns },
          { columns, notes: (r) => (r.warnings ?? []).map((w) => `WARNING: ${w}`) },
        );
      }),
  });
