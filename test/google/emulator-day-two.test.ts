/**
 * "Day two" in the Google emulator: rotating an OAuth client's secret the 2025 way (add a second
 * secret, disable the old one), deleting a client, and Secret Manager versions disabled, enabled
 * and destroyed through the API as gcloud/googleapis call it.
 */
import { request } from 'undici';
import { secretmanager_v1 } from 'googleapis/build/src/apis/secretmanager/v1';
import { apiRoot, parseClientFile, probeClientPair } from '../../lib/google';
import { PBX_REDIRECT, PROJECT_ID, SECRET_ID, browserRequests, startFixture, type Fixture } from './fixture';

let fx: Fixture;
let browser: ReturnType<typeof browserRequests>;
beforeAll(async () => {
  fx = await startFixture();
  browser = browserRequests(fx.emu.caFile);
});
afterAll(async () => {
  await browser?.close();
  await fx?.emu.close();
});

const probe = (clientId: string, clientSecret: string) =>
  probeClientPair({ clientId, clientSecret }, { tokenUrl: fx.emu.endpoints.oauth2Token, redirectUri: PBX_REDIRECT, caFile: fx.emu.caFile });

/** Consent (allow, offline) and code exchange: a refresh token issued to the client. */
async function refreshTokenFor(clientId: string, clientSecret: string): Promise<string> {
  const u = new URL(fx.emu.endpoints.authorization);
  u.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: PBX_REDIRECT,
    response_type: 'code',
    scope: 'https://mail.google.com/',
    access_type: 'offline',
  }).toString();
  const page = await browser.get(u.toString());
  expect(page.status).toBe(200);
  const consentId = /name="consent_id" value="([^"]+)"/.exec(page.text)![1]!;
  const decision = await browser.post(`${fx.emu.url}/o/oauth2/v2/auth/consent`, { consent_id: consentId, decision: 'allow' });
  const code = new URL(String(decision.headers.location)).searchParams.get('code')!;
  const exchange = await browser.post(fx.emu.endpoints.oauth2Token, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: PBX_REDIRECT,
    client_id: clientId,
    client_secret: clientSecret,
  });
  expect(exchange.status).toBe(200);
  return String(exchange.json().refresh_token);
}

const refresh = (clientId: string, clientSecret: string, refreshToken: string) =>
  browser.post(fx.emu.endpoints.oauth2Token, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: clientId,
    client_secret: clientSecret,
  });

describe('OAuth client secret rotation', () => {
  test('a new Web client has exactly one enabled secret', () => {
    const web = fx.emu.createWebClient({ projectId: PROJECT_ID, redirectUris: [PBX_REDIRECT] });
    const client = fx.emu.state.clients.get(web.clientId)!;
    expect(client.secrets).toEqual([{ secret: web.clientSecret, enabled: true, createTime: expect.any(String) }]);
    expect(client.clientSecret).toBe(web.clientSecret);
  });

  test('add secret: both accepted; disable the old one: old refused, new and the refresh token still work', async () => {
    const web = fx.emu.createWebClient({ projectId: PROJECT_ID, redirectUris: [PBX_REDIRECT], name: 'ACME PBX' });
    const refreshToken = await refreshTokenFor(web.clientId, web.clientSecret);

    const added = fx.emu.addClientSecret(web.clientId);
    expect(added.clientSecret).toMatch(/^GOCSPX-/);
    expect(added.clientSecret).not.toBe(web.clientSecret);
    // The new download carries the new secret, same client, project and redirect URIs.
    expect(parseClientFile(added.downloadJson, 'rotated.json')).toEqual({
      ...parseClientFile(web.downloadJson, 'rotated.json'),
      clientSecret: added.clientSecret,
    });
    expect(Object.keys(JSON.parse(added.downloadJson).web)).toEqual(Object.keys(JSON.parse(web.downloadJson).web));
    expect(fx.emu.state.clients.get(web.clientId)!.secrets.map((s) => s.enabled)).toEqual([true, true]);

    await expect(probe(web.clientId, web.clientSecret)).resolves.toMatchObject({ ok: true, verdict: 'valid' });
    await expect(probe(web.clientId, added.clientSecret)).resolves.toMatchObject({ ok: true, verdict: 'valid' });
    // The refresh token is bound to the client, not to the secret it was obtained with.
    expect((await refresh(web.clientId, added.clientSecret, refreshToken)).status).toBe(200);

    fx.emu.disableClientSecret(web.clientId, web.clientSecret);
    await expect(probe(web.clientId, web.clientSecret)).resolves.toMatchObject({ ok: false, verdict: 'invalid_client' });
    await expect(probe(web.clientId, added.clientSecret)).resolves.toMatchObject({ ok: true, verdict: 'valid' });
    const old = await refresh(web.clientId, web.clientSecret, refreshToken);
    expect([old.status, old.json().error]).toEqual([401, 'invalid_client']);
    expect((await refresh(web.clientId, added.clientSecret, refreshToken)).status).toBe(200);
    // The single-secret view follows the rotation.
    expect(fx.emu.state.clients.get(web.clientId)!.clientSecret).toBe(added.clientSecret);

    // The request log never holds a client secret.
    const log = JSON.stringify(fx.emu.state.requests);
    expect(log).not.toContain(web.clientSecret);
    expect(log).not.toContain(added.clientSecret);
  });

  test('an unknown secret is refused, and disabling one the client lacks throws', async () => {
    const web = fx.emu.createWebClient({ projectId: PROJECT_ID, redirectUris: [PBX_REDIRECT] });
    fx.emu.addClientSecret(web.clientId);
    await expect(probe(web.clientId, 'GOCSPX-never-issued')).resolves.toMatchObject({ verdict: 'invalid_client' });
    expect(() => fx.emu.disableClientSecret(web.clientId, 'GOCSPX-never-issued')).toThrow(/no such secret/);
    expect(() => fx.emu.addClientSecret('1-unknown.apps.googleusercontent.com')).toThrow(/no OAuth client/);
  });

  test('deleteClient: every secret refused, refresh token dead, consent page refuses the client', async () => {
    const web = fx.emu.createWebClient({ projectId: PROJECT_ID, redirectUris: [PBX_REDIRECT] });
    const refreshToken = await refreshTokenFor(web.clientId, web.clientSecret);
    const added = fx.emu.addClientSecret(web.clientId);

    fx.emu.deleteClient(web.clientId);
    expect(fx.emu.state.clients.has(web.clientId)).toBe(false);
    await expect(probe(web.clientId, web.clientSecret)).resolves.toMatchObject({ ok: false, verdict: 'invalid_client' });
    await expect(probe(web.clientId, added.clientSecret)).resolves.toMatchObject({ ok: false, verdict: 'invalid_client' });
    const r = await refresh(web.clientId, added.clientSecret, refreshToken);
    expect([r.status, r.json().error]).toEqual([401, 'invalid_client']);

    const u = new URL(fx.emu.endpoints.authorization);
    u.search = new URLSearchParams({
      client_id: web.clientId,
      redirect_uri: PBX_REDIRECT,
      response_type: 'code',
      scope: 'openid',
    }).toString();
    const page = await browser.get(u.toString());
    expect(page.status).toBe(401);
    expect(page.text).toContain('Error 401: invalid_client');
    expect(() => fx.emu.deleteClient(web.clientId)).toThrow(/no OAuth client/);
  });

  test('legacy "Reset secret" through the clientSecret field replaces every secret', async () => {
    const web = fx.emu.createWebClient({ projectId: PROJECT_ID, redirectUris: [PBX_REDIRECT] });
    const added = fx.emu.addClientSecret(web.clientId);
    const client = fx.emu.state.clients.get(web.clientId)!;
    client.clientSecret = 'GOCSPX-reset-by-hand-0001';
    expect(client.secrets).toEqual([{ secret: 'GOCSPX-reset-by-hand-0001', enabled: true, createTime: expect.any(String) }]);
    await expect(probe(web.clientId, 'GOCSPX-reset-by-hand-0001')).resolves.toMatchObject({ verdict: 'valid' });
    await expect(probe(web.clientId, added.clientSecret)).resolves.toMatchObject({ verdict: 'invalid_client' });
  });
});

describe('Secret Manager version states through the API', () => {
  let api: secretmanager_v1.Secretmanager;
  const PAYLOAD = ['day-two-payload-one', 'day-two-payload-two', 'day-two-payload-three'];
  const version = (n: number | string) => `${fx.secretName}/versions/${n}`;
  const numbered = (n: number) => `projects/123456789012/secrets/${SECRET_ID}/versions/${n}`;
  const failure = async (p: Promise<unknown>) => {
    const e = (await p.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (err: unknown) => err,
    )) as { response?: { status: number; data: { error: { status: string; message: string } } } };
    return { http: e.response?.status, status: e.response?.data.error.status, message: e.response?.data.error.message };
  };
  const listed = async () =>
    ((await api.projects.secrets.versions.list({ parent: fx.secretName })).data.versions ?? []).map((v) => [v.name, v.state]);
  const writes = () =>
    fx.emu.state.requests.filter((r) => r.method === 'POST' && /\/versions\/[^/]+:(disable|enable|destroy)$/.test(r.path));

  beforeAll(() => {
    api = new secretmanager_v1.Secretmanager({ auth: fx.auth, rootUrl: apiRoot(fx.emu.endpoints.secretManager) });
    for (const text of PAYLOAD) fx.emu.addSecretVersion(PROJECT_ID, SECRET_ID, text);
  });

  test('disable, then enable: answered with the version, visible in versions.list and access', async () => {
    const disabled = (await api.projects.secrets.versions.disable({ name: version(1), requestBody: {} })).data;
    expect(disabled).toMatchObject({ name: numbered(1), state: 'DISABLED', replicationStatus: { automatic: {} } });
    expect(disabled.destroyTime).toBeUndefined();
    expect(await listed()).toEqual([
      [numbered(3), 'ENABLED'],
      [numbered(2), 'ENABLED'],
      [numbered(1), 'DISABLED'],
    ]);
    expect(await failure(api.projects.secrets.versions.access({ name: version(1) }))).toEqual({
      http: 400,
      status: 'FAILED_PRECONDITION',
      message: `Secret Version [${numbered(1)}] is in DISABLED state.`,
    });
    // Disabling again is a no-op, not an error.
    expect((await api.projects.secrets.versions.disable({ name: version(1), requestBody: {} })).data.state).toBe('DISABLED');

    const enabled = (await api.projects.secrets.versions.enable({ name: version(1), requestBody: {} })).data;
    expect(enabled).toMatchObject({ name: numbered(1), state: 'ENABLED' });
    const data = (await api.projects.secrets.versions.access({ name: version(1) })).data.payload?.data;
    expect(Buffer.from(data ?? '', 'base64').toString('utf8')).toBe(PAYLOAD[0]);
    const filtered = await api.projects.secrets.versions.list({ parent: fx.secretName, filter: 'state:DISABLED' });
    expect(filtered.data.versions).toBeUndefined();
  });

  test('destroy: DESTROYED with destroyTime, payload gone; destroying or enabling it again is FAILED_PRECONDITION', async () => {
    const destroyed = (await api.projects.secrets.versions.destroy({ name: version(2), requestBody: {} })).data;
    expect(destroyed).toMatchObject({ name: numbered(2), state: 'DESTROYED', destroyTime: expect.any(String) });
    expect(fx.emu.state.secretVersions(PROJECT_ID, SECRET_ID)[1]).toEqual({ version: 2, state: 'DESTROYED', payload: '' });
    const onlyDestroyed = await api.projects.secrets.versions.list({ parent: fx.secretName, filter: 'state:DESTROYED' });
    expect(onlyDestroyed.data.versions?.map((v) => [v.name, v.state])).toEqual([[numbered(2), 'DESTROYED']]);

    const again = await failure(api.projects.secrets.versions.destroy({ name: version(2), requestBody: {} }));
    expect(again).toEqual({ http: 400, status: 'FAILED_PRECONDITION', message: `Secret Version [${numbered(2)}] is in DESTROYED state.` });
    expect(await failure(api.projects.secrets.versions.enable({ name: version(2), requestBody: {} }))).toMatchObject({
      http: 400,
      status: 'FAILED_PRECONDITION',
    });
    expect(await failure(api.projects.secrets.versions.access({ name: version(2) }))).toMatchObject({
      http: 400,
      status: 'FAILED_PRECONDITION',
    });
    // A disabled version can be destroyed too.
    await api.projects.secrets.versions.disable({ name: version(3), requestBody: {} });
    expect((await api.projects.secrets.versions.destroy({ name: version(3), requestBody: {} })).data.state).toBe('DESTROYED');
    expect(await listed()).toEqual([
      [numbered(3), 'DESTROYED'],
      [numbered(2), 'DESTROYED'],
      [numbered(1), 'ENABLED'],
    ]);
  });

  test('etag: a stale one is refused, the current one accepted; every change bumps it', async () => {
    const before = (await api.projects.secrets.versions.get({ name: version(1) })).data.etag!;
    const disabled = (await api.projects.secrets.versions.disable({ name: version(1), requestBody: { etag: before } })).data;
    expect(disabled.etag).not.toBe(before);
    expect(await failure(api.projects.secrets.versions.enable({ name: version(1), requestBody: { etag: before } }))).toMatchObject({
      http: 400,
      status: 'FAILED_PRECONDITION',
    });
    expect((await api.projects.secrets.versions.enable({ name: version(1), requestBody: { etag: disabled.etag! } })).data.state).toBe(
      'ENABLED',
    );
  });

  test('unknown version, secret or project', async () => {
    expect(await failure(api.projects.secrets.versions.disable({ name: version(99), requestBody: {} }))).toEqual({
      http: 404,
      status: 'NOT_FOUND',
      message: `Secret Version [${numbered(99)}] not found.`,
    });
    expect(
      await failure(api.projects.secrets.versions.destroy({ name: `projects/${PROJECT_ID}/secrets/nope/versions/1`, requestBody: {} })),
    ).toEqual({
      http: 404,
      status: 'NOT_FOUND',
      message: 'Secret Version [projects/123456789012/secrets/nope/versions/1] not found.',
    });
    const ghost = await failure(
      api.projects.secrets.versions.disable({ name: 'projects/ghost-project/secrets/x/versions/1', requestBody: {} }),
    );
    expect(ghost).toMatchObject({ http: 403, status: 'PERMISSION_DENIED' });
    expect(ghost.message).toContain("'secretmanager.versions.disable'");
    expect(ghost.message).toContain('projects/ghost-project/secrets/x/versions/1');
  });

  test('same auth and Service Usage checks as other calls; every call logged with principal, never a payload', async () => {
    const res = await request(`${fx.emu.url}/v1/${version(1)}:disable`, { dispatcher: browser.http, method: 'POST', body: '{}' });
    expect(res.statusCode).toBe(401);
    await res.body.text();
    expect(fx.emu.state.secretVersions(PROJECT_ID, SECRET_ID)[0]!.state).toBe('ENABLED');

    fx.emu.setServiceEnabled(PROJECT_ID, 'secretmanager.googleapis.com', false);
    try {
      expect(await failure(api.projects.secrets.versions.disable({ name: version(1), requestBody: {} }))).toMatchObject({
        http: 403,
        status: 'PERMISSION_DENIED',
      });
    } finally {
      fx.emu.setServiceEnabled(PROJECT_ID, 'secretmanager.googleapis.com', true);
    }
    expect(fx.emu.state.secretVersions(PROJECT_ID, SECRET_ID)[0]!.state).toBe('ENABLED');

    const ok = writes().filter((r) => r.status === 200);
    // disable, disable (no-op), enable, destroy, disable, destroy, disable, enable
    expect(ok.map((r) => r.path.split(':').at(-1))).toEqual([
      'disable',
      'disable',
      'enable',
      'destroy',
      'disable',
      'destroy',
      'disable',
      'enable',
    ]);
    for (const r of ok) {
      expect(r.principal).toBe(fx.emu.user);
      expect(r.detail).toMatchObject({
        secret: `projects/123456789012/secrets/${SECRET_ID}`,
        version: expect.any(Number),
        state: expect.any(String),
      });
    }
    const refused = writes().find((r) => r.status === 401);
    expect(refused?.path).toBe(`/v1/${version(1)}:disable`);
    expect(refused?.principal).toBeUndefined();
    const log = JSON.stringify(fx.emu.state.requests);
    for (const text of PAYLOAD) {
      expect(log).not.toContain(text);
      expect(log).not.toContain(Buffer.from(text).toString('base64'));
    }
  });
});
