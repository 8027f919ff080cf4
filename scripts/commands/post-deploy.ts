import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../../lib/errors';
import { forEachTenant } from '../../lib/workflow/fleet-runner';
import { postDeployTenant } from '../../lib/workflow/post-deploy';
import { clientSecretNameOf, readStackOutputs } from '../../lib/workflow/stack-outputs';
import { fleetContext, type PbxArgs } from '../support/context';
import { fleetResult } from '../support/outcomes';
import { runCommand } from '../support/run';

interface PostDeployArgs extends PbxArgs {
  'outputs-file'?: string;
  'dry-run'?: boolean;
}

/** `gwkit post-deploy`: write each tenant's client pair into the PBX and hand out the consent link. */
export const postDeployCommand: CommandModule<object, PostDeployArgs> = {
  command: 'post-deploy',
  describe: 'Write the OAuth client into the PBX (only when it differs) and print the consent link',
  builder: (yargs: Argv) =>
    yargs
      .option('outputs-file', { type: 'string', describe: 'Stack outputs written by `cdktf deploy --outputs-file` (default: derive from gwkit.yaml)' })
      .option('dry-run', { type: 'boolean', describe: 'Show what would change; write nothing' }) as Argv<PostDeployArgs>,
  handler: (args) =>
    runCommand(args, async () => {
      const ctx = fleetContext(args, 'post-deploy');
      const outputsFile = args['outputs-file'];
      const outputs = outputsFile ? readStackOutputs(outputsFile) : undefined;
      // Resolve every secret name before any write: a bad outputs file changes nothing anywhere.
      const secretNames = new Map(ctx.tenants.map((t) => [t.id, clientSecretNameOf(t, outputs, outputsFile)]));
      await ctx.assertPbxReady();
      const outcomes = await forEachTenant(
        ctx.tenants,
        (t) => postDeployTenant(ctx, t, { secretName: secretNames.get(t.id)!, dryRun: args['dry-run'] }),
        // The PBX API cannot tell whether consent was given: the job ends with a person.
        { outcomeOf: (r) => ({ exitCode: ExitCode.WaitingOnPerson, nextAction: r.nextAction }) },
      );
      // The consent link is long: it stands in the "next:" note under the table, not in a column.
      return fleetResult(outcomes, ['CLIENT', 'PBX', 'STAGE'], (r) => [
        r.clientId,
        r.changed ? (r.dryRun ? 'would update' : 'updated') : 'unchanged',
        r.stage,
      ]);
    }),
};
