/** The PortSIP client against the emulator over real, verified HTTPS. */
import type { PbxEmulator } from '../../emulators/pbx';
import { PortSipClient, PortSipError } from '../../lib/pbx';
import { ACME_ADMIN, connection, openTenantSession, startPbx } from './helpers';

let pbx: PbxEmulator;
const clients: PortSipClient[] = [];
const track = (c: PortSipClient) => (clients.push(c), c);

beforeAll(async () => {
  pbx = await startPbx({
    tenants: [
      { id: 't-acme', name: 'Acme', domain: 'acme.pbx.test' },
      { id: 't-globex', name: 'Globex', domain: 'globex.pbx.test', sbc: true },
      // enough tenants to need a second page of 100
      ...Array.from({ length: 130 }, (_, i) => ({ id: `t-${i}`, name: `Filler ${i}`, domain: `filler${i}.pbx.test` })),
    ],
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.logout().catch(() => undefined)));
});

afterAll(async () => {
  expect(pbx.state.violations).toEqual([]);
  await pbx.close();
});

describe('login', () => {
  test('system admin logs in and lists every tenant across pages', async () => {
    const client = track(await PortSipClient.login(connection(pbx)));
    const tenants = await client.listTenants();
    expect(tenants).toHaveLength(132);
    expect(new Set(tenants.map((t) => t.id)).size).toBe(132);
    const pages = pbx.state.requests.filter((r) => r.path === '/api/tenants');
    expect(pages.length).toBeGreaterThanOrEqual(2);
  });

  test('a bad password is UNAUTHORIZED and the password is not in the message', async () => {
    const password = 'Sup3r-Secret-Pw!';
    const err = await PortSipClient.login(connection(pbx, { password })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortSipError);
    const e = err as PortSipError;
    expect(e.code).toBe('UNAUTHORIZED');
    expect(e.status).toBe(400);
    expect(e.operation).toBe('POST /login/oauth/token');
    expect(e.retryable).toBe(false);
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain("'admin'");
    expect(e.message).not.toContain(password);
    expect(JSON.stringify(pbx.state.requests)).not.toContain(password);
  });

  test('tenant admin logs in with the domain and sees its tenant, but not the tenant list or /admin', async () => {
    const client = track(await PortSipClient.login(connection(pbx, ACME_ADMIN)));
    expect((await client.currentTenant()).name).toBe('Acme');
    await expect(client.listTenants()).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    await expect(client.getGoogle('system')).rejects.toMatchObject({ code: 'FORBIDDEN', operation: 'GET /admin/google' });
  });
});

describe('tenants', () => {
  test('find by domain (case-insensitive) and by name; unknown is NOT_FOUND', async () => {
    const client = track(await PortSipClient.login(connection(pbx)));
    expect((await client.findTenant({ domain: 'GLOBEX.pbx.test' })).id).toBe('t-globex');
    expect((await client.findTenant({ name: 'Acme' })).domain).toBe('acme.pbx.test');
    expect((await client.findTenant({ name: 'Filler 129' })).id).toBe('t-129');
    const err = await client.findTenant({ domain: 'nope.pbx.test' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
    expect((err as Error).message).toContain('nope.pbx.test');
  });

  test('before a switch, tenant calls of a system admin fail clearly, and nothing is sent', async () => {
    const client = track(await PortSipClient.login(connection(pbx)));
    const sent = pbx.state.requests.length;
    await expect(client.getGoogle('tenant')).rejects.toMatchObject({ code: 'TENANT_CONTEXT_LOST', status: undefined });
    await expect(
      client.setGoogle('tenant', { client_id: 'x.apps.googleusercontent.com', client_secret: 'never-sent' }),
    ).rejects.toMatchObject({
      code: 'TENANT_CONTEXT_LOST',
    });
    expect(pbx.state.requests.length).toBe(sent);
  });

  test('two sessions switched to two tenants at once do not bleed into each other', async () => {
    const [a, b] = await Promise.all([
      openTenantSession(connection(pbx), { domain: 'acme.pbx.test' }, true),
      openTenantSession(connection(pbx), { name: 'Globex' }, true),
    ]);
    track(a);
    track(b);
    const secret = (n: number) => `secret-${n}-xyz`;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? b : a).setGoogle('tenant', {
          client_id: `${i % 2 ? 'globex' : 'acme'}.apps.googleusercontent.com`,
          client_secret: secret(i % 2),
        }),
      ),
    );
    expect((await a.currentTenant()).name).toBe('Acme');
    expect((await b.currentTenant()).name).toBe('Globex');
    expect((await a.getGoogle('tenant')).client_id).toBe('acme.apps.googleusercontent.com');
    expect((await b.getGoogle('tenant')).client_id).toBe('globex.apps.googleusercontent.com');
    expect(a.tenant).toBe('Acme');
    expect(b.tenant).toBe('Globex');
  });

  test('a tenant-admin session is checked against the expected tenant', async () => {
    const client = track(await openTenantSession(connection(pbx, ACME_ADMIN), { domain: 'acme.pbx.test' }, false));
    expect(client.tenant).toBe('Acme');
    await expect(openTenantSession(connection(pbx, ACME_ADMIN), { domain: 'acme.pbx.test', name: 'Globex' }, false)).rejects.toMatchObject({
      code: 'TENANT_MISMATCH',
    });
  });
});

describe('google integration', () => {
  test('write, read back, redirect URIs and consent link; destroy clears it', async () => {
    const client = track(await openTenantSession(connection(pbx), { domain: 'globex.pbx.test' }, true));
    await client.destroyGoogle('tenant'); // other tests may have configured it
    const before = await client.getGoogle('tenant');
    expect(before.auth_consent_uri).toBeUndefined(); // no client yet
    expect(before.redirect_uri).toBe(`${pbx.origin}/api/google/oauth2callback`);
    expect(before.sbc_redirect_uri).toBe(`${pbx.origin}/sbc/api/google/oauth2callback`);

    await client.setGoogle('tenant', { client_id: 'id-1.apps.googleusercontent.com', client_secret: 'GOCSPX-one' });
    const after = await client.getGoogle('tenant');
    expect(after).toMatchObject({ client_id: 'id-1.apps.googleusercontent.com', client_secret: 'GOCSPX-one' });
    const consent = new URL(after.auth_consent_uri!);
    expect(consent.origin + consent.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(Object.fromEntries(consent.searchParams)).toMatchObject({
      client_id: 'id-1.apps.googleusercontent.com',
      redirect_uri: after.sbc_redirect_uri, // SBC tenant: users come back through the SBC
      response_type: 'code',
      access_type: 'offline',
      prompt: 'consent',
      scope:
        'https://mail.google.com/ openid email profile https://www.googleapis.com/auth/admin.directory.user.readonly https://www.googleapis.com/auth/directory.readonly',
    });
    expect(consent.searchParams.get('state')).toBeTruthy();

    await client.destroyGoogle('tenant');
    expect((await client.getGoogle('tenant')).client_id).toBe('');
  });

  test('a non-SBC tenant has no sbc_redirect_uri and its consent link uses redirect_uri', async () => {
    const client = track(await openTenantSession(connection(pbx), { domain: 'acme.pbx.test' }, true));
    await client.setGoogle('tenant', { client_id: 'acme-2.apps.googleusercontent.com', client_secret: 'GOCSPX-two' });
    const g = await client.getGoogle('tenant');
    expect(g.sbc_redirect_uri).toBeUndefined();
    expect(new URL(g.auth_consent_uri!).searchParams.get('redirect_uri')).toBe(g.redirect_uri);
  });

  test('system level read/write', async () => {
    const client = track(await PortSipClient.login(connection(pbx)));
    await client.setGoogle('system', { client_id: 'sys.apps.googleusercontent.com', client_secret: 'GOCSPX-sys' });
    expect((await client.getGoogle('system')).client_id).toBe('sys.apps.googleusercontent.com');
    await client.destroyGoogle('system');
    expect((await client.getGoogle('system')).client_id).toBe('');
  });

  test('errors name the tenant and operation and never carry the client secret', async () => {
    const client = track(await openTenantSession(connection(pbx), { domain: 'acme.pbx.test' }, true));
    await client.setGoogle('tenant', { client_id: 'x.apps.googleusercontent.com', client_secret: 'GOCSPX-do-not-leak' });
    pbx.failNext('POST', '/google', 400, 1);
    const err = (await client
      .setGoogle('tenant', { client_id: 'x.apps.googleusercontent.com', client_secret: 'GOCSPX-do-not-leak' })
      .catch((e: unknown) => e)) as PortSipError;
    expect(err.message).toMatch(/^PortSIP tenant 'Acme': POST \/google failed \(HTTP 400\): UNKNOWN: /);
    expect(err.tenant).toBe('Acme');
    expect(err.message).not.toContain('GOCSPX-do-not-leak');
    expect(JSON.stringify(pbx.state.requests)).not.toContain('GOCSPX-do-not-leak');
  });
});

describe('notification', () => {
  test('read, write, read back, and an SMTP test mail lands in the outbox', async () => {
    const client = track(await openTenantSession(connection(pbx), { domain: 'acme.pbx.test' }, true));
    expect((await client.getNotification('tenant')).type).toBe('SMTP');
    await client.setNotification('tenant', {
      type: 'SMTP',
      server: 'smtp.acme.test',
      port: 465,
      username: 'pbx@acme.test',
      password: 'smtp-pw',
    });
    expect(await client.getNotification('tenant')).toMatchObject({ server: 'smtp.acme.test', port: 465 });
    expect(JSON.stringify(await client.getNotification('tenant'))).not.toContain('smtp-pw');
    await client.sendTestEmail({ recipient: 'ops@acme.test', subject: 'gwkit test', content: 'hello' });
    expect(pbx.state.outbox.at(-1)).toMatchObject({ tenant: 'Acme', via: 'SMTP', recipient: 'ops@acme.test' });
  });
});
