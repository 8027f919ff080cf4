import type { Argv, CommandModule } from 'yargs';
import { forEachTenant } from '../../lib/workflow/fleet-runner';
import { verifyExitCode, verifyTenant } from '../../lib/workflow/verify';
import { fleetContext, type PbxArgs } from '../support/context';
import { fleetResult } from '../support/outcomes';
import { runCommand } from '../support/run';

interface VerifyArgs extends PbxArgs {
  'dry-run'?: boolean;
}

/** `gwkit verify`: a test mail through Gmail proves consent and the whole integration. */
export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify',
  describe: 'Send a test mail through the PBX via Gmail: proof the integration works (mail type GMAIL only where gwkit.yaml opts in)',
  builder: (yargs: Argv) =>
    yargs.option('dry-run', { type: 'boolean', describe: 'Read the mail settings; change nothing, send nothing' }) as Argv<VerifyArgs>,
  handler: (args) =>
    runCommand(args, async () => {
      const ctx = fleetContext(args, 'verify');
      await ctx.assertPbxReady();
      const outcomes = await forEachTenant(ctx.tenants, (t) => verifyTenant(ctx, t, { dryRun: args['dry-run'] }), {
        outcomeOf: (r) => ({ exitCode: verifyExitCode(r), nextAction: r.nextAction }),
      });
      const result = fleetResult(outcomes, ['VERDICT', 'MAIL TYPE', 'RECIPIENT', 'PBX SAYS / LIKELY CAUSE'], (r) => [
        r.verdict,
        `${r.mailType}${r.switchedToGmail ? ' (switched)' : ''}`,
        r.recipient,
        [r.pbxMessage, r.likelyCause].filter(Boolean).join(' — likely cause: ') || '-',
      ]);
      return result;
    }),
};
