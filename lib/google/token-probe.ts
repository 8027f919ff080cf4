/**
 * Check a client ID/secret pair without a user (RFC 6749 §5.2, docs/google-cloud.md): post an
 * authorization-code grant with a deliberately invalid code. Google authenticates the client
 * first, so `invalid_client` means the ID or secret is wrong, `invalid_grant` means both are right.
 */
import { randomBytes } from 'node:crypto';
import type { OAuthClientPair } from './client-credentials';
import { postForm, type TlsTrustOptions } from './transport';

export type ProbeVerdict = 'valid' | 'invalid_client' | 'unauthorized_client' | 'unexpected';

export interface ProbeResult {
  ok: boolean;
  verdict: ProbeVerdict;
  /** Human-readable; never contains the secret. */
  detail: string;
}

export async function probeClientPair(
  pair: OAuthClientPair,
  opts: { tokenUrl: string; redirectUri: string; timeoutMs?: number } & TlsTrustOptions,
): Promise<ProbeResult> {
  // A fresh random code can never be valid, so the probe has no side effect.
  const code = `gwkit-probe-${randomBytes(12).toString('hex')}`;
  let res;
  try {
    res = await postForm(
      opts.tokenUrl,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: opts.redirectUri,
        client_id: pair.clientId,
        client_secret: pair.clientSecret,
      },
      { caFile: opts.caFile, timeoutMs: opts.timeoutMs },
    );
  } catch (e) {
    return { ok: false, verdict: 'unexpected', detail: `token endpoint ${opts.tokenUrl} not reachable: ${describeFetchError(e)}` };
  }
  const body = (res.json ?? {}) as { error?: unknown; error_description?: unknown };
  const error = typeof body.error === 'string' ? body.error : undefined;
  const description = typeof body.error_description === 'string' ? ` (${body.error_description})` : '';
  switch (error) {
    case 'invalid_grant':
      return { ok: true, verdict: 'valid', detail: `client ${pair.clientId} exists and the secret matches` };
    case 'invalid_client':
      return {
        ok: false,
        verdict: 'invalid_client',
        detail: `Google does not accept client ${pair.clientId} with this secret${description}: check the client ID and secret (copy them again from the Console)`,
      };
    case 'unauthorized_client':
      return {
        ok: false,
        verdict: 'unauthorized_client',
        detail: `client ${pair.clientId} is not allowed to use the authorization-code grant${description}: it must be a "Web application" client`,
      };
    default:
      return {
        ok: false,
        verdict: 'unexpected',
        detail: `unexpected answer from ${opts.tokenUrl}: HTTP ${res.status}${error ? ` ${error}${description}` : ''}`,
      };
  }
}

/** undici reports "fetch failed" and hides the reason (TLS, DNS, refused) in `cause`. */
function describeFetchError(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err.cause ? `: ${err.cause.code ?? ''} ${err.cause.message ?? ''}`.trimEnd() : '';
  return `${err.message ?? String(e)}${cause}`;
}
