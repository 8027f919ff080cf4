/**
 * Remote faults, through the BUILT CLI against the sandbox: transient PBX answers (503/429) are
 * retried and the command succeeds; a tenant whose stack is not deployed (no project, no secret)
 * fails that tenant only. Needs `npx tsc -p .` first.
 *
 * Sandbox: acme and initech-lab deployed, globex NOT deployed.
 */
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { pbxGoogleWrites, pbxSlot, runExpect, runInProcess } from './helpers';

let sb: Sandbox;
const clients: Record<string, { clientId: string; clientSecret: string; file: string }> = {};

beforeAll(async () => {
  sb = await startSandbox({ deployed: ['acme', 'initech-lab'] });
  clients.acme = sb.createWebClient('acme');
  clients['initech-lab'] = sb.createWebClient('initech-lab');
  await Promise.all(['acme', 'initech-lab'].map((t) => runExpect(sb, ['client', 'import', '--tenant', t, '--file', clients[t]!.file], 0)));
});
afterAll(async () => {
  await sb?.close();
});
afterEach(() => {
  expect(sb.pbx.state.violations).toEqual([]);
});

/** PBX requests logged since index `from`, as "METHOD path status". */
function log(from: number): string[] {
  return sb.pbx.state.requests.slice(from).map((r) => `${r.method} ${r.path} ${r.status}`);
}

describe('transient PBX faults are retried', () => {
  test('503 on login and 429 (Retry-After) on GET /google: discover still succeeds for every tenant', async () => {
    const from = sb.pbx.state.requests.length;
    sb.pbx.failNext('POST', '/login/oauth/token', 503);
    sb.pbx.failNext('GET', '/google', 429, 1, { retryAfterSeconds: 1 });
    const r = await runExpect(sb, ['discover', '--all', '--json'], 0);
    expect(r.json.tenants.map((t: any) => [t.tenant, t.exitCode, t.result.all])).toEqual(
      ['acme', 'globex', 'initech-lab'].map((t) => [t, 0, sb.tenants[t]!.redirectUris]),
    );
    const seen = log(from);
    expect(seen).toContain('POST /api/login/oauth/token 503');
    expect(seen).toContain('GET /api/google 429');
    expect(seen.filter((l) => l === 'GET /api/google 200')).toHaveLength(3);
  });

  test('503 twice, then 429, on POST /google: post-deploy writes the pair, exit 3', async () => {
    const from = sb.pbx.state.requests.length;
    sb.pbx.failNext('POST', '/google', 503, 2);
    const r = await runExpect(sb, ['post-deploy', '--tenant', 'acme', '--json'], 3);
    expect(r.json.tenants[0]).toMatchObject({ tenant: 'acme', exitCode: 3, result: { changed: true, stage: 'consent-pending' } });
    expect(pbxSlot(sb, 'acme')).toEqual({ client_id: clients.acme!.clientId, client_secret: clients.acme!.clientSecret });
    expect(log(from).filter((l) => l.startsWith('POST /api/google '))).toEqual([
      'POST /api/google 503',
      'POST /api/google 503',
      'POST /api/google 200',
    ]);

    const from2 = sb.pbx.state.requests.length;
    sb.pbx.failNext('POST', '/google', 429, 1, { retryAfterSeconds: 1 });
    const lab = await runExpect(sb, ['post-deploy', '--tenant', 'initech-lab', '--json'], 3);
    expect(lab.json.tenants[0].result).toMatchObject({ changed: true });
    expect(pbxSlot(sb, 'initech-lab')).toEqual({
      client_id: clients['initech-lab']!.clientId,
      client_secret: clients['initech-lab']!.clientSecret,
    });
    expect(log(from2).filter((l) => l.startsWith('POST /api/google '))).toEqual(['POST /api/google 429', 'POST /api/google 200']);
  });

  test('a 503 that does not go away fails the tenant (exit 1) after retries (default: 2)', async () => {
    const from = sb.pbx.state.requests.length;
    // Exactly as many faults as the client tries (1 + 2 retries), so none are left for later tests.
    sb.pbx.failNext('GET', '/google', 503, 3);
    const r = await runExpect(sb, ['discover', '--tenant', 'acme', '--json'], 1);
    expect(r.json).toMatchObject({ ok: false, exitCode: 1, tenants: [{ tenant: 'acme', exitCode: 1 }] });
    expect(r.json.tenants[0].error).toMatch(/503|SERVICE_UNAVAILABLE/);
    expect(log(from).filter((l) => l.startsWith('GET /api/google '))).toEqual([
      'GET /api/google 503',
      'GET /api/google 503',
      'GET /api/google 503',
    ]);
  });
});

describe('a tenant whose stack is not deployed', () => {
  test('post-deploy --all: exit 1; globex (no project) fails alone, the others are done', async () => {
    const writes = pbxGoogleWrites(sb);
    const r = await runExpect(sb, ['post-deploy', '--all', '--json'], 1);
    expect(r.json).toMatchObject({ ok: false, exitCode: 1 });
    const byTenant = Object.fromEntries(r.json.tenants.map((o: any) => [o.tenant, o]));
    expect(Object.keys(byTenant)).toEqual(['acme', 'globex', 'initech-lab']);

    expect(byTenant.globex.exitCode).toBe(1);
    expect(byTenant.globex.result).toBeUndefined();
    expect(byTenant.globex.error).toContain('projects/pbxgw-globex/secrets/gwkit-oauth-client');
    expect(pbxSlot(sb, 'globex')).toEqual({ client_id: '', client_secret: '' });

    for (const t of ['acme', 'initech-lab']) {
      expect(byTenant[t]).toMatchObject({
        exitCode: 3,
        result: { tenant: t, clientId: clients[t]!.clientId, changed: false, stage: 'consent-pending' },
      });
      expect(new URL(byTenant[t].result.consentUri).searchParams.get('client_id')).toBe(clients[t]!.clientId);
      expect(pbxSlot(sb, t)).toEqual({ client_id: clients[t]!.clientId, client_secret: clients[t]!.clientSecret });
    }
    expect(pbxGoogleWrites(sb)).toBe(writes);

    const human = await runExpect(sb, ['post-deploy', '--all'], 1);
    expect(human.stdout).toMatch(/globex\s+FAILED/);
    expect(human.stdout).toMatch(/acme\s+WAITING/);
    expect(human.stdout).toMatch(/globex: .*pbxgw-globex/);
  });

  // Regression test (lib/google/credential-store.ts).
  test("post-deploy: the undeployed tenant's message says the stack is probably not deployed", async () => {
    const r = await runExpect(sb, ['post-deploy', '--tenant', 'globex', '--json'], 1);
    expect(r.json.tenants[0].error).toMatch(/probably not deployed/);
  });

  test('status: globex is planned (project not found), the others consent-pending; exit 0', async () => {
    const r = await runExpect(sb, ['status', '--json'], 0);
    const stages = Object.fromEntries(r.json.tenants.map((o: any) => [o.tenant, o.result?.stage]));
    expect(stages).toEqual({ acme: 'consent-pending', globex: 'planned', 'initech-lab': 'consent-pending' });
    const globex = r.json.tenants.find((o: any) => o.tenant === 'globex');
    expect(globex.result.nextAction).toContain('npx cdktn deploy globex');
  });

  test('discover and client guide still work for it (they only read the PBX)', async () => {
    const [disc, guide] = await Promise.all([
      runExpect(sb, ['discover', '--tenant', 'globex', '--json'], 0),
      runExpect(sb, ['client', 'guide', '--tenant', 'globex', '--json'], 0),
    ]);
    expect(disc.json.tenants[0].result.all).toEqual(sb.tenants.globex!.redirectUris);
    expect(guide.json.result.client.redirectUris).toEqual(sb.tenants.globex!.redirectUris);
    expect(guide.json.result.projectId).toBe('pbxgw-globex');
  });
});

test('project deployed but its secret missing (404): that tenant fails, message says probably not deployed', async () => {
  const lab = sb.google.state.project('pbxgw-initech-lab')!;
  expect(sb.google.state.secrets.delete(`${lab.projectNumber}/gwkit-oauth-client`)).toBe(true);
  const r = await runExpect(sb, ['post-deploy', '--all', '--json'], 1);
  const byTenant = Object.fromEntries(r.json.tenants.map((o: any) => [o.tenant, o]));
  expect(byTenant['initech-lab'].exitCode).toBe(1);
  expect(byTenant['initech-lab'].error).toMatch(/probably not deployed/);
  expect(byTenant.acme).toMatchObject({ exitCode: 3, result: { changed: false, clientId: clients.acme!.clientId } });
  expect(byTenant.globex.exitCode).toBe(1);
});

describe('a refused PBX login', () => {
  test('costs one login attempt per PBX identity, not one per tenant (accounts lock), and fails those tenants', async () => {
    const from = sb.pbx.state.requests.length;
    // acme and globex share the system-admin identity; initech-lab logs in with its own variable.
    const r = await runInProcess(sb, ['discover', '--all', '--json'], { env: { GWKIT_PBX_PASSWORD: 'wrong-password' } });
    expect(r.code).toBe(1);
    const byTenant = Object.fromEntries(r.json.tenants.map((t: any) => [t.tenant, t]));
    expect(byTenant.acme.exitCode).toBe(1);
    expect(byTenant.globex.exitCode).toBe(1);
    expect(byTenant.acme.error).toMatch(/UNAUTHORIZED/);
    expect(byTenant['initech-lab'].exitCode).toBe(0);
    expect(log(from).filter((l) => l === 'POST /api/login/oauth/token 400')).toHaveLength(1);
  });
});
