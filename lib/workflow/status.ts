/**
 * `gwkit status`: each tenant's stage (stage-model.ts), derived live from the sources. Read-only,
 * always: it never writes to the PBX or Google and never sends mail (proof is `gwkit verify`'s).
 * It does ask Google whether the secret the PBX holds is accepted now (a token-endpoint probe with
 * an invalid code: a read), so that a recorded proof never stands for a secret Google refuses.
 */
import type { TenantConfig } from '../config';
import { runFleet, type FleetReport } from './fleet-runner';
import type { SessionProvider } from './session-provider';
import { checkHeldSecret } from './secret-check';
import { exitCodeOfStatus, googleSide, pbxSideView, pbxUncheckedView, type TenantView } from './stage-model';

export async function tenantStatus(sessions: SessionProvider, tenant: TenantConfig): Promise<TenantView> {
  const side = await googleSide(sessions, tenant);
  if (side.done) return side.done;
  // No PBX password (or CA file) here: show what Google says, and say what was not checked.
  const problem = await sessions.pbxProblem(tenant);
  if (problem) return pbxUncheckedView(tenant, side, problem);
  return sessions.withPbx(tenant, async (pbx, settings) => {
    const onPbx = await pbx.getGoogle(settings.level);
    const held = await checkHeldSecret(sessions, tenant, side, onPbx, tenant.credentialSecretName);
    return pbxSideView(tenant, side, onPbx, Date.now(), held);
  });
}

/** A report: exit 0 when every stage could be derived, 1 when a tenant is broken or a source could not be read for it. */
export function statusFleet(sessions: SessionProvider, options: { concurrency?: number } = {}): Promise<FleetReport<TenantView>> {
  return runFleet(sessions.tenants, (t) => tenantStatus(sessions, t), {
    concurrency: options.concurrency,
    progress: sessions.progress,
    signal: sessions.signal,
    outcomeOf: (s) => ({ exitCode: exitCodeOfStatus(s), nextAction: s.nextAction }),
  });
}
