/**
 * The whole PBX flow, as a user runs it: the BUILT CLI as a child process against the sandbox
 * (PBX + Google emulators over verified HTTPS), for the example fleet: acme (system admin, behind
 * an SBC: two redirect URIs), globex (system admin), initech-lab (tenant-admin login).
 *
 *   discover → client import (good, again, wrong project, missing SBC URI, wrong secret, --stdin,
 *   --dry-run) → post-deploy --all → rerun → status → client changes → post-deploy --dry-run
 *
 * Tests run in order and share one world. Needs `npx tsc -p .` first.
 */
import { readFileSync } from 'node:fs';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { editedClientFile, pairPayload, pbxGoogleWrites, pbxSlot, runExpect, TENANTS, versions } from './helpers';

type Client = { clientId: string; clientSecret: string; file: string };

let sb: Sandbox;
/** The pair each tenant should end up with (latest imported). */
const current: Record<string, Client> = {};
const firstConsent: Record<string, string> = {};

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb?.close();
});

afterEach(() => {
  // The PBX emulator validates every exchange against the PortSIP spec.
  expect(sb.pbx.state.violations).toEqual([]);
});

describe('discover', () => {
  test("--json: each tenant's redirect URIs are what the PBX reports (acme also the SBC one)", async () => {
    const r = await runExpect(sb, ['discover', '--all', '--json'], 0);
    expect(r.json).toMatchObject({ ok: true, exitCode: 0 });
    expect(r.json.tenants.map((t: any) => t.tenant)).toEqual([...TENANTS]);
    for (const t of r.json.tenants) {
      expect(t.exitCode).toBe(0);
      expect(t.result.all).toEqual(sb.tenants[t.tenant]!.redirectUris);
      expect(t.result.redirectUri).toBe(`${sb.pbx.origin}/api/google/oauth2callback`);
    }
    const acme = r.json.tenants[0].result;
    expect(acme.sbcRedirectUri).toBe(`${sb.pbx.origin}/sbc/api/google/oauth2callback`);
    expect(acme.all).toHaveLength(2);
    expect(r.json.tenants[1].result.sbcRedirectUri).toBeUndefined();
    expect(r.json.tenants[2].result.sbcRedirectUri).toBeUndefined();
    // Read-only: nothing written to the PBX.
    expect(pbxGoogleWrites(sb)).toBe(0);
    // initech-lab was read with its own tenant-admin login, the others with the system admin.
    const users = new Set(sb.pbx.state.requests.filter((q) => q.path === '/api/google' && q.tenant).map((q) => `${q.tenant}:${q.user}`));
    expect(users).toEqual(new Set(['Acme:admin', 'Globex Corporation:admin', `${sb.tenants['initech-lab']!.name}:initech-admin`]));
  });

  test('human output lists the URIs; one --tenant selects one tenant', async () => {
    const [all, one] = await Promise.all([
      runExpect(sb, ['discover', '--all'], 0),
      runExpect(sb, ['discover', '--tenant', 'initech-lab', '--json'], 0),
    ]);
    expect(all.stdout).toContain(`${sb.pbx.origin}/sbc/api/google/oauth2callback`);
    for (const t of TENANTS) expect(all.stdout).toContain(t);
    expect(one.json.tenants.map((t: any) => t.tenant)).toEqual(['initech-lab']);
  });
});

describe('client import', () => {
  test('a good Console file for each tenant: exit 0, a new version holding exactly the pair', async () => {
    for (const t of TENANTS) current[t] = sb.createWebClient(t);
    const runs = await Promise.all(
      TENANTS.map((t) => runExpect(sb, ['client', 'import', '--tenant', t, '--file', current[t]!.file, '--json'], 0)),
    );
    for (const [i, t] of TENANTS.entries()) {
      // Single-target commands answer in the common envelope, their object under `result`.
      expect(runs[i]!.json).toMatchObject({ ok: true, exitCode: 0, command: 'client import' });
      const json = runs[i]!.json.result;
      expect(json).toMatchObject({
        tenant: t,
        projectId: sb.tenants[t]!.projectId,
        clientId: current[t]!.clientId,
        secretName: `projects/${sb.tenants[t]!.projectId}/secrets/gwkit-oauth-client`,
        changed: true,
        dryRun: false,
      });
      expect(json.version).toMatch(/^projects\/\d+\/secrets\/gwkit-oauth-client\/versions\/1$/);
      expect(json.checks).toEqual(
        expect.arrayContaining([`PBX redirect URIs read: ${sb.tenants[t]!.redirectUris.length}`, `project is ${sb.tenants[t]!.projectId}`]),
      );
      expect(versions(sb, t)).toEqual([
        { version: 1, state: 'ENABLED', payload: pairPayload(current[t]!.clientId, current[t]!.clientSecret) },
      ]);
    }
  });

  test('the same file again: exit 0, changed:false, no new version', async () => {
    const runs = await Promise.all(
      TENANTS.map((t) => runExpect(sb, ['client', 'import', '--tenant', t, '--file', current[t]!.file, '--json'], 0)),
    );
    for (const [i, t] of TENANTS.entries()) {
      expect(runs[i]!.json).toMatchObject({ ok: true, result: { changed: false, clientId: current[t]!.clientId } });
      expect(runs[i]!.json.result.version).toBeUndefined();
      expect(versions(sb, t)).toHaveLength(1);
    }
    // Human output says so too.
    const human = await runExpect(sb, ['client', 'import', '--tenant', 'acme', '--file', current.acme!.file], 0);
    expect(human.stdout).toMatch(/already stored \(unchanged\)/);
  });

  test('a client from the wrong project: exit 2, names expected and actual project, nothing stored', async () => {
    // The person created globex's client in acme's project (and initech-lab's in globex's).
    const wrongGlobex = sb.createWebClient('globex', { projectId: sb.tenants.acme!.projectId });
    const wrongLab = sb.createWebClient('initech-lab', { projectId: sb.tenants.globex!.projectId });
    const [g, l] = await Promise.all([
      runExpect(sb, ['client', 'import', '--tenant', 'globex', '--file', wrongGlobex.file, '--json'], 2),
      runExpect(sb, ['client', 'import', '--tenant', 'initech-lab', '--file', wrongLab.file], 2),
    ]);
    expect(g.json).toMatchObject({ ok: false, exitCode: 2, error: { type: 'InputError' } });
    expect(g.json.error.message).toContain('nothing was stored');
    expect(g.json.error.problems).toEqual([expect.stringContaining('client belongs to project "pbxgw-acme", expected "pbxgw-globex"')]);
    expect(l.stderr).toContain('client belongs to project "pbxgw-globex", expected "pbxgw-initech-lab"');
    for (const t of TENANTS) expect(versions(sb, t)).toHaveLength(1);
  });

  test("acme's client without the SBC redirect URI: exit 2, names the missing URI, nothing stored", async () => {
    const [main, sbc] = sb.tenants.acme!.redirectUris as [string, string];
    const noSbc = sb.createWebClient('acme', { redirectUris: [main] });
    const r = await runExpect(sb, ['client', 'import', '--tenant', 'acme', '--file', noSbc.file, '--json'], 2);
    expect(r.json.error.problems).toHaveLength(1);
    expect(r.json.error.problems[0]).toContain(`authorized redirect URI ${sbc} is missing`);
    expect(r.stderr).toContain(sbc);
    expect(r.stderr).not.toContain(`${main} is missing`);
    expect(versions(sb, 'acme')).toHaveLength(1);
  });

  test('a mistyped client_secret: exit 2, invalid_client, nothing stored (file and --stdin)', async () => {
    const fresh = sb.createWebClient('initech-lab');
    const bad = editedClientFile(sb, fresh.file, 'lab-wrong-secret.json', { client_secret: 'GOCSPX-not-the-real-secret-0000' });
    const [viaFile, viaStdin] = await Promise.all([
      runExpect(sb, ['client', 'import', '--tenant', 'initech-lab', '--file', bad, '--json'], 2),
      runExpect(sb, ['client', 'import', '--tenant', 'initech-lab', '--stdin', '--json'], 2, { input: readFileSync(bad, 'utf8') }),
    ]);
    for (const r of [viaFile, viaStdin]) {
      expect(r.json).toMatchObject({ ok: false, exitCode: 2, error: { type: 'InputError' } });
      expect(r.json.error.message).toContain('invalid_client');
      expect(r.json.error.message).toContain('nothing was stored');
      expect(r.json.error.message).toContain(fresh.clientId);
    }
    expect(viaStdin.json.error.message).toMatch(/^stdin: /);
    expect(versions(sb, 'initech-lab')).toHaveLength(1);
  });

  test('--stdin: the Console JSON piped in is checked and stored like a file', async () => {
    const next = sb.createWebClient('globex');
    const r = await runExpect(sb, ['client', 'import', '--tenant', 'globex', '--stdin', '--json'], 0, {
      input: readFileSync(next.file, 'utf8'),
    });
    expect(r.json).toMatchObject({ ok: true, result: { changed: true, clientId: next.clientId, dryRun: false } });
    expect(r.json.result.version).toMatch(/\/versions\/2$/);
    expect(versions(sb, 'globex').map((v) => v.payload)).toEqual([
      pairPayload(current.globex!.clientId, current.globex!.clientSecret),
      pairPayload(next.clientId, next.clientSecret),
    ]);
    current.globex = next;
  });

  test('--dry-run: every check runs, nothing is stored', async () => {
    const next = sb.createWebClient('initech-lab');
    const noSbc = sb.createWebClient('acme', { redirectUris: [sb.tenants.acme!.redirectUris[0]!] });
    const badSecret = editedClientFile(sb, next.file, 'lab-dry-wrong-secret.json', { client_secret: 'GOCSPX-dry-run-wrong-0000' });
    const [good, uriCheck, probe] = await Promise.all([
      runExpect(sb, ['client', 'import', '--tenant', 'initech-lab', '--file', next.file, '--dry-run', '--json'], 0),
      runExpect(sb, ['client', 'import', '--tenant', 'acme', '--file', noSbc.file, '--dry-run', '--json'], 2),
      runExpect(sb, ['client', 'import', '--tenant', 'initech-lab', '--file', badSecret, '--dry-run', '--json'], 2),
    ]);
    expect(good.json).toMatchObject({ ok: true, result: { changed: true, dryRun: true, clientId: next.clientId } });
    expect(good.json.result.version).toBeUndefined();
    expect(good.json.result.checks).toEqual(expect.arrayContaining(['Google accepts the client ID and secret (token endpoint probe)']));
    expect(uriCheck.json.error.message).toContain('is missing from the client');
    expect(probe.json.error.message).toContain('invalid_client');
    const human = await runExpect(sb, ['client', 'import', '--tenant', 'initech-lab', '--file', next.file, '--dry-run'], 0);
    expect(human.stdout).toContain('would be stored (dry run)');
    for (const t of TENANTS) expect(versions(sb, t).length).toBe(t === 'globex' ? 2 : 1);
  });
});

describe('post-deploy', () => {
  test("--all: exit 3 (consent is a person's job), every PBX holds its pair, JSON has each consent link", async () => {
    expect(pbxGoogleWrites(sb)).toBe(0);
    const r = await runExpect(sb, ['post-deploy', '--all', '--json'], 3);
    expect(r.json).toMatchObject({ ok: false, exitCode: 3 });
    expect(r.json.tenants.map((t: any) => t.tenant)).toEqual([...TENANTS]);
    for (const o of r.json.tenants) {
      const t = o.tenant as string;
      expect(o.error).toBeUndefined();
      expect(o.exitCode).toBe(3);
      expect(o.result).toMatchObject({ tenant: t, clientId: current[t]!.clientId, changed: true, dryRun: false, stage: 'consent-pending' });
      const link = new URL(o.result.consentUri);
      expect(`${link.origin}${link.pathname}`).toBe(sb.google.endpoints.authorization);
      expect(link.searchParams.get('client_id')).toBe(current[t]!.clientId);
      // Behind the SBC the consent goes through the SBC redirect URI.
      expect(link.searchParams.get('redirect_uri')).toBe(sb.tenants[t]!.redirectUris[t === 'acme' ? 1 : 0]);
      expect(o.nextAction).toContain(o.result.consentUri);
      expect(pbxSlot(sb, t)).toEqual({ client_id: current[t]!.clientId, client_secret: current[t]!.clientSecret });
      firstConsent[t] = o.result.consentUri;
    }
    expect(pbxGoogleWrites(sb)).toBe(3);
    // Logs on stderr, JSON alone on stdout.
    expect(r.stderr).toMatch(/acme: writing client/);
  });

  test('idempotent rerun: exit 3, changed:false, no second POST /google, same consent links', async () => {
    const before = sb.pbx.state.requests.length;
    const r = await runExpect(sb, ['post-deploy', '--all', '--json'], 3);
    for (const o of r.json.tenants) {
      expect(o.result).toMatchObject({ changed: false, stage: 'consent-pending', consentUri: firstConsent[o.tenant] });
    }
    const since = sb.pbx.state.requests.slice(before);
    expect(since.filter((q) => q.method === 'POST' && q.path === '/api/google')).toEqual([]);
    expect(since.filter((q) => q.method === 'GET' && q.path === '/api/google')).toHaveLength(3);
    expect(pbxGoogleWrites(sb)).toBe(3);
    const human = await runExpect(sb, ['post-deploy', '--tenant', 'acme', '--tenant', 'globex'], 3);
    expect(human.stdout).toMatch(/acme\s+WAITING\s+\S+\s+1\s+unchanged\s+consent-pending/);
    expect(human.stdout).not.toContain('initech-lab');
  });

  test('status --json: every tenant is consent-pending, derived live', async () => {
    const r = await runExpect(sb, ['status', '--json'], 0);
    expect(r.json).toMatchObject({ ok: true, exitCode: 0 });
    for (const o of r.json.tenants) {
      expect(o.result).toMatchObject({ tenant: o.tenant, stage: 'consent-pending', consentUri: firstConsent[o.tenant] });
      expect(o.result.facts).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^client ${current[o.tenant]!.clientId} in Secret Manager \\(version \\d+\\)$`)),
          expect.stringMatching(/^PBX holds version \d+ of the client \(read back\); Google accepts its secret now$/),
        ]),
      );
    }
  });

  test('a new client imported: status says client-registered; post-deploy --dry-run writes nothing', async () => {
    const next = sb.createWebClient('acme');
    await runExpect(sb, ['client', 'import', '--tenant', 'acme', '--file', next.file], 0);
    expect(versions(sb, 'acme')).toHaveLength(2);

    const status = await runExpect(sb, ['status', '--tenant', 'acme', '--json'], 0);
    expect(status.json.tenants[0].result).toMatchObject({
      stage: 'client-registered',
      nextAction: '`npx gwkit post-deploy --tenant acme`',
    });
    expect(status.json.tenants[0].result.facts).toContain(`PBX holds a different client (${current.acme!.clientId})`);

    const writes = pbxGoogleWrites(sb);
    const r = await runExpect(sb, ['post-deploy', '--all', '--dry-run', '--json'], 3);
    const byTenant = Object.fromEntries(r.json.tenants.map((o: any) => [o.tenant, o]));
    expect(byTenant.acme.result).toMatchObject({ clientId: next.clientId, changed: true, dryRun: true });
    expect(byTenant.globex.result).toMatchObject({ changed: false, dryRun: true });
    expect(byTenant['initech-lab'].result).toMatchObject({ changed: false, dryRun: true });
    expect(pbxGoogleWrites(sb)).toBe(writes);
    expect(pbxSlot(sb, 'acme')).toEqual({ client_id: current.acme!.clientId, client_secret: current.acme!.clientSecret });
    const human = await runExpect(sb, ['post-deploy', '--tenant', 'acme', '--dry-run'], 3);
    expect(human.stdout).toMatch(/acme\s+WAITING\s+\S+\s+2\s+would update/);
    expect(human.stderr).not.toMatch(/writing client/);
    expect(pbxGoogleWrites(sb)).toBe(writes);
    current.acme = next;
  });

  // Regression test (lib/workflow/post-deploy.ts).
  test("post-deploy --dry-run with a pending change does not hand out the old client's consent link", async () => {
    const r = await runExpect(sb, ['post-deploy', '--tenant', 'acme', '--dry-run', '--json'], 3);
    const o = r.json.tenants[0];
    expect(o.result).toMatchObject({ changed: true, dryRun: true });
    expect(o.result.consentUri ?? '').not.toContain(encodeURIComponent(sb.pbx.googleSlot(sb.tenants.acme!.pbxTenantId).client_id));
    expect(o.nextAction).toContain('without --dry-run');
  });

  test('the real run then writes the new client once and renews the consent link', async () => {
    const writes = pbxGoogleWrites(sb);
    const r = await runExpect(sb, ['post-deploy', '--tenant', 'acme', '--json'], 3);
    expect(r.json.tenants[0].result).toMatchObject({ changed: true, clientId: current.acme!.clientId });
    expect(r.json.tenants[0].result.consentUri).not.toBe(firstConsent.acme);
    expect(new URL(r.json.tenants[0].result.consentUri).searchParams.get('client_id')).toBe(current.acme!.clientId);
    expect(pbxGoogleWrites(sb)).toBe(writes + 1);
    expect(pbxSlot(sb, 'acme')).toEqual({ client_id: current.acme!.clientId, client_secret: current.acme!.clientSecret });
  });

  // Regression test (lib/workflow/status.ts).
  test('status notices a rotated secret the PBX does not have yet', async () => {
    const client = sb.google.state.clients.get(current.globex!.clientId)!;
    client.clientSecret = 'GOCSPX-rotated-secret-globex-0001';
    const rotated = editedClientFile(sb, current.globex!.file, 'globex-rotated.json', { client_secret: client.clientSecret });
    current.globex = { ...current.globex!, clientSecret: client.clientSecret, file: rotated };
    const imp = await runExpect(sb, ['client', 'import', '--tenant', 'globex', '--file', rotated, '--json'], 0);
    expect(imp.json.result).toMatchObject({ changed: true, clientId: client.clientId });
    // "Reset secret" in the Console left the PBX with a secret Google refuses: its mail is dead (exit 1).
    const r = await runExpect(sb, ['status', '--tenant', 'globex', '--json'], 1);
    expect(r.json.tenants[0].result).toMatchObject({
      stage: 'broken',
      nextAction: expect.stringMatching(
        /^Google refuses the secret the PBX holds \(invalid_client\); write the stored one: `npx gwkit post-deploy --tenant globex`$/,
      ),
    });
  });

  test('post-deploy writes a rotated secret (same client ID) into the PBX', async () => {
    // Self-contained: rotate (again) here, so this holds whether or not the test above ran to its end.
    const client = sb.google.state.clients.get(current.globex!.clientId)!;
    client.clientSecret = 'GOCSPX-rotated-secret-globex-0002';
    const rotated = editedClientFile(sb, current.globex!.file, 'globex-rotated-2.json', { client_secret: client.clientSecret });
    await runExpect(sb, ['client', 'import', '--tenant', 'globex', '--file', rotated], 0);
    const writes = pbxGoogleWrites(sb);
    const r = await runExpect(sb, ['post-deploy', '--tenant', 'globex', '--json'], 3);
    expect(r.json.tenants[0].result).toMatchObject({ changed: true, clientId: client.clientId });
    expect(pbxGoogleWrites(sb)).toBe(writes + 1);
    expect(pbxSlot(sb, 'globex')).toEqual({ client_id: client.clientId, client_secret: client.clientSecret });
  });
});
