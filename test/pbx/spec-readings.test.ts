/**
 * The PortSIP client under the readings of the spec that differ from the emulator's defaults,
 * one behaviour at a time, on a fake clock shared by client and emulator (no waiting).
 */
import { PbxSessionPool, PortSipClient, RequestBudget } from '../../lib/pbx';
import { InputError } from '../../lib/errors';
import type { PbxEmulator } from '../../emulators/pbx';
import { httpInFlight, manualClock, virtualClock } from '../support/virtual-clock';
import { connection, startPbx } from './helpers';

let pbx: PbxEmulator | undefined;
afterEach(async () => {
  expect(pbx?.state.violations ?? []).toEqual([]);
  await pbx?.close();
  pbx = undefined;
});

const MANY = Array.from({ length: 7 }, (_, i) => ({ id: `t-${i}`, name: `Tenant ${i}`, domain: `t${i}.PBX.test` }));

describe('tenant switch bound to the access token', () => {
  test('after a refresh the switch is made again before the next tenant call; the write lands in the intended tenant', async () => {
    const clock = manualClock();
    pbx = await startPbx({ tenants: MANY, accessTokenTtlSeconds: 60, now: clock.now, behaviour: { switchScope: 'token' } });
    const client = await PortSipClient.login(connection(pbx, { clock }));
    const [t3] = (await client.listTenants()).filter((t) => t.id === 't-3');
    await client.useTenant(t3!.id!);
    clock.advance(59_000); // inside the refresh margin: the client refreshes before its next call
    await client.setGoogle('tenant', { client_id: 'c.apps.googleusercontent.com', client_secret: 'GOCSPX-token-scope' });
    const log = pbx.state.requests.map((r) => `${r.method} ${r.path}${r.tenant ? ` @${r.tenant}` : ''}`);
    const refresh = log.lastIndexOf('POST /api/login/oauth/token');
    expect(log.slice(refresh)).toEqual(['POST /api/login/oauth/token', 'POST /api/tenants/switch @Tenant 3', 'POST /api/google @Tenant 3']);
    expect(pbx.googleSlot('t-3').client_id).toBe('c.apps.googleusercontent.com');
    await client.logout();
  });

  test('when the switch cannot be made again, no tenant call goes out', async () => {
    const clock = manualClock();
    pbx = await startPbx({ tenants: MANY, accessTokenTtlSeconds: 60, now: clock.now, behaviour: { switchScope: 'token' } });
    const client = await PortSipClient.login(connection(pbx, { clock, retries: 0 }));
    await client.useTenant('t-2');
    clock.advance(59_000);
    pbx.errorBodyNext('POST', '/tenants/switch', 'INTERNAL_ERROR', 'switch failed');
    await expect(
      client.setGoogle('tenant', { client_id: 'x.apps.googleusercontent.com', client_secret: 'GOCSPX-never' }),
    ).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
    });
    // And the session stays unusable for tenant calls until switched again.
    await expect(client.getGoogle('tenant')).rejects.toMatchObject({ code: 'TENANT_CONTEXT_LOST' });
    expect(pbx.state.requests.filter((r) => r.path === '/api/google')).toEqual([]);
    await client.useTenant('t-2');
    await expect(client.getGoogle('tenant')).resolves.toMatchObject({ client_id: '' });
    await client.logout();
  });
});

describe('paging of GET /tenants', () => {
  test.each([
    ['skip counts items', { paging: 'items' as const, maxPageSize: 3 }],
    ['skip counts 1-based pages', { paging: 'pages' as const, maxPageSize: 3 }],
    ['skip counts items, pages of 1', { paging: 'items' as const, maxPageSize: 1 }],
    ['skip counts 1-based pages, pages of 2', { paging: 'pages' as const, maxPageSize: 2 }],
    ['skip counts 0-based pages', { paging: 'pages-from-0' as const, maxPageSize: 3 }],
    ['no count; skip counts items', { paging: 'items' as const, maxPageSize: 3, listCount: false }],
    ['no count; skip counts 1-based pages', { paging: 'pages' as const, maxPageSize: 2, listCount: false }],
    ['no count; skip counts 0-based pages', { paging: 'pages-from-0' as const, maxPageSize: 3, listCount: false }],
    ['no count; pages of 7 (all on the first)', { paging: 'items' as const, maxPageSize: 7, listCount: false }],
  ])('%s: every tenant is read exactly once', async (_name, behaviour) => {
    pbx = await startPbx({ tenants: MANY, behaviour });
    const client = await PortSipClient.login(connection(pbx));
    const all = await client.listTenants();
    expect(all.map((t) => t.id)).toEqual(MANY.map((t) => t.id));
    // Domains are matched case-insensitively, never with a (possibly case-sensitive) filter.
    await expect(client.findTenant({ domain: 't6.pbx.TEST' })).resolves.toMatchObject({ id: 't-6' });
    expect(pbx.state.requests.some((r) => r.path === '/api/tenants' && r.method === 'GET' && /filter/.test(JSON.stringify(r)))).toBe(false);
    await client.logout();
  });

  test('pages that do not add up to count fail loudly, naming what was read', async () => {
    pbx = await startPbx({ tenants: MANY, behaviour: { paging: 'items', maxPageSize: 3 } });
    const client = await PortSipClient.login(connection(pbx));
    // The first page says count 7; a tenant disappears before the next pages are read.
    pbx.delayNext('GET', '/tenants', 300);
    const listing = client.listTenants().catch((e: unknown) => e);
    while (!pbx.state.requests.some((r) => r.path === '/api/tenants')) await new Promise((r) => setTimeout(r, 5));
    pbx.state.tenants.delete('t-6');
    const err = (await listing) as Error;
    expect(err.message).toMatch(
      /PAGING_MISMATCH: the pages do not add up to count; the PBX reported count 7, and 6 distinct tenants were read \(pages: no skip: 3, skip=1: 3, skip=4: 2, skip=6: 0\)/,
    );
    await client.logout();
  });
});

describe('a PBX that ignores skip', () => {
  test.each([true, false])('count reported: %s: fails loudly instead of returning a short or repeated list', async (listCount) => {
    pbx = await startPbx({ tenants: MANY, behaviour: { paging: 'ignored', maxPageSize: 3, listCount } });
    const client = await PortSipClient.login(connection(pbx));
    await expect(client.listTenants()).rejects.toThrow(/PAGING_MISMATCH/);
    await client.logout();
  });
});

describe('answers that report failure', () => {
  test("a 2xx answer with an errors body is a failure with PortSIP's message", async () => {
    pbx = await startPbx({});
    const client = await PortSipClient.login(connection(pbx));
    await client.useTenant('tenant-acme');
    pbx.errorBodyNext('POST', '/google', 'SAVE_FAILED', 'could not save the Google settings');
    await expect(client.setGoogle('tenant', { client_id: 'c.apps.googleusercontent.com', client_secret: 'GOCSPX-2xx' })).rejects.toThrow(
      /POST \/google failed \(HTTP 200\): SAVE_FAILED: could not save the Google settings/,
    );
    await client.logout();
  });

  test.each(['error', 'challenge'] as const)(
    'a 2FA account (%s): exit-2 error naming the ways out, one login attempt for a whole pool',
    async (style) => {
      pbx = await startPbx({ users: [{ username: 'admin', password: 'admin-password', twoFactor: style }] });
      const pool = new PbxSessionPool();
      const target = (domain: string) => ({
        connection: connection(pbx!),
        role: 'system-admin' as const,
        requestsPerMinute: 1000,
        tenant: { domain },
      });
      const results = await Promise.all(
        ['acme.pbx.test', 'globex.pbx.test', 'acme.pbx.test'].map((d) =>
          pool.withTenant(target(d), async () => 'ran').catch((e: unknown) => e),
        ),
      );
      for (const r of results) {
        expect(r).toBeInstanceOf(InputError);
        expect((r as Error).message).toMatch(/asks for a second factor .* tenant administrator .* automation account without 2FA/);
      }
      expect(pbx.state.requests.filter((r) => r.path === '/api/login/oauth/token')).toHaveLength(1);
      await pool.close();
    },
  );
});

describe('request budget', () => {
  test('through the transport, a 429 with Retry-After holds the budget that saw it: another session sharing it waits too, then both go through', async () => {
    const inFlight = httpInFlight();
    const clock = virtualClock({ busy: () => inFlight.count > 0 });
    try {
      pbx = await startPbx({ now: clock.now });
      let refusedAt: number | undefined;
      let other: Promise<number> | undefined;
      // The 429 lowers the pace at once: that is when the other session asks for a slot.
      const budget = new RequestBudget(6000, {
        clock,
        onPaceChange: () => {
          refusedAt ??= clock.now();
          other ??= second.listTenants().then((list) => {
            expect(list).toHaveLength(2);
            return clock.now();
          });
        },
      });
      const first = await PortSipClient.login(connection(pbx, { clock, budget }));
      const second = await PortSipClient.login(connection(pbx, { clock, budget }));
      pbx.failNext('GET', '/tenants', 429, 1, { retryAfterSeconds: 7 });
      const before = clock.now();
      await expect(first.listTenants()).resolves.toHaveLength(2);
      expect(clock.now() - before).toBeGreaterThanOrEqual(7000);
      expect(other).toBeDefined();
      // The other session never saw a 429 itself: the shared budget held it until the PBX may take more.
      expect((await other!) - refusedAt!).toBeGreaterThanOrEqual(7000);
      expect(budget.refusals).toBe(1);
      expect(pbx.state.requests.filter((r) => r.path === '/api/tenants').map((r) => r.status)).toEqual([429, 200, 200]);
      await Promise.all([first.logout(), second.logout()]);
    } finally {
      inFlight.close();
    }
  });
});
