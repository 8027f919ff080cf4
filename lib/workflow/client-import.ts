/**
 * `gwkit client import`: verify the human step and store its result.
 *
 * Order matters: every check (file shape, project, redirect URIs, the token-endpoint probe)
 * runs before the one write, so a bad client changes nothing anywhere (exit 2).
 */
import type { TenantConfig } from '../config';
import { InputError, RemoteError } from '../errors';
import { checkClientFile, parseClientFile, probeClientPair, type OAuthClientPair } from '../google';
import type { SessionProvider } from './session-provider';
import { readRedirectUris } from './redirect-uris';
import { nextAction } from './stage-model';

/** Where the client came from: the Console's downloaded JSON, or ID and secret typed at a prompt. */
export type ClientSource =
  | { readonly kind: 'file'; readonly text: string; readonly source: string }
  | { readonly kind: 'pair'; readonly pair: OAuthClientPair; readonly source: string };

export interface ClientImportResult {
  readonly tenant: string;
  readonly projectId: string;
  readonly clientId: string;
  readonly secretName: string;
  /** What was verified, in words. */
  readonly checks: readonly string[];
  /** What could not be verified from this input, in words. */
  readonly unchecked: readonly string[];
  /** False when Secret Manager already holds this exact pair: nothing was written. */
  readonly changed: boolean;
  /** The new version's resource name, when one was added. */
  readonly version?: string;
  readonly dryRun: boolean;
  /** What comes next: the PBX gets the client. */
  readonly nextAction: string;
}

export async function importClient(
  ctx: SessionProvider,
  tenant: TenantConfig,
  input: ClientSource,
  options: { dryRun?: boolean } = {},
): Promise<ClientImportResult> {
  const checks: string[] = [];
  const unchecked: string[] = [];
  // The file first: a malformed one is refused before the PBX or Google hear of it.
  const file = input.kind === 'file' ? parseClientFile(input.text, input.source) : undefined;
  const uris = await readRedirectUris(ctx, tenant);
  checks.push(`PBX redirect URIs read: ${uris.all.length}`);

  let pair: OAuthClientPair;
  if (file) {
    const problems = checkClientFile(file, { projectId: tenant.projectId, redirectUris: [...uris.all] });
    if (problems.length) {
      throw new InputError(`${input.source}: this OAuth client does not fit tenant "${tenant.id}"; nothing was stored`, problems);
    }
    checks.push(`project is ${tenant.projectId}`, 'every PBX redirect URI is authorized');
    pair = { clientId: file.clientId, clientSecret: file.clientSecret };
  } else {
    pair = (input as Extract<ClientSource, { kind: 'pair' }>).pair;
    unchecked.push('project and redirect URIs (no client file; use --file for the full check)');
  }

  const google = await ctx.google();
  const probe = await probeClientPair(pair, {
    tokenUrl: google.endpoints.oauth2Token,
    redirectUri: uris.redirectUri,
    caFile: google.caFile,
  });
  if (probe.verdict === 'unexpected')
    throw new RemoteError(`tenant "${tenant.id}": could not check the client with Google: ${probe.detail}`, { retryable: true });
  if (!probe.ok) {
    throw new InputError(`${input.source}: Google rejects client ${pair.clientId} (${probe.verdict}); nothing was stored`, [probe.detail]);
  }
  checks.push('Google accepts the client ID and secret (token endpoint probe)');

  const current = await google.store.accessLatest(tenant.credentialSecretName);
  const changed = !current || current.clientId !== pair.clientId || current.clientSecret !== pair.clientSecret;
  let version: string | undefined;
  if (changed && !options.dryRun) {
    version = (await google.store.addVersion(tenant.credentialSecretName, pair)).version;
  }
  if (file && !options.dryRun) {
    // What the client was checked against: status tells when the PBX's redirect URIs move on.
    await google.records.recordChecked(tenant.credentialSecretName, {
      clientId: pair.clientId,
      redirectUris: [...uris.all],
      at: new Date().toISOString(),
    });
  }
  return {
    tenant: tenant.id,
    projectId: tenant.projectId,
    clientId: pair.clientId,
    secretName: tenant.credentialSecretName,
    checks,
    unchecked,
    changed,
    version,
    dryRun: !!options.dryRun,
    nextAction: nextAction.postDeploy(tenant),
  };
}
