/**
 * Is the client secret the PBX holds accepted by Google now? The live check behind every claim
 * that a tenant is healthy, and before every step that retires something (docs/what-gwkit-checks.md).
 *
 * A recorded proof (`gwkit-last-proof`) says a test mail worked then. A person can disable the
 * secret in the Console at any time after, or Google can delete an unused client; the PBX then
 * holds a secret Google refuses and its mail dies at the next token refresh. So the records say
 * which secret to check, and Google says whether it still works.
 *
 * The check is the token-endpoint probe (lib/google/token-probe.ts): an invalid authorization
 * code, so no grant, no token and no mail; a read, which the read-only `status` may run.
 */
import type { TenantConfig } from '../config';
import { RemoteError } from '../errors';
import { probeClientPair, type ClientCredentialStore, type OAuthClientPair, type StoredClientPair } from '../google';
import type { GoogleIntegration } from '../pbx';
import { pbxTargetOf, type CredentialSecretFacts } from '../records';
import { describePbxClient, judgePbxClient } from './pbx-client';
import type { SessionProvider } from './session-provider';

export type SecretCheck =
  /** `version`: the Secret Manager version of the secret checked, when known. */
  | { readonly kind: 'accepted'; readonly version?: number }
  /** `pbxHoldsStored`: the refused secret is the stored (newest) version, so writing it again heals nothing. */
  | { readonly kind: 'refused'; readonly version?: number; readonly verdict: string; readonly pbxHoldsStored: boolean }
  /** Which secret the PBX holds cannot be known (no client, another client, masked with no record): nothing was probed. */
  | { readonly kind: 'unknown'; readonly why: string };

/**
 * Probe one pair at Google's token endpoint. An endpoint that does not answer as Google does is a
 * remote fault (retryable), never "accepted": a healthy claim is not made on a guess.
 */
export async function checkWithGoogle(
  sessions: SessionProvider,
  tenant: TenantConfig,
  records: CredentialSecretFacts,
  pair: OAuthClientPair,
  // Which secret this is decides the fix (enable it again, or write the stored one): every caller says.
  held: { version?: number; pbxHoldsStored: boolean },
): Promise<Exclude<SecretCheck, { kind: 'unknown' }>> {
  const { endpoints, caFile } = await sessions.google();
  // A redirect URI the client knows keeps Google's answer about the client, not the request.
  const redirectUri = records.checked?.redirectUris[0] ?? 'https://gwkit.invalid/probe';
  const probe = await probeClientPair(pair, { tokenUrl: endpoints.oauth2Token, redirectUri, caFile });
  if (probe.verdict === 'unexpected') {
    throw new RemoteError(`tenant "${tenant.id}": could not check the client secret with Google: ${probe.detail}`, { retryable: true });
  }
  const version = held.version === undefined ? {} : { version: held.version };
  return probe.ok
    ? { kind: 'accepted', ...version }
    : { kind: 'refused', ...version, verdict: probe.verdict, pbxHoldsStored: held.pbxHoldsStored };
}

/**
 * Check the secret the PBX holds now. Where the PBX echoes it, that is what is probed; where it
 * masks it, gwkit's record of the version it wrote (`gwkit-pbx-applied`) names the Secret Manager
 * version, and that version's secret is probed.
 */
export async function checkHeldSecret(
  sessions: SessionProvider,
  tenant: TenantConfig,
  given: { stored: StoredClientPair; records: CredentialSecretFacts },
  onPbx: GoogleIntegration,
  secretName: string,
): Promise<SecretCheck> {
  const { stored, records } = given;
  const verdict = judgePbxClient(onPbx, stored, records.applied, pbxTargetOf(tenant));
  if (verdict.kind === 'current')
    return checkWithGoogle(sessions, tenant, records, stored, { version: stored.version, pbxHoldsStored: true });
  if (verdict.kind !== 'other-secret') return { kind: 'unknown', why: describePbxClient(verdict, stored) };
  if (verdict.how === 'read') {
    return checkWithGoogle(
      sessions,
      tenant,
      records,
      { clientId: onPbx.client_id!, clientSecret: onPbx.client_secret! },
      { pbxHoldsStored: false },
    );
  }
  const { store } = await sessions.google();
  const held = await readableVersion(store, secretName, verdict.recordedVersion!);
  if (!held)
    return {
      kind: 'unknown',
      why: `the PBX masks its secret, and version ${verdict.recordedVersion} it was given is disabled or gone in Secret Manager`,
    };
  return checkWithGoogle(sessions, tenant, records, held, { version: held.version, pbxHoldsStored: false });
}

/** One version's pair, or undefined when it is disabled or destroyed; any other failure is thrown. */
export async function readableVersion(
  store: ClientCredentialStore,
  secretName: string,
  version: number,
): Promise<StoredClientPair | undefined> {
  return store.accessVersion(secretName, version).catch((error: unknown) => {
    const status = (error as { cause?: { status?: string } }).cause?.status;
    if (status === 'NOT_FOUND' || status === 'FAILED_PRECONDITION') return undefined;
    throw error;
  });
}
