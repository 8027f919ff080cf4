/**
 * `gwkit teardown`: take one tenant's integration down, in the order that leaves nothing
 * half-working: stop the PBX integration, retire the stored client, then guide the person through
 * `cdktf destroy`, which gwkit never runs (the project's deletion protections are the person's
 * call, made in gwkit.yaml).
 */
import type { TenantConfig } from '../config';
import { ExitCode, InputError } from '../errors';
import { PortSipError } from '../pbx';
import { cdkCommand } from './printed-commands';
import type { SessionProvider } from './session-provider';

export interface TeardownResult {
  readonly tenant: string;
  readonly dryRun: boolean;
  /** What was done (or, in a dry run, would be), in order. */
  readonly done: readonly string[];
  /** What the person does next, in order. */
  readonly steps: readonly string[];
  /** What Google keeps after the project is deleted. */
  readonly keptByGoogle: readonly string[];
  readonly exitCode: ExitCode;
}

/** PBXs before v22.6 have no destroy endpoint: answered 404/405/501. */
export function noDestroyEndpoint(error: unknown): boolean {
  return error instanceof PortSipError && (error.status === 404 || error.status === 405 || error.status === 501);
}

export async function teardownTenant(
  sessions: SessionProvider,
  tenant: TenantConfig,
  options: { dryRun?: boolean } = {},
): Promise<TeardownResult> {
  const dryRun = !!options.dryRun;
  const done: string[] = [];
  const steps: string[] = [];
  const { store, records } = await sessions.google();
  const secretName = tenant.credentialSecretName;
  const would = (what: string) => done.push(dryRun ? `would ${what}` : what);

  if (tenant.pbx) {
    // The PBX comes first: without its password or CA file nothing else is touched.
    const problem = await sessions.pbxProblem(tenant);
    if (problem) throw new InputError(`teardown: ${problem}; nothing was changed`);
    const level = tenant.pbx.level;
    const stopped = await sessions.withPbx(tenant, async (pbx) => {
      if (dryRun) return true;
      try {
        await pbx.destroyGoogle(level);
        return true;
      } catch (error) {
        if (noDestroyEndpoint(error)) return false;
        throw error;
      }
    });
    if (stopped) would(`stop the PBX's Google integration (POST ${level === 'system' ? '/admin/google/destroy' : '/google/destroy'})`);
    else
      steps.push(
        'this PBX predates PortSIP v22.6 (no /google/destroy): in its web portal open Integrations > Google Workspace and reset the integration by hand',
      );
  }

  const versions = await store.enabledVersions(secretName);
  for (const version of versions) {
    if (!dryRun) await store.disableVersion(secretName, version);
    would(`disable version ${version} of ${secretName}`);
  }
  if (!dryRun) await records.forgetAll(secretName);

  steps.push(...projectDeletionSteps(tenant));
  return {
    tenant: tenant.id,
    dryRun,
    done,
    steps,
    keptByGoogle: [
      `the project id ${tenant.projectId} stays reserved for about 30 days after deletion (it cannot be reused meanwhile)`,
      'the project can be restored within that time (gcloud projects undelete), with its OAuth client',
    ],
    exitCode: ExitCode.WaitingOnPerson,
  };
}

/**
 * What a person runs to delete the tenant's project (gwkit never runs Terraform): first lift the
 * protections gwkit.yaml put on it, if any, then `destroy`.
 */
export function projectDeletionSteps(tenant: TenantConfig): string[] {
  const steps: string[] = [];
  const unprotect: string[] = [];
  if (tenant.deletionPolicy === 'PREVENT') unprotect.push('deletionPolicy: DELETE (now PREVENT)');
  if (tenant.lien) unprotect.push('lien: false (a lien now blocks deletion)');
  if (unprotect.length) {
    steps.push(
      `the project is protected; if it really should go, set ${unprotect.join(' and ')} for tenant ${tenant.id} in gwkit.yaml, ` +
        `then apply that: ${cdkCommand('deploy', [tenant.id])}`,
    );
  }
  steps.push(`delete the project and everything in it: ${cdkCommand('destroy', [tenant.id])}`);
  steps.push(`remove tenant ${tenant.id} from gwkit.yaml`);
  return steps;
}
