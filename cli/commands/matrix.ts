import type { CommandModule } from 'yargs';
import { runCommand, type Cli, type GlobalArgs } from '../support/run';

interface MatrixArgs extends GlobalArgs {
  shards?: number;
}

/** `gwkit matrix [--shards N]`: the selected tenants as a CI matrix (JSON on stdout). */
export const matrixCommand = (cli: Cli): CommandModule<object, MatrixArgs> => ({
  command: 'matrix',
  describe: 'Print the selected tenants as a CI matrix (GitHub Actions strategy.matrix), one job per tenant or per shard',
  builder: (y) =>
    y
      .option('shards', { type: 'number', requiresArg: true, describe: 'Group the tenants into this many jobs (default: one job per tenant, at most 256)' })
      .example('$0 matrix --all --shards 20', '20 jobs, each deploying its share of the fleet') as never,
  // The matrix itself is the output, ready for `fromJSON(...)`: never wrapped in the --json envelope.
  handler: (args) =>
    runCommand(cli, { json: false }, 'matrix', async () => {
      const [{ loadFleet, selectTenants }, { requireSelection }, { fleetMatrix }] = await Promise.all([
        import('../../lib/config'),
        import('../../lib/workflow/fleet-runner'),
        import('../../lib/workflow/matrix'),
      ]);
      const fleet = loadFleet(args.config);
      const wanted = requireSelection(args, 'matrix');
      const matrix = fleetMatrix(selectTenants(fleet, wanted === 'all' ? undefined : wanted), args.shards);
      return { json: { result: matrix }, human: () => JSON.stringify(matrix) };
    }),
});
