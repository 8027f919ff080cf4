/**
 * The whole PBX flow under every reading of PortSIP's spec that the emulator can be switched into
 * (docs/portsip-api.md, "Where the spec is open"): in-process, through the workflow functions the
 * CLI calls, against the sandbox's PBX and Google emulators over verified HTTPS.
 *
 * For each reading: rollout writes each tenant's client exactly once, into the right tenant; a
 * rerun writes nothing (even where the PBX masks the secret); status names the version the PBX
 * holds; after consent, rollout --verify switches mail to GMAIL without losing a notification
 * field and hands back the previous settings; the PBX saw no request that violates its spec.
 */
import { loadFleet } from '../../lib/config';
import { ExitCode } from '../../lib/errors';
import type { Clock } from '../../lib/clock';
import { SessionProvider } from '../../lib/workflow/session-provider';
import { forEachTenant } from '../../lib/workflow/fleet-runner';
import { rolloutTenant, type RolloutResult } from '../../lib/workflow/rollout';
import { tenantStatus } from '../../lib/workflow/status';
import { consentEmulated } from '../../emulators/consent';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../emulators/sandbox';

const SECRET_ID = 'gwkit-oauth-client';

type Reading = SandboxOptions & {
  /**
   * gwkit's clock runs this many ms ahead on every reading of it: PBX tokens age fast in gwkit's
   * eyes, refreshes happen mid-run. The PBX's clock then stands still, so its tokens never expire
   * under gwkit: every refresh is gwkit's own decision, and none races a request on a busy machine
   * (a PBX that expires a token first is resilience.test.ts's case).
   */
  clockStepMs?: number;
};

const START = Date.UTC(2026, 0, 5, 9, 0, 0);

/** A clock that moves `step` ms every time it is read (sleeps move it too). */
function racingClock(step: number): Clock {
  let t = START;
  return {
    now: () => (t += step),
    sleep: async (ms) => {
      t += ms;
    },
  };
}

/** Runs one workflow over the fleet with a fresh context, as one CLI invocation would. */
async function run<T>(
  sb: Sandbox,
  reading: Reading,
  work: (ctx: SessionProvider, tenant: ReturnType<typeof loadFleet>['tenants'][number]) => Promise<T>,
) {
  const fleet = loadFleet(sb.configPath);
  const clock = reading.clockStepMs ? racingClock(reading.clockStepMs) : undefined;
  const ctx = new SessionProvider({ fleet, tenants: fleet.tenants, env: sb.env, clock });
  try {
    // Results that carry their own exit code (rollout) report it, as the CLI does.
    return await forEachTenant(fleet.tenants, (t) => work(ctx, t), {
      concurrency: 2,
      outcomeOf: (r) => ({ exitCode: (r as { exitCode?: ExitCode }).exitCode ?? ExitCode.Ok }),
    });
  } finally {
    await ctx.close();
  }
}

function googleWrites(sb: Sandbox): { tenant?: string; user?: string }[] {
  return sb.pbx.state.requests.filter((r) => r.method === 'POST' && r.path === '/api/google');
}

/** Fields a person set on the tenant's notification page that a switch to GMAIL must keep. */
const CUSTOM_MAIL = {
  reply_to: 'noc@msp.example',
  recipients: 'ops@msp.example',
  notify_user_registration: true,
  notify_queue_call_lost: true,
  port: 2525,
};

const READINGS: [string, Reading][] = [
  ['the emulator defaults (secret echoed, POST merges, switch per login, skip counts items)', {}],
  ['GET /google masks client_secret', { pbxBehaviour: { secretOnRead: 'masked' } }],
  ['GET /google returns client_secret empty', { pbxBehaviour: { secretOnRead: 'empty' } }],
  ['GET /google shows the secret partly masked', { pbxBehaviour: { secretOnRead: 'partial' } }],
  ['POST /tenant/notification replaces the whole object', { pbxBehaviour: { notificationPost: 'replace' } }],
  [
    'the tenant switch belongs to the access token, which lives 2 s and is refreshed all the time',
    { pbxBehaviour: { switchScope: 'token' }, pbxTokenTtlSeconds: 2, clockStepMs: 700 },
  ],
  ['skip counts 1-based pages of 2 tenants', { pbxBehaviour: { paging: 'pages', maxPageSize: 2 } }],
  ['skip counts items, pages of 1 tenant', { pbxBehaviour: { paging: 'items', maxPageSize: 1 } }],
  ['skip counts 0-based pages of 2, no count', { pbxBehaviour: { paging: 'pages-from-0', maxPageSize: 2, listCount: false } }],
  ['errors come in 2xx answers; filters ignore case', { pbxBehaviour: { errorsOn2xx: true, filterCase: 'insensitive' } }],
  [
    'all the unfriendly readings at once',
    {
      pbxBehaviour: {
        secretOnRead: 'masked',
        notificationPost: 'replace',
        switchScope: 'token',
        paging: 'pages',
        maxPageSize: 2,
        listCount: false,
        listEnabled: 'when-false',
        errorsOn2xx: true,
      },
      pbxTokenTtlSeconds: 2,
      clockStepMs: 700,
    },
  ],
];

describe.each(READINGS)('PBX reading: %s', (_reading, options) => {
  let sb: Sandbox;
  const pairs: Record<string, { clientId: string; clientSecret: string }> = {};

  beforeAll(async () => {
    sb = await startSandbox(options.clockStepMs ? { ...options, pbxNow: () => START } : options);
    // ADC is read by google-auth-library at call time; the sandbox's file points at its emulator.
    process.env.GOOGLE_APPLICATION_CREDENTIALS = sb.env.GOOGLE_APPLICATION_CREDENTIALS;
    for (const id of Object.keys(sb.tenants)) {
      const client = sb.createWebClient(id);
      pairs[id] = client;
      sb.google.addSecretVersion(
        sb.tenants[id]!.projectId,
        SECRET_ID,
        JSON.stringify({ client_id: client.clientId, client_secret: client.clientSecret }),
      );
      Object.assign(sb.pbx.state.tenants.get(sb.tenants[id]!.pbxTenantId)!.notification, CUSTOM_MAIL);
    }
  });
  afterAll(async () => {
    await sb?.close();
  });

  test('rollout, rerun, status, consent, rollout --verify: one write per tenant, in its own tenant, nothing lost', async () => {
    const ids = Object.keys(sb.tenants);

    // 1. First rollout: every tenant gets its client, once, in its own tenant.
    const before = sb.pbx.state.requests.length;
    const first = await run(sb, options, (ctx, t) => rolloutTenant(ctx, t));
    for (const o of first) {
      expect({ tenant: o.tenant, exitCode: o.exitCode, error: o.error }).toEqual({
        tenant: o.tenant,
        exitCode: ExitCode.WaitingOnPerson,
        error: undefined,
      });
      expect(o.result).toMatchObject({ stage: 'consent-pending', done: ['wrote the client into the PBX'], pbxVersion: 1 });
    }
    for (const id of ids) {
      const slot = sb.pbx.googleSlot(sb.tenants[id]!.pbxTenantId);
      expect({ id, client_id: slot.client_id, client_secret: slot.client_secret }).toEqual({
        id,
        client_id: pairs[id]!.clientId,
        client_secret: pairs[id]!.clientSecret,
      });
      // The record of what the PBX holds lives on the tenant's own secret.
      expect(JSON.parse(sb.google.state.secretAnnotations(sb.tenants[id]!.projectId, SECRET_ID)['gwkit-pbx-applied']!)).toMatchObject({
        version: 1,
        clientId: pairs[id]!.clientId,
      });
    }
    const writes = googleWrites(sb);
    expect(writes.map((w) => w.tenant).sort()).toEqual(ids.map((id) => sb.tenants[id]!.name).sort());
    // Cheap on the PBX: per tenant a switch, a read, the write and its read back; logins are per
    // worker (2 for the system admin here) and per tenant-admin domain, not per tenant.
    const sent = sb.pbx.state.requests.slice(before);
    const count = (method: string, path: RegExp) => sent.filter((r) => r.method === method && path.test(r.path)).length;
    const passwordLogins = sent.filter(
      (r) => r.path === '/api/login/oauth/token' && (r.body as { grant_type?: string })?.grant_type === 'password',
    );
    expect(passwordLogins.length).toBeLessThanOrEqual(3);
    expect(count('GET', /^\/api\/tenants$/)).toBeLessThanOrEqual(ids.length + 1); // one paged list, however many pages
    expect(count('GET', /^\/api\/google$/)).toBe(2 * ids.length);
    expect(count('POST', /^\/api\/google$/)).toBe(ids.length);

    // 2. Rerun: nothing to write, even where the PBX does not show the secret.
    const second = await run(sb, options, (ctx, t) => rolloutTenant(ctx, t));
    expect(second.map((o) => o.result?.done)).toEqual(ids.map(() => ['PBX already held the client']));
    expect(googleWrites(sb)).toHaveLength(ids.length);

    // 3. Status names the version the PBX holds, and is read-only: no PBX write, no Google write.
    const pbxBefore = sb.pbx.state.requests.length;
    const googleBefore = sb.google.state.requests.length;
    const status = await run(sb, options, (ctx, t) => tenantStatus(ctx, t));
    for (const o of status) expect(o.result).toMatchObject({ stage: 'consent-pending', pbxVersion: 1 });
    const statusWrites = sb.pbx.state.requests
      .slice(pbxBefore)
      .filter((r) => r.method === 'POST' && !/\/login\/|\/tenants\/switch/.test(r.path));
    expect(statusWrites).toEqual([]);
    // (Getting an access token for the caller is a POST too, but no write.)
    expect(sb.google.state.requests.slice(googleBefore).filter((r) => r.method !== 'GET' && r.path !== '/token')).toEqual([]);

    // 4. An administrator consents for every tenant (emulated Google consent screen).
    for (const o of first) {
      const consent = await consentEmulated((o.result as RolloutResult).consentUri!, sb.caFile);
      expect(consent).toMatchObject({ ok: true });
    }

    // 5. rollout --verify: Gmail where gwkit.yaml opts in, every other mail setting kept.
    const settingsBefore = Object.fromEntries(
      ids.map((id) => [id, { ...sb.pbx.state.tenants.get(sb.tenants[id]!.pbxTenantId)!.notification }]),
    );
    const proved = await run(sb, options, (ctx, t) => rolloutTenant(ctx, t, { verify: true }));
    const byId = Object.fromEntries(proved.map((o) => [o.tenant, o]));
    expect(byId.acme).toMatchObject({ exitCode: ExitCode.Ok, result: { stage: 'verified' } });
    expect(byId['initech-lab']).toMatchObject({ exitCode: ExitCode.Ok, result: { stage: 'verified' } });
    // globex keeps its SMTP relay (mail.switchToGmail: false): waiting on a person, nothing changed.
    expect(byId.globex).toMatchObject({ exitCode: ExitCode.WaitingOnPerson });
    for (const id of ['acme', 'initech-lab']) {
      const now = sb.pbx.state.tenants.get(sb.tenants[id]!.pbxTenantId)!.notification;
      const { type, username, password, ...rest } = settingsBefore[id]!;
      void password;
      expect(now).toMatchObject({ ...rest, type: 'GMAIL' });
      expect(now.username).not.toBe(username);
      expect(byId[id]!.result!.previousMailSettings).toMatchObject({ ...rest, type, username });
    }
    expect(sb.pbx.state.tenants.get(sb.tenants.globex!.pbxTenantId)!.notification).toEqual(settingsBefore.globex);
    expect(sb.pbx.state.outbox.map((m) => m.tenant).sort()).toEqual([sb.tenants.acme!.name, sb.tenants['initech-lab']!.name].sort());
    expect(googleWrites(sb)).toHaveLength(ids.length);
    if (options.clockStepMs) {
      // The readings with racing tokens really refreshed mid-run (and switched again each time).
      const refreshes = sb.pbx.state.requests.filter(
        (r) => r.path === '/api/login/oauth/token' && (r.body as { grant_type?: string })?.grant_type === 'refresh_token',
      );
      expect(refreshes.length).toBeGreaterThan(ids.length);
    }
    expect(sb.pbx.state.violations).toEqual([]);
  });
});
