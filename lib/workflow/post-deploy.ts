/**
 * `gwkit post-deploy`: put the tenant's OAuth client into the PBX and hand out the consent link.
 *
 * Idempotent: the PBX is written only when it holds a different pair, and read back to confirm.
 */
import type { TenantConfig } from '../config';
import { RemoteError, WaitingOnPersonError } from '../errors';
import type { OAuthClientPair } from '../google';
import type { RunContext } from './context';

export interface PostDeployResult {
  readonly tenant: string;
  readonly clientId: string;
  /** False when the PBX already held this exact pair. */
  readonly changed: boolean;
  readonly dryRun: boolean;
  /** The link an administrator opens to consent ("Complete the authorization"). */
  readonly consentUri?: string;
  /** client-registered: a dry run found the PBX needs the client (nothing written). */
  readonly stage: 'client-registered' | 'pbx-configured' | 'consent-pending';
  readonly nextAction: string;
}

/** Empty, or only mask characters: the PBX is not telling what it holds. */
function isMasked(secret: string | undefined): boolean {
  return !secret || /^[*•·x]+$/i.test(secret);
}

/**
 * How the PBX's Google settings compare with the pair: the same, different, or the same client
 * with a secret the PBX masks on read (so it cannot be compared). One rule for post-deploy,
 * its read-back and status.
 */
export function comparePbxClient(
  onPbx: { client_id?: string; client_secret?: string },
  pair: OAuthClientPair,
): 'same' | 'different' | 'secret-unknown' {
  if (onPbx.client_id !== pair.clientId) return 'different';
  if (isMasked(onPbx.client_secret)) return 'secret-unknown';
  return onPbx.client_secret === pair.clientSecret ? 'same' : 'different';
}

export async function postDeployTenant(
  ctx: RunContext,
  tenant: TenantConfig,
  options: { secretName: string; dryRun?: boolean },
): Promise<PostDeployResult> {
  const google = await ctx.google();
  const pair = await google.store.accessLatest(options.secretName);
  if (!pair) {
    throw new WaitingOnPersonError(
      `tenant "${tenant.id}": no OAuth client in ${options.secretName} yet`,
      `create the Web client in the Console (gwkit client guide --tenant ${tenant.id}), then gwkit client import --tenant ${tenant.id} --file CLIENT.json`,
    );
  }

  return ctx.withPbx(tenant, async (pbx, settings) => {
    const before = await pbx.getGoogle(settings.level);
    // A PBX that masks the secret on read cannot show it matches: then write, to be sure.
    const changed = comparePbxClient(before, pair) !== 'same';
    let after = before;
    if (changed && !options.dryRun) {
      ctx.log(`${tenant.id}: writing client ${pair.clientId} into the PBX (${settings.level} level)`);
      await pbx.setGoogle(settings.level, { client_id: pair.clientId, client_secret: pair.clientSecret });
      after = await pbx.getGoogle(settings.level);
      if (comparePbxClient(after, pair) === 'different') {
        throw new RemoteError(`tenant "${tenant.id}": the PBX did not keep the client pair (read back client_id ${after.client_id ?? 'none'})`);
      }
    }
    const base = { tenant: tenant.id, clientId: pair.clientId, changed, dryRun: !!options.dryRun };
    if (options.dryRun && changed) {
      // The PBX's current link belongs to the client about to be replaced: consenting there is wasted.
      return { ...base, stage: 'client-registered', nextAction: `run without --dry-run to write client ${pair.clientId} into the PBX` };
    }
    const consentUri = after.auth_consent_uri || undefined;
    return {
      ...base,
      consentUri,
      stage: consentUri ? 'consent-pending' : 'pbx-configured',
      nextAction: consentUri
        ? `a Google Workspace administrator opens ${consentUri} and allows access; then gwkit verify --tenant ${tenant.id}`
        : 'the PBX offers no consent link yet: check Integrations > Google Workspace in the PBX web portal',
    };
  });
}
