/**
 * OAuth 2.0 as Google answers it: the token endpoint (RFC 6749 §5.2 error shapes and Google's
 * error_description texts), the authorization/consent page, and IAM Credentials
 * generateAccessToken for impersonation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GoogleEmulatorState, EmuAccessToken } from './state';
import { clientAcceptsSecret, token } from './state';
import { HttpError, escapeHtml, sendHtml, sendJson } from './http';

export const ACCESS_TOKEN_TTL_S = 3599;
const CODE_TTL_MS = 10 * 60_000;

export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

interface TokenError {
  status: number;
  error: string;
  description: string;
}

const isTokenError = (r: TokenError | Record<string, unknown>): r is TokenError =>
  typeof r.error === 'string' && typeof r.status === 'number';

const tokenError = (status: number, error: string, description: string): TokenError => ({ status, error, description });

/** Client authentication: HTTP Basic (RFC 6749 §2.3.1, form-urlencoded parts) or client_secret_post. */
function clientCredentials(req: IncomingMessage, form: URLSearchParams): { id?: string; secret?: string } {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) {
      const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      return { id: dec(decoded.slice(0, i)), secret: dec(decoded.slice(i + 1)) };
    }
  }
  return { id: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}

export function issueAccessToken(state: GoogleEmulatorState, t: Omit<EmuAccessToken, 'expiresAt'>): string {
  const value = token('ya29.emu-');
  state.accessTokens.set(value, { ...t, expiresAt: Date.now() + ACCESS_TOKEN_TTL_S * 1000 });
  return value;
}

/** POST /token. Returns a summary for the request log (no secrets). */
export function handleToken(state: GoogleEmulatorState, req: IncomingMessage, res: ServerResponse, body: Buffer): Record<string, unknown> {
  const ct = req.headers['content-type'] ?? '';
  const form = new URLSearchParams(ct.includes('application/x-www-form-urlencoded') ? body.toString('utf8') : '');
  const grantType = form.get('grant_type') ?? '';
  const { id, secret } = clientCredentials(req, form);
  const logged = { grant_type: grantType, client_id: id };
  const result = tokenGrant(state, form, grantType, id, secret);
  if (isTokenError(result)) {
    sendJson(res, result.status, { error: result.error, error_description: result.description });
  } else {
    sendJson(res, 200, result, { pragma: 'no-cache' });
  }
  return logged;
}

function tokenGrant(
  state: GoogleEmulatorState,
  form: URLSearchParams,
  grantType: string,
  id: string | undefined,
  secret: string | undefined,
): TokenError | Record<string, unknown> {
  if (!grantType) return tokenError(400, 'unsupported_grant_type', 'Invalid grant_type: ');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    return tokenError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
  }
  if (!id) return tokenError(400, 'invalid_request', 'Could not determine client ID from request.');
  // Google authenticates the client before looking at the grant: the token probe relies on it.
  const client = state.clients.get(id);
  if (!client) return tokenError(401, 'invalid_client', 'The OAuth client was not found.');
  // Any enabled secret of the client (rotation: old and new both work until the old is disabled).
  if (!clientAcceptsSecret(client, secret)) return tokenError(401, 'invalid_client', 'Unauthorized');

  if (grantType === 'authorization_code') {
    const code = form.get('code');
    if (!code) return tokenError(400, 'invalid_request', 'Missing required parameter: code');
    const grant = state.authCodes.get(code);
    if (!grant) return tokenError(400, 'invalid_grant', 'Malformed auth code.');
    if (grant.used || grant.expiresAt < Date.now() || grant.clientId !== id) return tokenError(400, 'invalid_grant', 'Bad Request');
    if (form.get('redirect_uri') !== grant.redirectUri) return tokenError(400, 'redirect_uri_mismatch', 'Bad Request');
    grant.used = true;
    const out: Record<string, unknown> = {
      access_token: issueAccessToken(state, { principal: grant.user, clientId: id, scopes: grant.scopes }),
      expires_in: ACCESS_TOKEN_TTL_S,
      scope: grant.scopes.join(' '),
      token_type: 'Bearer',
    };
    if (grant.offline) {
      const refresh = token('1//emu-', 48);
      state.refreshTokens.set(refresh, { clientId: id, scopes: grant.scopes, user: grant.user, revoked: false });
      out.refresh_token = refresh;
    }
    return out;
  }

  const refresh = form.get('refresh_token');
  if (!refresh) return tokenError(400, 'invalid_request', 'Missing required parameter: refresh_token');
  const rt = state.refreshTokens.get(refresh);
  if (!rt || rt.revoked) return tokenError(400, 'invalid_grant', 'Token has been expired or revoked.');
  if (rt.clientId !== id) return tokenError(400, 'unauthorized_client', 'Unauthorized');
  return {
    access_token: issueAccessToken(state, { principal: rt.user, clientId: id, scopes: rt.scopes }),
    expires_in: ACCESS_TOKEN_TTL_S,
    scope: rt.scopes.join(' '),
    token_type: 'Bearer',
  };
}

const page = (title: string, inner: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - gwkit Google emulator</title>
<style>body{font-family:sans-serif;max-width:36rem;margin:2rem auto}.banner{background:#fde293;padding:.4rem .8rem;border-radius:4px}
button{font-size:1rem;padding:.4rem 1.2rem;margin-right:.6rem}code{word-break:break-all}</style></head>
<body><p class="banner" id="emulator-banner">gwkit Google emulator &mdash; not Google. Nothing here is real.</p>${inner}</body></html>`;

function errorPage(res: ServerResponse, status: number, code: string, explanation: string, details: Record<string, string>): void {
  const rows = Object.entries(details)
    .map(([k, v]) => `<li><code>${escapeHtml(k)}=${escapeHtml(v)}</code></li>`)
    .join('');
  sendHtml(
    res,
    status,
    page(
      'Access blocked',
      `<h1>Access blocked: Authorization Error</h1><p id="error-explanation">${escapeHtml(explanation)}</p>
<p id="error-code"><strong>Error ${status}: ${escapeHtml(code)}</strong></p><h2>Request details</h2><ul>${rows}</ul>`,
    ),
  );
}

/** GET /o/oauth2/v2/auth: validate like Google, then show the consent page. */
export function handleAuthorize(state: GoogleEmulatorState, url: URL, res: ServerResponse, user: string): void {
  const q = url.searchParams;
  const clientId = q.get('client_id') ?? '';
  const redirectUri = q.get('redirect_uri') ?? '';
  const details: Record<string, string> = { client_id: clientId, redirect_uri: redirectUri };
  const client = state.clients.get(clientId);
  if (!client) {
    errorPage(res, 401, 'invalid_client', 'The OAuth client was not found.', details);
    return;
  }
  if (!client.redirectUris.includes(redirectUri)) {
    errorPage(
      res,
      400,
      'redirect_uri_mismatch',
      `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. If you're the app developer, register the redirect URI in the Google Cloud Console.`,
      details,
    );
    return;
  }
  if (q.get('response_type') !== 'code') {
    errorPage(res, 400, 'invalid_request', `Invalid response_type: ${q.get('response_type') ?? ''}`, details);
    return;
  }
  const scopes = (q.get('scope') ?? '').split(/\s+/).filter(Boolean);
  if (!scopes.length) {
    errorPage(res, 400, 'invalid_request', 'Missing required parameter: scope', details);
    return;
  }
  const consentId = token('c-', 18);
  state.pendingConsents.set(consentId, {
    clientId,
    redirectUri,
    scopes,
    state: q.get('state') ?? undefined,
    offline: q.get('access_type') === 'offline',
  });
  const scopeList = scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
  sendHtml(
    res,
    200,
    page(
      'Sign in',
      // Like Google: the consent screen's app name (Branding), not the OAuth client's name.
      `<h1>${escapeHtml(state.project(client.projectId)?.appName ?? client.name)} wants access to your Google Account</h1>
<p>Signed in as <strong id="user">${escapeHtml(user)}</strong>. Client <code id="client-id">${escapeHtml(clientId)}</code> of project <code>${escapeHtml(client.projectId)}</code>.</p>
<p>This will allow the app to:</p><ul id="scopes">${scopeList}</ul>
<form method="POST" action="/o/oauth2/v2/auth/consent">
<input type="hidden" name="consent_id" value="${consentId}">
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
<button type="submit" name="decision" value="allow" id="allow">Allow</button>
</form>`,
    ),
  );
}

/** POST /o/oauth2/v2/auth/consent (the emulator's own form target): redirect back like Google. */
export function handleConsent(state: GoogleEmulatorState, body: Buffer, res: ServerResponse, user: string): Record<string, unknown> {
  const form = new URLSearchParams(body.toString('utf8'));
  const pending = state.pendingConsents.get(form.get('consent_id') ?? '');
  const decision = form.get('decision');
  if (!pending || (decision !== 'allow' && decision !== 'deny')) {
    sendHtml(res, 400, page('Error', '<h1>Error 400: invalid_request</h1><p>Unknown or used consent request.</p>'));
    return { decision };
  }
  state.pendingConsents.delete(form.get('consent_id')!);
  const target = new URL(pending.redirectUri);
  if (decision === 'allow') {
    const code = token('4/emu-', 30);
    state.authCodes.set(code, {
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      scopes: pending.scopes,
      user,
      offline: pending.offline,
      used: false,
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    if (pending.state !== undefined) target.searchParams.set('state', pending.state);
    target.searchParams.set('code', code);
    target.searchParams.set('scope', pending.scopes.join(' '));
    target.searchParams.set('authuser', '0');
    target.searchParams.set('prompt', 'consent');
  } else {
    target.searchParams.set('error', 'access_denied');
    if (pending.state !== undefined) target.searchParams.set('state', pending.state);
  }
  res.writeHead(302, { location: target.toString() });
  res.end();
  return { decision, client_id: pending.clientId };
}

/** POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken (IAM Credentials). */
export function handleGenerateAccessToken(state: GoogleEmulatorState, email: string, body: Buffer, res: ServerResponse): void {
  if (!state.serviceAccounts.has(email)) {
    throw new HttpError(404, 'NOT_FOUND', `Not found; Gaia id not found for email ${email}`);
  }
  let req: { scope?: unknown; lifetime?: unknown };
  try {
    req = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
  }
  const scopes = Array.isArray(req.scope) ? req.scope.filter((s): s is string => typeof s === 'string') : [];
  if (!scopes.length) throw new HttpError(400, 'INVALID_ARGUMENT', 'Scope required.');
  const accessToken = issueAccessToken(state, { principal: email, scopes });
  sendJson(res, 200, { accessToken, expireTime: new Date(Date.now() + ACCESS_TOKEN_TTL_S * 1000).toISOString() });
}
