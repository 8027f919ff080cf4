/**
 * Day two, through the CLI in-process against the emulators (which model a client with two
 * secrets and PortSIP's destroy endpoint): a secret rotation interrupted halfway and resumed,
 * drift of each kind, an old proof, and teardown.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consentEmulated } from '../../emulators/consent';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { pbxGoogleWrites, runExpect, runInProcess, versions } from '../cli/helpers';

let sb: Sandbox;
const clients: Record<string, { clientId: string; clientSecret: string; file: string }> = {};
const SECRET_ID = 'gwkit-oauth-client';

/** Import, write into the PBX, consent and prove: a tenant on day one, done. */
async function setUp(tenant: string): Promise<void> {
  clients[tenant] = sb.createWebClient(tenant);
  await runExpect(sb, ['client', 'import', '--tenant', tenant, '--file', clients[tenant]!.file], 0);
  const pd = await runExpect(sb, ['post-deploy', '--tenant', tenant, '--json'], 3);
  expect(await consentEmulated(pd.json.tenants[0].result.consentUri, sb.caFile)).toMatchObject({ ok: true });
  await runExpect(sb, ['verify', '--tenant', tenant], 0);
}

const status = async (tenant: string) => (await runExpect(sb, ['status', '--tenant', tenant, '--json'], 0)).json.tenants[0].result;
const annotations = (tenant: string) => sb.google.state.secretAnnotations(sb.tenants[tenant]!.projectId, SECRET_ID);

/**
 * Each group of tests gets a world of its own, set up on day one, so that no group depends on
 * what another did (or on the order Jest runs them in).
 */
function freshWorld(tenants: readonly string[]): void {
  beforeAll(async () => {
    sb = await startSandbox();
    for (const t of tenants) await setUp(t);
  });
  afterAll(async () => {
    await sb?.close();
  });
}

/** The versions of a tenant's credential secret that are enabled now. */
const enabledVersions = (tenant: string) =>
  versions(sb, tenant)
    .filter((v) => v.state === 'ENABLED')
    .map((v) => v.version);

describe('client rotate', () => {
  freshWorld(['acme', 'initech-lab']);
  test('guides, survives an interruption halfway, waits for consent and for the old secret to be disabled, then finishes', async () => {
    const { clientId, clientSecret: oldSecret } = clients.acme!;
    // 1. Nothing started: the Console step, with the client's page.
    const start = await runExpect(sb, ['client', 'rotate', '--tenant', 'acme', '--json'], 3);
    expect(start.json.result).toMatchObject({ step: 'add-secret', clientId });
    expect(start.json.result.nextAction).toMatch(new RegExp(`/auth/clients/${clientId}\\?project=pbxgw-acme.*"Add secret"`));

    // 2. The person adds a second secret; gwkit stores it, and the PBX write is interrupted.
    const added = sb.google.addClientSecret(clientId);
    const file = join(sb.dir, 'rotated.json');
    writeFileSync(file, added.downloadJson);
    sb.pbx.failNext('POST', '/google', 500, 3);
    const interrupted = await runInProcess(sb, ['client', 'rotate', '--tenant', 'acme', '--file', file, '--json']);
    expect(interrupted.code).toBe(1);
    expect(versions(sb, 'acme').map((v) => v.state)).toEqual(['ENABLED', 'ENABLED']);
    expect(JSON.parse(annotations('acme')['gwkit-rotation']!)).toMatchObject({ clientId, fromVersion: 1, toVersion: 2 });
    expect((await status('acme')).warnings).toEqual([expect.stringContaining('a secret rotation is under way (version 1 → 2')]);

    // 3. The same command resumes: the PBX gets version 2; its authorization must be given again.
    const writesBefore = pbxGoogleWrites(sb);
    const resumed = await runExpect(sb, ['client', 'rotate', '--tenant', 'acme', '--json'], 3);
    expect(resumed.json.result).toMatchObject({ step: 'consent', done: ['wrote version 2 into the PBX'] });
    expect(pbxGoogleWrites(sb)).toBe(writesBefore + 1);
    const link = /opens (\S+) and allows access/.exec(resumed.json.result.nextAction)![1]!;
    expect(await consentEmulated(link, sb.caFile)).toMatchObject({ ok: true });

    // 4. Proven with the new secret; now the old one must go.
    const proven = await runExpect(sb, ['client', 'rotate', '--tenant', 'acme', '--json'], 3);
    expect(proven.json.result).toMatchObject({ step: 'disable-old-secret' });
    expect(proven.json.result.done).toEqual([
      expect.stringContaining('sent through Gmail with the new secret'),
      'Google accepts the new secret the PBX holds (version 2)',
    ]);
    // Asked again before the person acted: still waiting, nothing written again.
    await runExpect(sb, ['client', 'rotate', '--tenant', 'acme'], 3);
    expect(pbxGoogleWrites(sb)).toBe(writesBefore + 1);

    // 5. The person disables the old secret: gwkit checks Google refuses it, retires version 1, ends.
    sb.google.disableClientSecret(clientId, oldSecret);
    const finished = await runExpect(sb, ['client', 'rotate', '--tenant', 'acme', '--json'], 0);
    expect(finished.json.result).toMatchObject({
      step: 'done',
      done: [
        'Google accepts the new secret the PBX holds (version 2)',
        'Google refuses the old secret',
        'disabled old version 1',
        'rotation finished',
      ],
    });
    expect(versions(sb, 'acme').map((v) => v.state)).toEqual(['DISABLED', 'ENABLED']);
    expect(annotations('acme')['gwkit-rotation']).toBeUndefined();
    expect(sb.pbx.googleSlot(sb.tenants.acme!.pbxTenantId).client_secret).toBe(added.clientSecret);
    expect(await status('acme')).toMatchObject({ stage: 'verified', pbxVersion: 2 });
    expect(sb.pbx.state.violations).toEqual([]);
  });

  test('refuses another client, and the secret already stored', async () => {
    const other = sb.createWebClient('globex');
    const r1 = await runExpect(sb, ['client', 'rotate', '--tenant', 'initech-lab', '--file', other.file], 2);
    expect(r1.stderr).toMatch(/is not the tenant's client .*a rotation keeps the client and changes its secret/);
    const r2 = await runExpect(sb, ['client', 'rotate', '--tenant', 'initech-lab', '--file', clients['initech-lab']!.file], 2);
    expect(r2.stderr).toMatch(/this is the secret already stored \(version 1\)/);
  });
});

describe('drift and health in status', () => {
  freshWorld(['initech-lab']);
  test('the PBX holds another client', async () => {
    const slot = sb.pbx.googleSlot(sb.tenants['initech-lab']!.pbxTenantId);
    const saved = { ...slot };
    slot.client_id = '999-other.apps.googleusercontent.com';
    const s = await status('initech-lab');
    expect(s.stage).toBe('client-registered');
    expect(s.drift).toEqual([expect.stringMatching(/^the PBX holds client 999-other\.apps\.googleusercontent\.com, not the stored /)]);
    Object.assign(slot, saved);
  });

  test('the PBX reports a redirect URI the client was not checked against (an SBC added later)', async () => {
    sb.pbx.state.tenants.get(sb.tenants['initech-lab']!.pbxTenantId)!.sbc = true;
    try {
      const s = await status('initech-lab');
      expect(s.drift).toEqual([
        expect.stringMatching(
          /the PBX now reports redirect URI https:\/\/\S+\/sbc\/api\/google\/oauth2callback, which the client was not checked against/,
        ),
      ]);
      expect(s.nextAction).toMatch(
        /add https:\/\/\S+\/sbc\/api\/google\/oauth2callback to the client's authorized redirect URIs in the Console/,
      );
      const human = await runExpect(sb, ['status', '--tenant', 'initech-lab'], 0);
      expect(human.stdout).toMatch(/initech-lab: DRIFT: the PBX now reports redirect URI/);
    } finally {
      sb.pbx.state.tenants.get(sb.tenants['initech-lab']!.pbxTenantId)!.sbc = false;
    }
  });

  test('post-deploy and rollout put the drift fix first, as status does, and rollout says a recorded proof stands', async () => {
    sb.pbx.state.tenants.get(sb.tenants['initech-lab']!.pbxTenantId)!.sbc = true;
    try {
      const fix = /^add https:\/\/\S+\/sbc\/api\/google\/oauth2callback to the client's authorized redirect URIs in the Console/;
      const pd = (await runExpect(sb, ['post-deploy', '--tenant', 'initech-lab', '--json'], 0)).json.tenants[0];
      expect(pd.result).toMatchObject({ stage: 'verified', changed: false, nextAction: expect.stringMatching(fix) });
      const ro = (await runExpect(sb, ['rollout', '--tenant', 'initech-lab', '--json'], 0)).json.tenants[0];
      expect(ro.result).toMatchObject({ from: 'verified', stage: 'verified', nextAction: expect.stringMatching(fix) });
      expect(ro.result.done).toEqual(['PBX already held the client', expect.stringMatching(/^already proven by a test mail \(\d{4}-/)]);
    } finally {
      sb.pbx.state.tenants.get(sb.tenants['initech-lab']!.pbxTenantId)!.sbc = false;
    }
  });

  test('a proof older than mail.maxProofAgeDays (30) is a warning', async () => {
    const secret = [...sb.google.state.secrets.values()].find(
      (x) => x.projectNumber === sb.google.state.project(sb.tenants['initech-lab']!.projectId)!.projectNumber,
    )!;
    const proof = JSON.parse(secret.annotations!['gwkit-last-proof']!);
    secret.annotations!['gwkit-last-proof'] = JSON.stringify({ ...proof, at: new Date(Date.now() - 45 * 86_400_000).toISOString() });
    const s = await status('initech-lab');
    expect(s.stage).toBe('verified');
    expect(s.warnings).toEqual([
      expect.stringMatching(
        /^the last proof is 45 days old \(more than mail\.maxProofAgeDays 30\): run `npx gwkit verify --tenant initech-lab`/,
      ),
    ]);
    await runExpect(sb, ['verify', '--tenant', 'initech-lab'], 0);
    expect((await status('initech-lab')).warnings).toBeUndefined();
  });
});

describe('teardown', () => {
  freshWorld(['acme', 'initech-lab']);
  test('in CI it needs --yes; --dry-run changes nothing and names the protections to lift', async () => {
    const before = { slot: { ...sb.pbx.googleSlot(sb.tenants.acme!.pbxTenantId) }, versions: versions(sb, 'acme') };
    const refused = await runExpect(sb, ['teardown', '--tenant', 'acme'], 2);
    expect(refused.stderr).toMatch(/confirm with --yes/);
    const dry = await runExpect(sb, ['teardown', '--tenant', 'acme', '--dry-run', '--json'], 3);
    expect(dry.json.result.done).toEqual([
      "would stop the PBX's Google integration (POST /google/destroy)",
      ...enabledVersions('acme').map((v) => expect.stringMatching(new RegExp(`^would disable version ${v} of `))),
    ]);
    expect(dry.json.result.steps[0]).toMatch(
      /set deletionPolicy: DELETE \(now PREVENT\) and lien: false .* `GWKIT_TENANTS=acme npx cdktn deploy acme`/,
    );
    expect(dry.json.result.keptByGoogle[0]).toMatch(/pbxgw-acme stays reserved for about 30 days/);
    expect({ slot: { ...sb.pbx.googleSlot(sb.tenants.acme!.pbxTenantId) }, versions: versions(sb, 'acme') }).toEqual(before);
  });

  test('a PBX before v22.6 (no destroy endpoint): teardown says how to reset it by hand, and goes on', async () => {
    sb.pbx.failNext('POST', '/google/destroy', 404);
    const enabled = enabledVersions('acme');
    expect(enabled.length).toBeGreaterThan(0);
    const r = await runExpect(sb, ['teardown', '--tenant', 'acme', '--yes', '--json'], 3);
    expect(r.json.result.steps[0]).toMatch(/predates PortSIP v22\.6 .*Integrations > Google Workspace and reset the integration by hand/);
    // The PBX step is left to a person; the stored client is retired.
    expect(r.json.result.done).toEqual(enabled.map((v) => expect.stringMatching(new RegExp(`^disable version ${v} of `))));
    expect(sb.pbx.googleSlot(sb.tenants.acme!.pbxTenantId).client_id).not.toBe('');
  });

  test('--yes: the PBX integration stops, the stored client is retired, and status says so', async () => {
    const r = await runExpect(sb, ['teardown', '--tenant', 'initech-lab', '--yes', '--json'], 3);
    expect(r.json.result.done).toEqual([
      "stop the PBX's Google integration (POST /google/destroy)",
      expect.stringMatching(/^disable version 1 of /),
    ]);
    // A non-production tenant: DELETE policy, no lien, so straight to cdktn destroy.
    expect(r.json.result.steps[0]).toMatch(
      /^delete the project and everything in it: `GWKIT_TENANTS=initech-lab npx cdktn destroy initech-lab`/,
    );
    expect(sb.pbx.googleSlot(sb.tenants['initech-lab']!.pbxTenantId).client_id).toBe('');
    expect(versions(sb, 'initech-lab').map((v) => v.state)).toEqual(['DISABLED']);
    expect(annotations('initech-lab')).toEqual({});
    expect(await status('initech-lab')).toMatchObject({ stage: 'provisioned' });
    expect(sb.pbx.state.violations).toEqual([]);
  });
});
