/**
 * `gwkit post-deploy`: put the tenant's OAuth client into the PBX and hand out the consent link.
 *
 * Idempotent: the PBX is written only when it does not hold the stored version (lib/workflow/
 * pbx-client.ts says how that is known when the PBX masks the secret), read back, and recorded.
 */
import type { TenantConfig } from '../config';
import { WaitingOnPersonError } from '../errors';
import type { PbxAppliedRecord, StoredClientPair } from '../google';
import type { PbxSettings } from '../config';
import type { GoogleIntegration, PortSipClient } from '../pbx';
import type { RunContext } from './context';
import { applyClient, describePbxClient } from './pbx-client';

export interface PostDeployResult {
  readonly tenant: string;
  readonly clientId: string;
  /** Secret Manager version of the pair the PBX holds (or, in a dry run, would be given). */
  readonly version: number;
  /** False when the PBX already held this version. */
  readonly changed: boolean;
  /** Why the PBX was (or would be) written. */
  readonly reason?: string;
  /** What was found on the PBX before. */
  readonly found: string;
  readonly dryRun: boolean;
  /** The link an administrator opens to consent ("Complete the authorization"). */
  readonly consentUri?: string;
  /** client-registered: a dry run found the PBX needs the client (nothing written). */
  readonly stage: 'client-registered' | 'pbx-configured' | 'consent-pending';
  readonly nextAction: string;
}

export interface PostDeployOptions {
  readonly secretName: string;
  readonly dryRun?: boolean;
  /** Write even when the PBX is known to hold the stored version. */
  readonly force?: boolean;
}

/** The stored pair and the record of what the PBX was given, or a person must import first. */
export async function storedClientOf(
  ctx: RunContext,
  tenant: TenantConfig,
  secretName: string,
): Promise<{ stored: StoredClientPair; record?: PbxAppliedRecord }> {
  const { store } = await ctx.google();
  const [stored, record] = await Promise.all([store.accessLatest(secretName), store.readApplied(secretName)]);
  if (!stored) {
    throw new WaitingOnPersonError(
      `tenant "${tenant.id}": no OAuth client in ${secretName} yet`,
      `create the Web client in the Console (gwkit client guide --tenant ${tenant.id}), then gwkit client import --tenant ${tenant.id} --file CLIENT.json`,
    );
  }
  return { stored, record };
}

/** Where a tenant stands once the PBX holds the client: the consent link, or none yet. */
export function consentStep(tenant: TenantConfig, google: GoogleIntegration): Pick<PostDeployResult, 'consentUri' | 'stage' | 'nextAction'> {
  const consentUri = google.auth_consent_uri || undefined;
  return consentUri
    ? {
        consentUri,
        stage: 'consent-pending',
        nextAction: `a Google Workspace administrator opens ${consentUri} and allows access; then gwkit verify --tenant ${tenant.id}`,
      }
    : { stage: 'pbx-configured', nextAction: 'the PBX offers no consent link yet: check Integrations > Google Workspace in the PBX web portal' };
}

/** post-deploy inside an open PBX session (shared with rollout's single pass). */
export async function postDeployIn(
  pbx: PortSipClient,
  settings: PbxSettings,
  ctx: RunContext,
  tenant: TenantConfig,
  given: { stored: StoredClientPair; record?: PbxAppliedRecord },
  options: PostDeployOptions,
): Promise<PostDeployResult> {
  const { store } = await ctx.google();
  const step = await applyClient(pbx, settings.level, tenant, given.stored, store, {
    secretName: options.secretName,
    record: given.record,
    force: options.force,
    dryRun: options.dryRun,
    log: ctx.log,
  });
  const base = {
    tenant: tenant.id,
    clientId: given.stored.clientId,
    version: given.stored.version,
    changed: step.changed,
    reason: step.reason,
    found: describePbxClient(step.verdict, given.stored),
    dryRun: !!options.dryRun,
  };
  if (options.dryRun && step.changed) {
    // The PBX's current link belongs to the client about to be replaced: consenting there is wasted.
    return { ...base, stage: 'client-registered', nextAction: `run without --dry-run to write client ${given.stored.clientId} into the PBX` };
  }
  return { ...base, ...consentStep(tenant, step.after) };
}

export async function postDeployTenant(ctx: RunContext, tenant: TenantConfig, options: PostDeployOptions): Promise<PostDeployResult> {
  const given = await storedClientOf(ctx, tenant, options.secretName);
  return ctx.withPbx(tenant, (pbx, settings) => postDeployIn(pbx, settings, ctx, tenant, given, options));
}
