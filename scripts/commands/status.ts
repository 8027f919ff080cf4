import type { CommandModule } from 'yargs';
import { ExitCode } from '../../lib/errors';
import { forEachTenant } from '../../lib/workflow/fleet-runner';
import { tenantStatus } from '../../lib/workflow/status';
import { fleetContext, type PbxArgs } from '../support/context';
import { fleetResult } from '../support/outcomes';
import { runCommand } from '../support/run';

/**
 * `gwkit status`: each tenant's stage, derived live. A report: exit 0 when every stage could be
 * derived, 1 when a source could not be read for some tenant.
 */
export const statusCommand: CommandModule<object, PbxArgs> = {
  command: 'status',
  describe: 'Show each tenant\'s stage (planned ... verified), derived live from Google and the PBX',
  handler: (args) =>
    runCommand(args, async () => {
      const ctx = fleetContext(args, 'status', { defaultAll: true });
      await ctx.assertPbxReady();
      const outcomes = await forEachTenant(ctx.tenants, (t) => tenantStatus(ctx, t), {
        outcomeOf: (s) => ({ exitCode: ExitCode.Ok, nextAction: s.nextAction }),
      });
      return fleetResult(outcomes, ['PROJECT', 'STAGE', 'LAST FACT'], (s) => [s.projectId, s.stage, s.facts[s.facts.length - 1] ?? '']);
    }),
};
