/**
 * `gwkit status`: each tenant's stage (stage-model.ts), derived live from the sources. Read-only,
 * always: it never writes to the PBX or Google and never sends mail (proof is `gwkit verify`'s).
 */
import type { TenantConfig } from '../config';
import { ExitCode } from '../errors';
import { runFleet, type FleetReport } from './fleet-runner';
import { gwkitCommand } from './printed-commands';
import type { SessionProvider } from './session-provider';
import { googleSide, pbxSideView, type TenantView } from './stage-model';

export async function tenantStatus(sessions: SessionProvider, tenant: TenantConfig): Promise<TenantView> {
  const side = await googleSide(sessions, tenant);
  if (side.done) return side.done;
  // No PBX password (or CA file) here: show what Google says, and say what was not checked.
  const problem = await sessions.pbxProblem(tenant);
  if (problem) {
    return {
      tenant: tenant.id,
      projectId: tenant.projectId,
      stage: 'client-registered',
      facts: [...side.facts, `PBX not checked: ${problem}`],
      unchecked: [`PBX: ${problem}`],
      nextAction: `give gwkit the PBX password (or CA file) as said above, then run ${gwkitCommand(`status --tenant ${tenant.id}`)} again to see the PBX side`,
    };
  }
  return sessions.withPbx(tenant, async (pbx, settings) => pbxSideView(tenant, side, await pbx.getGoogle(settings.level)));
}

/** A report: exit 0 when every stage could be derived, 1 when a source could not be read for some tenant. */
export function statusFleet(sessions: SessionProvider, options: { concurrency?: number } = {}): Promise<FleetReport<TenantView>> {
  return runFleet(sessions.tenants, (t) => tenantStatus(sessions, t), {
    concurrency: options.concurrency,
    progress: sessions.progress,
    signal: sessions.signal,
    outcomeOf: (s) => ({ exitCode: ExitCode.Ok, nextAction: s.nextAction }),
  });
}
