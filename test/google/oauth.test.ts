/**
 * The OAuth side against the emulator: token probe, Console client files, the consent page
 * (plain HTTPS requests, as a browser would make them), code exchange, refresh revocation,
 * and impersonation through IAM Credentials.
 */
import { readFileSync } from 'node:fs';
import { ClientCredentialStore, checkClientFile, createGoogleAuth, parseClientFile, probeClientPair } from '../../lib/google';
import { InputError } from '../../lib/errors';
import { PBX_REDIRECT, PROJECT_ID, SBC_REDIRECT, browserRequests, startFixture, type Fixture } from './fixture';

let fx: Fixture;
let web: { clientId: string; clientSecret: string; downloadJson: string };
let browser: ReturnType<typeof browserRequests>;
beforeAll(async () => {
  fx = await startFixture();
  web = fx.emu.createWebClient({ projectId: PROJECT_ID, redirectUris: [PBX_REDIRECT, SBC_REDIRECT], name: 'ACME PBX' });
  browser = browserRequests(fx.emu.caFile);
});
afterAll(async () => {
  await browser?.close();
  await fx?.emu.close();
});

describe('token probe', () => {
  const probe = (clientId: string, clientSecret: string) =>
    probeClientPair(
      { clientId, clientSecret },
      { tokenUrl: fx.emu.endpoints.oauth2Token, redirectUri: PBX_REDIRECT, caFile: fx.emu.caFile },
    );

  test('valid pair -> invalid_grant -> valid', async () => {
    await expect(probe(web.clientId, web.clientSecret)).resolves.toMatchObject({ ok: true, verdict: 'valid' });
  });
  test('wrong secret -> invalid_client, secret not in detail', async () => {
    const r = await probe(web.clientId, 'GOCSPX-wrong-secret');
    expect(r).toMatchObject({ ok: false, verdict: 'invalid_client' });
    expect(r.detail).toContain(web.clientId);
    expect(r.detail).not.toContain('GOCSPX-wrong-secret');
  });
  test('unknown client -> invalid_client', async () => {
    await expect(probe('999-nope.apps.googleusercontent.com', 'x')).resolves.toMatchObject({ verdict: 'invalid_client' });
  });
  test('untrusted TLS (no CA given) -> unexpected, verification not skipped', async () => {
    const r = await probeClientPair(
      { clientId: web.clientId, clientSecret: web.clientSecret },
      { tokenUrl: fx.emu.endpoints.oauth2Token, redirectUri: PBX_REDIRECT },
    );
    expect(r.verdict).toBe('unexpected');
    expect(r.detail).toMatch(/certificate|CERT|self.signed|issuer/i);
  });
});

describe('client files', () => {
  test('Console download parses and matches the tenant', () => {
    const file = parseClientFile(web.downloadJson, 'client.json');
    expect(file).toEqual({
      projectId: PROJECT_ID,
      clientId: web.clientId,
      clientSecret: web.clientSecret,
      redirectUris: [PBX_REDIRECT, SBC_REDIRECT],
      source: 'client.json',
    });
    expect(checkClientFile(file, { projectId: PROJECT_ID, redirectUris: [PBX_REDIRECT, SBC_REDIRECT] })).toEqual([]);
  });
  test('wrong project and missing SBC redirect URI are each named', () => {
    const other = fx.emu.createProject({ projectId: 'other-project-42' });
    const c = fx.emu.createWebClient({ projectId: other.projectId, redirectUris: [PBX_REDIRECT] });
    const problems = checkClientFile(parseClientFile(c.downloadJson, 'dl.json'), {
      projectId: PROJECT_ID,
      redirectUris: [PBX_REDIRECT, SBC_REDIRECT],
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/"other-project-42", expected "acme-pbx-tenant1"/);
    expect(problems[1]).toContain(SBC_REDIRECT);
    expect(problems[1]).toMatch(/missing/);
  });
  test('"installed" (Desktop) client is rejected: must be Web application', () => {
    const text = JSON.stringify({ installed: { client_id: '1-a.apps.googleusercontent.com', client_secret: 's', project_id: 'p' } });
    expect(() => parseClientFile(text, 'desktop.json')).toThrow(InputError);
    expect(() => parseClientFile(text, 'desktop.json')).toThrow(/desktop\.json.*Web application/s);
  });
  test('malformed JSON and missing fields name source and field, never the secret', () => {
    expect(() => parseClientFile('{"web":', 'bad.json')).toThrow(/bad\.json: invalid JSON/);
    const e = (() => {
      try {
        parseClientFile(JSON.stringify({ web: { client_id: '1-a.apps.googleusercontent.com', client_secret: 'TOPSECRET' } }), 'f.json');
      } catch (err) {
        return err as InputError;
      }
      throw new Error('no error');
    })();
    expect(e.problems).toEqual([
      'f.json: web.project_id is missing or not a non-empty string',
      'f.json: web.redirect_uris is missing: add the PBX redirect URI(s) to the client in the Console',
    ]);
    expect(e.message).not.toContain('TOPSECRET');
  });
});

describe('consent page and code exchange', () => {
  const authUrl = (redirectUri: string, clientId = web.clientId) => {
    const u = new URL(fx.emu.endpoints.authorization);
    u.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'https://mail.google.com/ openid email',
      access_type: 'offline',
      prompt: 'consent',
      state: 'xyz 1',
    }).toString();
    return u.toString();
  };
  const consentId = (html: string) => /name="consent_id" value="([^"]+)"/.exec(html)![1]!;

  test('allow -> code -> tokens with refresh token; code single-use; revoked refresh -> invalid_grant', async () => {
    const page = await browser.get(authUrl(SBC_REDIRECT));
    expect(page.status).toBe(200);
    expect(page.text).toContain('gwkit Google emulator');
    expect(page.text).toContain('ACME PBX');
    expect(page.text).toContain('https://mail.google.com/');
    const decision = await browser.post(`${fx.emu.url}/o/oauth2/v2/auth/consent`, { consent_id: consentId(page.text), decision: 'allow' });
    expect(decision.status).toBe(302);
    const back = new URL(String(decision.headers.location));
    expect(`${back.origin}${back.pathname}`).toBe(SBC_REDIRECT);
    expect(back.searchParams.get('state')).toBe('xyz 1');
    const code = back.searchParams.get('code')!;

    const exchange = (redirectUri: string) =>
      browser.post(
        fx.emu.endpoints.oauth2Token,
        { grant_type: 'authorization_code', code, redirect_uri: redirectUri },
        { authorization: `Basic ${Buffer.from(`${web.clientId}:${web.clientSecret}`).toString('base64')}` },
      );
    const mismatch = await exchange(PBX_REDIRECT);
    expect([mismatch.status, mismatch.json().error]).toEqual([400, 'redirect_uri_mismatch']);
    const ok = await exchange(SBC_REDIRECT);
    expect(ok.status).toBe(200);
    const tokens = ok.json();
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3599, scope: 'https://mail.google.com/ openid email' });
    expect(typeof tokens.refresh_token).toBe('string');
    const reused = await exchange(SBC_REDIRECT);
    expect([reused.status, reused.json().error]).toEqual([400, 'invalid_grant']);

    const refresh = () =>
      browser.post(fx.emu.endpoints.oauth2Token, {
        grant_type: 'refresh_token',
        refresh_token: String(tokens.refresh_token),
        client_id: web.clientId,
        client_secret: web.clientSecret,
      });
    expect((await refresh()).status).toBe(200);
    expect(fx.emu.revokeRefreshTokens(web.clientId)).toBe(1);
    const dead = await refresh();
    expect([dead.status, dead.json()]).toEqual([400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }]);

    // A Gmail-scoped user token is not a cloud-platform token: Secret Manager refuses it.
    const sm = await browser.get(`${fx.emu.url}/v1/${fx.secretName}`);
    expect(sm.status).toBe(401);
    expect(JSON.parse(sm.text).error.status).toBe('UNAUTHENTICATED');
  });

  test('deny -> access_denied with state', async () => {
    const page = await browser.get(authUrl(PBX_REDIRECT));
    const decision = await browser.post(`${fx.emu.url}/o/oauth2/v2/auth/consent`, { consent_id: consentId(page.text), decision: 'deny' });
    const back = new URL(String(decision.headers.location));
    expect([back.searchParams.get('error'), back.searchParams.get('state'), back.searchParams.get('code')]).toEqual([
      'access_denied',
      'xyz 1',
      null,
    ]);
  });

  test('redirect URI not registered -> Error 400: redirect_uri_mismatch; unknown client -> invalid_client', async () => {
    const mismatch = await browser.get(authUrl('https://pbx.acme.example:8887/other'));
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('Error 400: redirect_uri_mismatch');
    expect(mismatch.text).toContain('gwkit Google emulator');
    const unknown = await browser.get(authUrl(PBX_REDIRECT, '1-unknown.apps.googleusercontent.com'));
    expect(unknown.status).toBe(401);
    expect(unknown.text).toContain('Error 401: invalid_client');
  });
});

describe('ADC variants', () => {
  test('impersonating a service account goes through IAM Credentials generateAccessToken', async () => {
    const sa = 'gwkit-deployer@acme-admin.iam.gserviceaccount.com';
    fx.emu.createServiceAccount(sa);
    const auth = await createGoogleAuth({ endpoints: fx.emu.endpoints, caFile: fx.emu.caFile, impersonateServiceAccount: sa });
    const store = new ClientCredentialStore(auth, { endpoints: fx.emu.endpoints });
    await expect(store.accessLatest(fx.secretName)).resolves.toBeUndefined();
    const calls = fx.emu.state.requests.filter((r) => r.path.endsWith(':generateAccessToken'));
    expect(calls.at(-1)).toMatchObject({ status: 200, principal: fx.emu.user });
    expect(fx.emu.state.requests.at(-1)?.principal).toBe(sa);
  });

  test('revoked ADC refresh token -> RemoteError telling to log in again', async () => {
    process.env.GOOGLE_APPLICATION_CREDENTIALS = fx.emu.writeAdcFile();
    try {
      const auth = await createGoogleAuth({ endpoints: fx.emu.endpoints, caFile: fx.emu.caFile });
      const adcClientId = JSON.parse(readFileSync(process.env.GOOGLE_APPLICATION_CREDENTIALS, 'utf8')).client_id as string;
      fx.emu.revokeRefreshTokens(adcClientId);
      const store = new ClientCredentialStore(auth, { endpoints: fx.emu.endpoints });
      await expect(store.accessLatest(fx.secretName)).rejects.toThrow(
        /400 invalid_grant: Token has been expired or revoked\. .*gcloud auth application-default login/,
      );
    } finally {
      process.env.GOOGLE_APPLICATION_CREDENTIALS = fx.emu.adcFile;
    }
  });
});
