/**
 * Token lifetime, retries, timeouts and TLS: the parts of the client that matter on bad days.
 * Token ages, backoff and Retry-After run on one manual clock shared by client and emulator (no
 * waiting, nothing to flake on a busy machine); only request timeouts are real time.
 */
import type { PbxEmulator } from '../../emulators/pbx';
import { PortSipClient, PortSipError, type PbxConnectionOptions } from '../../lib/pbx';
import { manualClock } from '../support/virtual-clock';
import { connection as connectionTo, openTenantSession, startPbx } from './helpers';

let pbx: PbxEmulator;
const clients: PortSipClient[] = [];
const track = (c: PortSipClient) => (clients.push(c), c);
const clock = manualClock();
const connection = (to: PbxEmulator, extra: Partial<PbxConnectionOptions> = {}) => connectionTo(to, { clock, ...extra });
const count = (method: string, path: string) => pbx.state.requests.filter((r) => r.method === method && r.path === `/api${path}`).length;
const grants = (type: string) =>
  pbx.state.requests.filter((r) => r.path === '/api/login/oauth/token' && (r.body as { grant_type?: string })?.grant_type === type).length;

beforeAll(async () => {
  pbx = await startPbx({ accessTokenTtlSeconds: 2, now: clock.now });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.logout().catch(() => undefined)));
});
afterAll(async () => {
  expect(pbx.state.violations).toEqual([]);
  await pbx.close();
});

describe('token lifetime', () => {
  test('refreshes shortly before expiry and keeps the tenant switch', async () => {
    const client = track(await openTenantSession(connection(pbx), { domain: 'globex.pbx.test' }, true));
    const refreshesBefore = grants('refresh_token');
    clock.advance(1700); // TTL 2 s, refresh margin 20 % = 0.4 s
    expect((await client.currentTenant()).name).toBe('Globex');
    expect(grants('refresh_token')).toBe(refreshesBefore + 1);
  });

  test('an expired or revoked token (401) leads to one re-login, re-switch, and the call succeeds', async () => {
    const client = track(await openTenantSession(connection(pbx), { domain: 'globex.pbx.test' }, true));
    const logins = grants('password');
    pbx.expireAccessTokens();
    pbx.state.sessions.clear(); // refresh tokens gone too, as after a PBX restart
    expect((await client.currentTenant()).name).toBe('Globex');
    expect(grants('password')).toBe(logins + 1);
  });

  test('concurrent calls share one refresh', async () => {
    const client = track(await openTenantSession(connection(pbx), { domain: 'acme.pbx.test' }, true));
    clock.advance(1700);
    const before = grants('refresh_token');
    const results = await Promise.all(Array.from({ length: 8 }, () => client.getGoogle('tenant')));
    expect(results).toHaveLength(8);
    expect(grants('refresh_token')).toBe(before + 1);
  });
});

describe('retries', () => {
  test('a GET is retried on 503 and succeeds', async () => {
    const client = track(await openTenantSession(connection(pbx), { domain: 'acme.pbx.test' }, true));
    const before = count('GET', '/google');
    pbx.failNext('GET', '/google', 503, 2);
    const started = clock.now();
    await client.getGoogle('tenant');
    expect(count('GET', '/google')).toBe(before + 3);
    // Backoff 300 ms, then 600 ms, each spread by ±25 %.
    expect(clock.now() - started).toBeGreaterThanOrEqual(0.75 * 900);
    expect(clock.now() - started).toBeLessThanOrEqual(1.25 * 900);
  });

  test('429 honours Retry-After, also for a POST (the PBX did not act)', async () => {
    const client = track(await openTenantSession(connection(pbx), { domain: 'acme.pbx.test' }, true));
    pbx.failNext('POST', '/google', 429, 1, { retryAfterSeconds: 1 });
    const started = clock.now();
    await client.setGoogle('tenant', { client_id: 'r.apps.googleusercontent.com', client_secret: 'GOCSPX-r' });
    expect(clock.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await client.getGoogle('tenant')).client_id).toBe('r.apps.googleusercontent.com');
  });

  test('gives up after the configured retries with a retryable PortSipError', async () => {
    const client = track(await openTenantSession(connection(pbx, { retries: 1 }), { domain: 'acme.pbx.test' }, true));
    pbx.failNext('GET', '/tenant', 503, 2);
    const err = (await client.currentTenant().catch((e: unknown) => e)) as PortSipError;
    expect(err).toBeInstanceOf(PortSipError);
    expect(err).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', retryable: true, tenant: 'Acme' });
  });

  test('a non-idempotent POST (test mail) is not repeated after a timeout', async () => {
    const client = track(await openTenantSession(connection(pbx, { timeoutMs: 300 }), { domain: 'acme.pbx.test' }, true));
    const mailsBefore = pbx.state.outbox.length;
    const sentBefore = count('POST', '/tenant/notification/test_email');
    pbx.delayNext('POST', '/tenant/notification/test_email', 700);
    const err = (await client
      .sendTestEmail({ recipient: 'a@acme.test', subject: 's', content: 'c' })
      .catch((e: unknown) => e)) as PortSipError;
    expect(err).toMatchObject({ code: 'TIMEOUT', retryable: true, operation: 'POST /tenant/notification/test_email' });
    // The emulator acts and records before it holds the answer back: no need to wait for it.
    expect(count('POST', '/tenant/notification/test_email')).toBe(sentBefore + 1);
    expect(pbx.state.outbox.length).toBe(mailsBefore + 1); // the PBX did send it: a retry would have sent two
  });

  test('an idempotent GET is retried after a timeout', async () => {
    const client = track(await openTenantSession(connection(pbx, { timeoutMs: 300 }), { domain: 'acme.pbx.test' }, true));
    pbx.delayNext('GET', '/tenant/notification', 700);
    expect((await client.getNotification('tenant')).type).toBeDefined();
  });
});

describe('TLS', () => {
  test('without the CA file the certificate is refused, clearly and without retries', async () => {
    const before = pbx.state.requests.length;
    const err = (await PortSipClient.login(connection(pbx, { caFile: undefined })).catch((e: unknown) => e)) as PortSipError;
    expect(err).toBeInstanceOf(PortSipError);
    expect(err.code).toBe('TLS_CERTIFICATE');
    expect(err.message).toMatch(/certificate/);
    expect(err.message).toContain('--ca-file');
    expect(err.message).not.toContain('admin-password');
    expect(pbx.state.requests.length).toBe(before);
  });

  test('plain http base URLs are refused', async () => {
    await expect(PortSipClient.login(connection(pbx, { baseUrl: pbx.url.replace('https:', 'http:') }))).rejects.toMatchObject({
      code: 'BAD_URL',
    });
  });
});
