import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../../lib/errors';
import { forEachTenant } from '../../lib/workflow/fleet-runner';
import { tenantStatus, type VerifyProbe } from '../../lib/workflow/status';
import { verifyTenant } from '../../lib/workflow/verify';
import { fleetContext, type PbxArgs } from '../support/context';
import { fleetResult } from '../support/outcomes';
import { runCommand } from '../support/run';

/**
 * `gwkit status`: each tenant's stage, derived live. A report: exit 0 when every stage could be
 * derived, 1 when a source could not be read for some tenant.
 */
interface StatusArgs extends PbxArgs {
  verify?: boolean;
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: 'Show each tenant\'s stage (planned ... verified), derived live from Google and the PBX',
  builder: (yargs: Argv) =>
    yargs.option('verify', {
      type: 'boolean',
      describe: 'Prove "verified" with a test mail (gwkit verify) for tenants whose PBX holds the client; the PBX API cannot report consent otherwise',
    }) as Argv<StatusArgs>,
  handler: (args) =>
    runCommand(args, async () => {
      const ctx = fleetContext(args, 'status', { defaultAll: true });
      await ctx.assertPbxReady();
      const probe: VerifyProbe | undefined = args.verify
        ? async (t) => {
            const r = await verifyTenant(ctx, t);
            return { ok: r.ok, nextAction: r.nextAction, fact: r.ok ? `test mail to ${r.recipient} sent through Gmail` : `test mail not proven: ${r.verdict}${r.likelyCause ? ` (${r.likelyCause})` : ''}` };
          }
        : undefined;
      const outcomes = await forEachTenant(ctx.tenants, (t) => tenantStatus(ctx, t, probe), {
        outcomeOf: (s) => ({ exitCode: ExitCode.Ok, nextAction: s.nextAction }),
      });
      return fleetResult(outcomes, ['PROJECT', 'STAGE', 'PBX HOLDS', 'LAST FACT'], (s) => [
        s.projectId,
        s.stage,
        s.pbxVersion ? `version ${s.pbxVersion}` : '-',
        s.facts[s.facts.length - 1] ?? '',
      ]);
    }),
};
