import { defineCommand } from '../support/command';
import { runCommand, type Cli } from '../support/run';
import { selectFleetTenants } from '../support/sessions';

/** `gwkit matrix [--shards N]`: the selected tenants as a CI matrix (JSON on stdout). */
export const matrixCommand = (cli: Cli) =>
  defineCommand({
    command: 'matrix',
    describe: 'Print the selected tenants as a CI matrix (GitHub Actions strategy.matrix), one job per tenant or per shard',
    builder: (y) =>
      y
        .option('shards', {
          type: 'number',
          requiresArg: true,
          describe: 'Group the tenants into this many jobs (default: one job per tenant, at most 256)',
        })
        .example('$0 matrix --all --shards 20', '20 jobs, each deploying its share of the fleet'),
    // The matrix itself is the output, ready for `fromJSON(...)`: never wrapped in the --json envelope.
    handler: (args) =>
      runCommand(cli, { json: false }, 'matrix', async () => {
        const { fleetMatrix } = await import('../../lib/workflow/matrix');
        const { tenants, microsoft365 } = await selectFleetTenants(args, 'matrix');
        const matrix = fleetMatrix([...tenants, ...microsoft365], args.shards);
        return { json: { result: matrix }, human: () => JSON.stringify(matrix) };
      }),
  });
