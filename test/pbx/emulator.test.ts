/** The emulator itself: spec enforcement on raw requests, permissions, the consent callback and Gmail test mails. */
import { createEmulatorCa } from '../../emulators/tls';
import type { PbxEmulator } from '../../emulators/pbx';
import { PORTSIP_CLIENT_ID } from '../../emulators/pbx';
import type { PortSipClient } from '../../lib/pbx';
import { connection, openTenantSession, rawFetcher, startFakeGoogle, startPbx, SYSTEM_ADMIN, type FakeGoogle } from './helpers';

const ca = createEmulatorCa('gwkit test CA'); // shared by the PBX and the fake Google, as in the sandbox
let pbx: PbxEmulator;
let google: FakeGoogle;
let raw: ReturnType<typeof rawFetcher>;
let adminToken: string;
const clients: PortSipClient[] = [];

beforeAll(async () => {
  google = await startFakeGoogle(ca);
  pbx = await startPbx({ ca, google: { tokenUrl: google.tokenUrl, authorizationUrl: google.authorizationUrl, caPem: ca.caPem } });
  raw = rawFetcher(ca);
  const res = await raw.fetch(`${pbx.url}/login/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', ...SYSTEM_ADMIN, scope: 'all', client_id: PORTSIP_CLIENT_ID }).toString(),
  });
  adminToken = ((await res.json()) as { access_token: string }).access_token;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.logout().catch(() => undefined)));
  expect(pbx.state.violations).toEqual([]);
  await raw.close();
  await pbx.close();
  await google.close();
});

async function call(method: string, path: string, init: { body?: string; type?: string; token?: string | null } = {}) {
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? adminToken : init.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.type) headers['content-type'] = init.type;
  const res = await raw.fetch(`${pbx.url}${path}`, { method, headers, body: init.body });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as { errors?: { code: string; message: string; detail?: unknown }[] }) : undefined,
  };
}

describe('spec enforcement', () => {
  test('a malformed body is refused with VALIDATE_FAILED in PortSIP format', async () => {
    const res = await call('POST', '/tenant/notification/test_email', {
      body: JSON.stringify({ recipient: 42 }),
      type: 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.body!.errors![0]!.code).toBe('VALIDATE_FAILED');
    expect(JSON.stringify(res.body!.errors![0]!.detail)).toContain('subject');
  });

  test('wrong content type, broken JSON, unknown or mistyped query parameters are refused', async () => {
    expect((await call('POST', '/google', { body: 'client_id=x', type: 'application/x-www-form-urlencoded' })).status).toBe(400);
    expect((await call('POST', '/google', { body: '{not json', type: 'application/json' })).body!.errors![0]!.code).toBe('VALIDATE_FAILED');
    expect((await call('GET', '/tenants?top=1000')).body!.errors![0]!.code).toBe('VALIDATE_FAILED');
    expect((await call('GET', '/tenants?bogus=1')).body!.errors![0]!.code).toBe('VALIDATE_FAILED');
  });

  test("the login must be form-encoded with PortSIP's client_id", async () => {
    const json = await call('POST', '/login/oauth/token', {
      body: JSON.stringify({ grant_type: 'password', ...SYSTEM_ADMIN }),
      type: 'application/json',
      token: null,
    });
    expect(json.body!.errors![0]!.code).toBe('VALIDATE_FAILED');
    const form = new URLSearchParams({ grant_type: 'password', ...SYSTEM_ADMIN, scope: 'all', client_id: 'someone-else' }).toString();
    expect((await call('POST', '/login/oauth/token', { body: form, type: 'application/x-www-form-urlencoded', token: null })).status).toBe(
      400,
    );
  });

  test('unknown path is 404, missing or bad token 401, in PortSIP format', async () => {
    expect(await call('GET', '/no/such/thing')).toMatchObject({ status: 404, body: { errors: [{ code: 'NOT_FOUND' }] } });
    expect(await call('GET', '/google', { token: null })).toMatchObject({ status: 401, body: { errors: [{ code: 'UNAUTHORIZED' }] } });
    expect(await call('GET', '/google', { token: 'forged' })).toMatchObject({ status: 401 });
  });

  test('a spec operation the emulator does not implement says so (501), it does not pretend', async () => {
    expect(await call('GET', '/users')).toMatchObject({ status: 501, body: { errors: [{ code: 'NOT_IMPLEMENTED' }] } });
  });

  test('the request log redacts secrets', async () => {
    await call('POST', '/tenants/switch?id=tenant-acme');
    await call('POST', '/google', {
      body: JSON.stringify({ client_id: 'c', client_secret: 'GOCSPX-log-me-not' }),
      type: 'application/json',
    });
    const last = pbx.state.requests.filter((r) => r.path === '/api/google').at(-1)!;
    expect(last).toMatchObject({
      method: 'POST',
      tenant: 'Acme',
      user: 'admin',
      status: 200,
      body: { client_id: 'c', client_secret: '***' },
    });
    expect(JSON.stringify(pbx.state.requests)).not.toContain('admin-password');
  });
});

describe('consent flow and Gmail test mail', () => {
  async function configured(domain: string): Promise<{ client: PortSipClient; consent: URL }> {
    const client = await openTenantSession(connection(pbx), { domain }, true);
    clients.push(client);
    await client.setGoogle('tenant', { client_id: google.client.id, client_secret: google.client.secret });
    await client.setNotification('tenant', { type: 'GMAIL', username: `pbx@${domain}` });
    return { client, consent: new URL((await client.getGoogle('tenant')).auth_consent_uri!) };
  }

  /** What the browser does after the consent screen: follow Google's redirect back to the PBX. */
  async function comeBack(consent: URL, params: Record<string, string>) {
    const back = new URL(consent.searchParams.get('redirect_uri')!);
    back.search = new URLSearchParams({ ...params, state: consent.searchParams.get('state')! }).toString();
    const res = await raw.fetch(back.toString());
    return { status: res.status, page: await res.text() };
  }

  test('without consent a Gmail test mail fails with GOOGLE_AUTHORIZATION_REQUIRED', async () => {
    const { client, consent } = await configured('acme.pbx.test');
    expect(consent.origin).toBe(new URL(google.authorizationUrl).origin);
    await expect(client.sendTestEmail({ recipient: 'a@acme.test', subject: 's', content: 'c' })).rejects.toMatchObject({
      code: 'GOOGLE_AUTHORIZATION_REQUIRED',
      status: 400,
      tenant: 'Acme',
    });
  });

  test('access_denied shows a failure page and stores nothing', async () => {
    const { consent } = await configured('acme.pbx.test');
    const back = await comeBack(consent, { error: 'access_denied' });
    expect(back.status).toBe(400);
    expect(back.page).toContain('authorization failed');
    expect(back.page).toContain('denied');
    expect(pbx.googleSlot('acme.pbx.test').refreshToken).toBeUndefined();
  });

  test('a code exchanged through the SBC redirect URI completes the authorization; the mail then goes out', async () => {
    const { client, consent } = await configured('globex.pbx.test');
    expect(consent.searchParams.get('redirect_uri')).toBe(`${pbx.origin}/sbc/api/google/oauth2callback`);
    google.codes.set('good-code', '1//refresh-globex');
    const back = await comeBack(consent, { code: 'good-code' });
    expect(back.page).toContain('Google Workspace authorization completed');
    expect(back.status).toBe(200);
    expect(google.exchanges.at(-1)).toMatchObject({
      grant_type: 'authorization_code',
      redirect_uri: `${pbx.origin}/sbc/api/google/oauth2callback`,
      client_id: google.client.id,
    });
    expect(pbx.googleSlot('Globex').refreshToken).toBe('1//refresh-globex');

    await client.sendTestEmail({ recipient: 'it@globex.test', subject: 'gwkit verify', content: 'ok' });
    expect(google.exchanges.at(-1)).toMatchObject({ grant_type: 'refresh_token', refresh_token: '1//refresh-globex' });
    expect(pbx.state.outbox.at(-1)).toMatchObject({ tenant: 'Globex', via: 'GMAIL', subject: 'gwkit verify' });

    // Google revokes the grant: the PBX reports an expired authorization.
    google.validRefreshTokens.clear();
    const err = await client.sendTestEmail({ recipient: 'it@globex.test', subject: 'again', content: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GOOGLE_AUTHORIZATION_EXPIRED', status: 400 });
    expect((err as Error).message).toMatch(/authorization has expired/);
  });

  test('a failed code exchange shows why; a new client discards the stored authorization', async () => {
    const { client, consent } = await configured('globex.pbx.test');
    const back = await comeBack(consent, { code: 'unknown-code' });
    expect(back.page).toContain('authorization failed');
    expect(back.page).toContain('invalid_grant');

    google.codes.set('code-2', '1//refresh-2');
    await comeBack(consent, { code: 'code-2' });
    expect(pbx.googleSlot('Globex').refreshToken).toBe('1//refresh-2');
    await client.setGoogle('tenant', { client_id: google.client.id, client_secret: google.client.secret }); // same pair: kept
    expect(pbx.googleSlot('Globex').refreshToken).toBe('1//refresh-2');
    await client.setGoogle('tenant', { client_id: 'other.apps.googleusercontent.com', client_secret: 'GOCSPX-other' });
    expect(pbx.googleSlot('Globex').refreshToken).toBeUndefined();
    const stale = await comeBack(consent, { code: 'whatever' }); // the old link's state is void now
    expect(stale.status).toBe(400);
  });
});
