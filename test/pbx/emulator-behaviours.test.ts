/** The emulator's switches for what PortSIP's spec leaves open: each non-default reading, spec-clean (no violations). */
import { createEmulatorCa } from '../../emulators/tls';
import { DEFAULT_BEHAVIOUR, PORTSIP_CLIENT_ID, SBC_CALLBACK_PATH, type PbxEmulator } from '../../emulators/pbx';
import { rawFetcher, startPbx, SYSTEM_ADMIN, ACME_ADMIN } from './helpers';

const ca = createEmulatorCa('gwkit behaviours test CA');
let pbx: PbxEmulator;
let raw: ReturnType<typeof rawFetcher>;
let clock = Date.now();

const TENANTS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'].map((name) => ({
  id: `tenant-${name.toLowerCase()}`,
  name,
  domain: `${name.toLowerCase()}.pbx.test`,
}));
const MFA_ERROR = { username: 'root-2fa', password: 'root-2fa-password' };
const MFA_CHALLENGE = { username: 'root-otp', password: 'root-otp-password' };

beforeAll(async () => {
  pbx = await startPbx({
    ca,
    tenants: TENANTS,
    users: [SYSTEM_ADMIN, ACME_ADMIN, { ...MFA_ERROR, twoFactor: 'error' }, { ...MFA_CHALLENGE, twoFactor: 'challenge' }],
    now: () => clock,
  });
  raw = rawFetcher(ca);
});

afterEach(() => {
  pbx.setBehaviour(DEFAULT_BEHAVIOUR);
  expect(pbx.state.violations).toEqual([]);
});

afterAll(async () => {
  await raw.close();
  await pbx.close();
});

type Body = Record<string, unknown> & { errors?: { code: string; message: string }[] };

async function call(method: string, path: string, init: { token?: string; json?: unknown; form?: Record<string, string> } = {}) {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(init.json)];
  if (init.form) [headers['content-type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(init.form).toString()];
  const res = await raw.fetch(`${pbx.url}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Body | undefined };
}

const passwordGrant = (user: { username: string; password: string; domain?: string }) =>
  call('POST', '/login/oauth/token', { form: { grant_type: 'password', ...user, scope: 'all', client_id: PORTSIP_CLIENT_ID } });

async function login(
  user: { username: string; password: string; domain?: string } = SYSTEM_ADMIN,
): Promise<{ access: string; refresh: string }> {
  const res = await passwordGrant(user);
  expect(res.status).toBe(200);
  return { access: res.body!.access_token as string, refresh: res.body!.refresh_token as string };
}

async function refresh(refreshToken: string): Promise<string> {
  const res = await call('POST', '/login/oauth/token', {
    form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: PORTSIP_CLIENT_ID },
  });
  expect(res.status).toBe(200);
  return res.body!.access_token as string;
}

async function inTenant(id = 'tenant-acme'): Promise<string> {
  const { access } = await login();
  expect((await call('POST', `/tenants/switch?id=${id}`, { token: access })).status).toBe(200);
  return access;
}

test("defaults are the emulator's original behaviour", () => {
  expect(pbx.behaviour).toEqual({
    secretOnRead: 'echo',
    notificationPost: 'merge',
    switchScope: 'session',
    paging: 'items',
    maxPageSize: 100,
    listCount: true,
    listEnabled: 'always',
    filterCase: 'sensitive',
    errorsOn2xx: false,
    requestsPerMinute: undefined,
    rateWindow: 'sliding',
    rateLimitHeaders: 'retry-after',
    latencyMs: 0,
    ms365CertificateFormat: 'pem',
    ms365Post: 'merge',
  });
  expect(() => pbx.setBehaviour({ paging: 'rows' as 'items' })).toThrow(/paging must be one of items, pages/);
});

test('secretOnRead: the secret, masked or empty on GET /google and GET /admin/google', async () => {
  const token = await inTenant();
  const system = (await login()).access;
  expect((await call('GET', '/google', { token })).body!.client_secret).toBe(''); // none set yet
  await call('POST', '/google', { token, json: { client_id: 'c.apps.googleusercontent.com', client_secret: 'GOCSPX-tenant' } });
  await call('POST', '/admin/google', {
    token: system,
    json: { client_id: 's.apps.googleusercontent.com', client_secret: 'GOCSPX-system' },
  });

  expect((await call('GET', '/google', { token })).body!.client_secret).toBe('GOCSPX-tenant');
  pbx.setBehaviour({ secretOnRead: 'masked' });
  expect((await call('GET', '/google', { token })).body).toMatchObject({
    client_id: 'c.apps.googleusercontent.com',
    client_secret: '******',
  });
  expect((await call('GET', '/admin/google', { token: system })).body!.client_secret).toBe('******');
  pbx.setBehaviour({ secretOnRead: 'empty' });
  expect((await call('GET', '/google', { token })).body!.client_secret).toBe('');
  expect((await call('GET', '/admin/google', { token: system })).body!.client_secret).toBe('');
  expect(pbx.googleSlot('Acme').client_secret).toBe('GOCSPX-tenant'); // stored as posted
});

describe('notificationPost', () => {
  const full = {
    type: 'SMTP',
    server: 'smtp.acme.test',
    port: 465,
    username: 'pbx@acme.test',
    password: 'smtp-secret',
    reply_to: 'noreply@acme.test',
    recipients: 'ops@acme.test',
    auth: 'LOGIN',
    enable_tls_ssl: false,
    enable_starttls_auto: true,
    notify_user_registration: true,
  };

  test('merge (default) keeps the fields not given', async () => {
    const token = await inTenant('tenant-globex');
    await call('POST', '/tenant/notification', { token, json: full });
    await call('POST', '/tenant/notification', { token, json: { type: 'GMAIL', username: 'pbx@globex.test' } });
    expect((await call('GET', '/tenant/notification', { token })).body).toMatchObject({
      type: 'GMAIL',
      server: 'smtp.acme.test',
      port: 465,
      reply_to: 'noreply@acme.test',
      notify_user_registration: true,
    });
    expect(pbx.state.tenants.get('tenant-globex')!.notification.password).toBe('smtp-secret');
  });

  test('replace resets every field not given to the schema default or empty, and drops the password', async () => {
    pbx.setBehaviour({ notificationPost: 'replace' });
    const token = await inTenant('tenant-initech');
    await call('POST', '/tenant/notification', { token, json: full });
    expect((await call('GET', '/tenant/notification', { token })).body).toMatchObject({
      server: 'smtp.acme.test',
      auth: 'LOGIN',
      notify_user_registration: true,
    });
    expect((await call('POST', '/tenant/notification', { token, json: { type: 'GMAIL', username: 'pbx@initech.test' } })).status).toBe(200);
    expect((await call('GET', '/tenant/notification', { token })).body).toEqual({
      type: 'GMAIL',
      server: '',
      port: 0,
      username: 'pbx@initech.test',
      auth: 'AUTO',
      enable_tls_ssl: true,
      enable_starttls_auto: false,
      notify_user_registration: false,
      notify_queue_sla_breached: false,
      notify_queue_callback: false,
      notify_queue_callback_failed: false,
      notify_queue_call_lost: false,
      enable_system_email_server: false,
    });
    expect(pbx.state.tenants.get('tenant-initech')!.notification.password).toBeUndefined();

    const system = (await login()).access;
    await call('POST', '/admin/notification', {
      token: system,
      json: { ...full, enable_tenant_access: false, cpu_threshold: 0.8, notify_ip_blocked: true },
    });
    await call('POST', '/admin/notification', {
      token: system,
      json: { type: 'SMTP', username: 'root@pbx.test', server: 'mail.pbx.test' },
    });
    const after = (await call('GET', '/admin/notification', { token: system })).body!;
    expect(after).toMatchObject({
      type: 'SMTP',
      server: 'mail.pbx.test',
      port: 0,
      enable_tenant_access: true,
      notify_ip_blocked: false,
      notify_cpu_exceeded_threshold: false,
    });
    expect(after).not.toHaveProperty('cpu_threshold');
    expect(after).not.toHaveProperty('recipients');
    expect(pbx.state.system.notification.password).toBeUndefined();
  });
});

describe('switchScope', () => {
  test('session (default): the refreshed token is still in the tenant', async () => {
    const { access, refresh: r } = await login();
    await call('POST', '/tenants/switch?id=tenant-globex', { token: access });
    const next = await refresh(r);
    expect((await call('GET', '/tenant', { token: next })).body).toMatchObject({ name: 'Globex' });
  });

  test('token: a refreshed system-admin token has no tenant; a tenant admin keeps hers', async () => {
    pbx.setBehaviour({ switchScope: 'token' });
    const { access, refresh: r } = await login();
    await call('POST', '/tenants/switch?id=tenant-globex', { token: access });
    expect((await call('GET', '/tenant', { token: access })).body).toMatchObject({ name: 'Globex' });
    const next = await refresh(r);
    expect(pbx.state.sessions.get(next)!.tenantId).toBeUndefined();
    expect(await call('GET', '/tenant', { token: next })).toMatchObject({
      status: 400,
      body: { errors: [{ code: 'TENANT_NOT_SELECTED' }] },
    });
    expect(pbx.state.requests.at(-1)).toMatchObject({ path: '/api/tenant', user: 'admin', tenant: undefined, status: 400 });
    await call('POST', '/tenants/switch?id=tenant-acme', { token: next });
    expect((await call('GET', '/tenant', { token: next })).body).toMatchObject({ name: 'Acme' });
    expect(pbx.state.requests.at(-1)).toMatchObject({ path: '/api/tenant', tenant: 'Acme', status: 200 });

    const tenantAdmin = await login(ACME_ADMIN);
    const refreshed = await refresh(tenantAdmin.refresh);
    expect((await call('GET', '/tenant', { token: refreshed })).body).toMatchObject({ name: 'Acme' });
  });
});

describe('paging and filters on GET /tenants', () => {
  const names = async (token: string, query: string) => {
    const res = await call('GET', `/tenants${query}`, { token });
    expect(res.status).toBe(200);
    return { count: res.body!.count, names: (res.body!.items as { name: string }[]).map((t) => t.name) };
  };

  test('items (default): skip counts items', async () => {
    const { access } = await login();
    expect(await names(access, '?top=2&skip=1')).toEqual({ count: 5, names: ['Globex', 'Initech'] });
  });

  test('pages: skip is a 1-based page number', async () => {
    pbx.setBehaviour({ paging: 'pages' });
    const { access } = await login();
    for (const skip of ['', '&skip=0', '&skip=1'])
      expect(await names(access, `?top=2${skip}`)).toEqual({ count: 5, names: ['Acme', 'Globex'] });
    expect(await names(access, '?top=2&skip=2')).toEqual({ count: 5, names: ['Initech', 'Umbrella'] });
    expect(await names(access, '?top=2&skip=3')).toEqual({ count: 5, names: ['Hooli'] });
    expect(await names(access, '?top=2&skip=4')).toEqual({ count: 5, names: [] });
  });

  test('maxPageSize caps top, in both paging modes; count stays the filtered total', async () => {
    const { access } = await login();
    pbx.setBehaviour({ maxPageSize: 2 });
    expect(await names(access, '?top=100')).toEqual({ count: 5, names: ['Acme', 'Globex'] });
    expect(await names(access, '?top=3&skip=1')).toEqual({ count: 5, names: ['Globex', 'Initech'] });
    pbx.setBehaviour({ paging: 'pages' });
    expect(await names(access, '?skip=2')).toEqual({ count: 5, names: ['Initech', 'Umbrella'] });
    expect(await names(access, '?filter=enabled eq true&skip=3')).toEqual({ count: 5, names: ['Hooli'] });
  });

  test('filterCase insensitive: eq ignores case on strings', async () => {
    const { access } = await login();
    expect(await names(access, "?filter=name eq 'acme'")).toEqual({ count: 0, names: [] });
    pbx.setBehaviour({ filterCase: 'insensitive' });
    expect(await names(access, "?filter=name eq 'acme'")).toEqual({ count: 1, names: ['Acme'] });
    expect(await names(access, "?filter=domain eq 'GLOBEX.PBX.TEST' and enabled eq true")).toEqual({ count: 1, names: ['Globex'] });
  });
});

describe('errors on HTTP 200', () => {
  test('errorsOn2xx: handler and validation errors of authenticated calls come with 200; 401, login, faults do not', async () => {
    pbx.setBehaviour({ errorsOn2xx: true });
    const { access } = await login();
    expect(await call('GET', '/tenant', { token: access })).toMatchObject({
      status: 200,
      body: { errors: [{ code: 'TENANT_NOT_SELECTED' }] },
    });
    expect(await call('GET', '/tenants?bogus=1', { token: access })).toMatchObject({
      status: 200,
      body: { errors: [{ code: 'VALIDATE_FAILED' }] },
    });
    expect(await call('POST', '/tenants/switch?id=tenant-nope', { token: access })).toMatchObject({
      status: 200,
      body: { errors: [{ code: 'NOT_FOUND' }] },
    });
    const tenantAdmin = await login(ACME_ADMIN);
    expect(await call('GET', '/tenants', { token: tenantAdmin.access })).toMatchObject({
      status: 200,
      body: { errors: [{ code: 'FORBIDDEN' }] },
    });

    expect(await call('GET', '/tenant', { token: 'forged' })).toMatchObject({ status: 401, body: { errors: [{ code: 'UNAUTHORIZED' }] } });
    expect(await passwordGrant({ ...SYSTEM_ADMIN, password: 'wrong' })).toMatchObject({
      status: 400,
      body: { errors: [{ code: 'UNAUTHORIZED' }] },
    });
    pbx.failNext('GET', '/tenant', 503);
    expect((await call('GET', '/tenant', { token: access })).status).toBe(503);
  });

  test('errorBodyNext: the next matching request is not processed and answered 200 with an error body', async () => {
    const token = await inTenant('tenant-umbrella');
    pbx.errorBodyNext('POST', '/google', 'INTERNAL_ERROR', 'database is locked');
    const res = await call('POST', '/google', { token, json: { client_id: 'u.apps.googleusercontent.com', client_secret: 'GOCSPX-u' } });
    expect(res).toMatchObject({ status: 200, body: { errors: [{ code: 'INTERNAL_ERROR', message: 'database is locked' }] } });
    expect(pbx.googleSlot('Umbrella').client_id).toBe('');
    expect(
      (await call('POST', '/google', { token, json: { client_id: 'u.apps.googleusercontent.com', client_secret: 'GOCSPX-u' } })).body,
    ).toBeUndefined();
    expect(pbx.googleSlot('Umbrella').client_id).toBe('u.apps.googleusercontent.com');
  });
});

describe('two-factor users', () => {
  test("'error': the right password answers 403 TWO_FACTOR_REQUIRED, no token; counted once", async () => {
    const before = pbx.state.twoFactorAttempts;
    const sessions = pbx.state.sessions.size;
    expect(await passwordGrant({ ...MFA_ERROR, password: 'wrong' })).toMatchObject({
      status: 400,
      body: { errors: [{ code: 'UNAUTHORIZED' }] },
    });
    const res = await passwordGrant(MFA_ERROR);
    expect(res).toEqual({
      status: 403,
      headers: expect.anything(),
      body: {
        errors: [
          { code: 'TWO_FACTOR_REQUIRED', message: 'Two-factor authentication is enabled for this account: sign in with a one-time code.' },
        ],
      },
    });
    expect(pbx.state.twoFactorAttempts).toBe(before + 1);
    expect(pbx.state.sessions.size).toBe(sessions);
  });

  test("'challenge': the right password answers 200 with a challenge and no access_token", async () => {
    const before = pbx.state.twoFactorAttempts;
    const res = await passwordGrant(MFA_CHALLENGE);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ mfa_required: true, challenge_id: expect.any(String), methods: ['totp'] });
    expect(res.body!.challenge_id).not.toBe('');
    expect(pbx.state.twoFactorAttempts).toBe(before + 1);
    expect(
      pbx.state.requests.filter((r) => (r.body as { username?: string } | undefined)?.username === MFA_CHALLENGE.username),
    ).toHaveLength(1);
  });
});

test('requestsPerMinute: a sliding 60 s window over all API requests, 429 with Retry-After until a slot frees', async () => {
  const { access } = await login();
  const limited = pbx.state.rateLimited;
  pbx.setBehaviour({ requestsPerMinute: 3 });
  clock += 61_000; // earlier requests have left the window
  const t0 = clock;
  expect((await passwordGrant(SYSTEM_ADMIN)).status).toBe(200); // login counts
  clock = t0 + 10_000;
  expect((await call('GET', '/tenants', { token: access })).status).toBe(200);
  expect((await call('GET', '/no/such/thing', { token: access })).status).toBe(404); // any API request counts
  const callback = await raw.fetch(`${pbx.origin}${SBC_CALLBACK_PATH}?state=x&code=y`); // consent callbacks do not
  expect(callback.status).toBe(400);

  clock = t0 + 20_000;
  const refused = await call('GET', '/tenants', { token: access });
  expect(refused).toMatchObject({ status: 429, body: { errors: [{ code: 'TOO_MANY_REQUESTS' }] } });
  expect(refused.headers.get('retry-after')).toBe('40'); // the login at t0 leaves the window at t0 + 60 s
  clock = t0 + 59_500;
  expect((await call('GET', '/tenants', { token: access })).headers.get('retry-after')).toBe('1');
  clock = t0 + 60_000;
  expect((await call('GET', '/tenants', { token: access })).status).toBe(200);
  expect((await call('GET', '/tenants', { token: access })).headers.get('retry-after')).toBe('10');
  expect(pbx.state.rateLimited).toBe(limited + 3);
  expect(pbx.state.requests.filter((r) => r.status === 429)).toHaveLength(3);
});

test('rateWindow fixed: the count starts again at every clock minute; Retry-After says when the next one starts', async () => {
  const { access } = await login();
  pbx.setBehaviour({ requestsPerMinute: 2, rateWindow: 'fixed' });
  clock = (Math.floor(clock / 60_000) + 2) * 60_000 + 50_000; // 10 s before a minute ends
  expect((await call('GET', '/tenants', { token: access })).status).toBe(200);
  expect((await call('GET', '/tenants', { token: access })).status).toBe(200);
  const refused = await call('GET', '/tenants', { token: access });
  expect(refused.status).toBe(429);
  expect(refused.headers.get('retry-after')).toBe('10');
  clock += 10_000; // a new minute: a sliding window would still hold both
  expect((await call('GET', '/tenants', { token: access })).status).toBe(200);
  pbx.setBehaviour({ requestsPerMinute: undefined, rateWindow: 'sliding' });
});

test.each([
  ['none', {}, {}],
  [
    'x-ratelimit',
    { 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '60' },
    { 'retry-after': '60', 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '60' },
  ],
  [
    'ratelimit',
    { 'ratelimit-policy': '"minute";q=2;w=60', ratelimit: '"minute";r=0;t=60' },
    { 'ratelimit-policy': '"minute";q=2;w=60', ratelimit: '"minute";r=0;t=60' },
  ],
] as const)('rateLimitHeaders %s: what an answer and a 429 say about the limit', async (reading, onAnswer, on429) => {
  const { access } = await login();
  pbx.setBehaviour({ requestsPerMinute: 2, rateLimitHeaders: reading });
  clock += 120_000; // earlier requests have left the window
  await call('GET', '/tenants', { token: access });
  const last = await call('GET', '/tenants', { token: access });
  const refused = await call('GET', '/tenants', { token: access });
  const names = ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit-policy', 'ratelimit'];
  const pick = (h: Headers) => Object.fromEntries(names.flatMap((n) => (h.get(n) === null ? [] : [[n, h.get(n)]])));
  expect(last.status).toBe(200);
  expect(pick(last.headers)).toEqual(onAnswer);
  expect(refused.status).toBe(429);
  expect(pick(refused.headers)).toEqual(on429);
  pbx.setBehaviour({ requestsPerMinute: undefined, rateLimitHeaders: 'retry-after' });
});

test('latencyMs: every API answer is held back', async () => {
  pbx.setBehaviour({ latencyMs: 150 });
  const started = Date.now();
  expect((await passwordGrant(SYSTEM_ADMIN)).status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);
});
