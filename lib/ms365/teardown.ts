/**
 * `gwkit teardown` for a Microsoft 365 tenant: stop the PBX's integration (`POST /ms365/destroy`,
 * PortSIP v22.6+), then guide the person through `cdktn destroy`, which removes the app
 * registration, its certificate credential, the service principal and the admin consent (gwkit
 * never runs Terraform). There is no stored secret to retire: the PBX keeps its own key.
 */
import type { Ms365TenantConfig } from '../config';
import { ExitCode, InputError } from '../errors';
import { cdkCommand } from '../workflow/printed-commands';
import type { SessionProvider } from '../workflow/session-provider';
import { noDestroyEndpoint } from '../workflow/teardown';

export interface Ms365TeardownResult {
  readonly tenant: string;
  readonly suite: 'microsoft-365';
  readonly dryRun: boolean;
  /** What was done (or, in a dry run, would be), in order. */
  readonly done: readonly string[];
  /** What the person does next, in order. */
  readonly steps: readonly string[];
  /** What Microsoft keeps after the stack is destroyed. */
  readonly keptByMicrosoft: readonly string[];
  readonly exitCode: ExitCode;
}

export async function teardownMs365(
  sessions: SessionProvider,
  tenant: Ms365TenantConfig,
  options: { dryRun?: boolean } = {},
): Promise<Ms365TeardownResult> {
  const dryRun = !!options.dryRun;
  const done: string[] = [];
  const steps: string[] = [];
  if (tenant.pbx) {
    // The PBX comes first: without its password or CA file nothing is touched.
    const problem = await sessions.pbxProblem(tenant);
    if (problem) throw new InputError(`teardown: ${problem}; nothing was changed`);
    const stopped = await sessions.withPbx(tenant, async (pbx) => {
      if (dryRun) return true;
      try {
        await pbx.destroyMs365();
        return true;
      } catch (error) {
        if (noDestroyEndpoint(error)) return false;
        throw error;
      }
    });
    if (stopped) done.push(`${dryRun ? 'would stop' : 'stopped'} the PBX's Microsoft 365 integration (POST /ms365/destroy)`);
    else
      steps.push(
        'this PBX predates PortSIP v22.6 (no /ms365/destroy): in its web portal open Integrations > Microsoft 365, turn off user sync and sign-in and clear the application id',
      );
  }
  steps.push(
    `delete the app registration, its certificate, its service principal and the admin consent: ${cdkCommand('destroy', [tenant.id])}`,
  );
  steps.push(`delete ${tenant.microsoft365.factsFile} and remove tenant ${tenant.id} from gwkit.yaml`);
  return {
    tenant: tenant.id,
    suite: 'microsoft-365',
    dryRun,
    done,
    steps,
    keptByMicrosoft: [
      `the deleted app registration stays in directory ${tenant.microsoft365.directoryId}'s deleted applications for 30 days (restorable there), then Microsoft purges it`,
    ],
    exitCode: ExitCode.WaitingOnPerson,
  };
}
