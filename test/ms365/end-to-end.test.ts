/**
 * A Microsoft 365 tenant from gwkit.yaml to proof, with no human step, against the PBX emulator
 * and the Microsoft emulator: status (planned) → discover → synth → emulated apply → post-deploy
 * (twice: the second writes nothing) → verified, live. Then what a wrong world looks like: a
 * missing consent and a certificate the app does not know fail the way Microsoft fails.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFleet, type Ms365TenantConfig } from '../../lib/config';
import { discoverMs365, ms365View, postDeployMs365 } from '../../lib/ms365/workflow';
import { SessionProvider } from '../../lib/workflow/session-provider';
import { buildFleetApp } from '../../stacks/fleet-app';
import { applyMs365Stack } from '../../emulators/microsoft/apply';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../emulators/microsoft';
import { ms365SlotOf, startPbxEmulator, type PbxEmulator } from '../../emulators/pbx';
import { createEmulatorCa } from '../../emulators/tls';

const DIRECTORY = '72f988bf-86f1-41af-91ab-2d7cd011db47';
let pbx: PbxEmulator;
let ms: MicrosoftEmulator;
let dir: string;

beforeAll(async () => {
  const ca = createEmulatorCa();
  ms = await startMicrosoftEmulator({ ca });
  ms.addDirectory(
    DIRECTORY,
    Array.from({ length: 150 }, (_, i) => ({ id: `u${i}`, displayName: `User ${i}`, userPrincipalName: `user${i}@contoso.example` })),
  );
  pbx = await startPbxEmulator({ ca, microsoft: { loginUrl: ms.loginUrl, graphUrl: ms.graphUrl, caPem: ca.caPem } });
  dir = mkdtempSync(join(tmpdir(), 'gwkit-ms365-e2e-'));
  writeFileSync(
    join(dir, 'gwkit.yaml'),
    [
      'defaults:',
      `  pbx: { url: "${pbx.origin}", caFile: "${pbx.caFile}", login: { username: admin } }`,
      'tenants:',
      '  - id: contoso',
      '    suite: microsoft-365',
      '    pbxTenant: { domain: globex.pbx.test }',
      `    microsoft365: { directoryId: ${DIRECTORY}, features: [userSync, signIn, contacts], userSync: { startingExtension: "2000" } }`,
    ].join('\n'),
  );
});
afterAll(async () => {
  await pbx?.close();
  await ms?.close();
  rmSync(dir, { recursive: true, force: true });
});

function sessionsFor(): { sessions: SessionProvider; tenant: Ms365TenantConfig } {
  const fleet = loadFleet(join(dir, 'gwkit.yaml'));
  const sessions = new SessionProvider({
    fleet,
    tenants: [],
    microsoft365Tenants: fleet.microsoft365Tenants,
    env: { GWKIT_PBX_PASSWORD: 'admin-password' },
  });
  return { sessions, tenant: fleet.microsoft365Tenants[0]! };
}

async function withSessions<T>(work: (s: SessionProvider, t: Ms365TenantConfig) => Promise<T>): Promise<T> {
  const { sessions, tenant } = sessionsFor();
  try {
    return await work(sessions, tenant);
  } finally {
    await sessions.close();
  }
}

test('gwkit.yaml → discover → synth → emulated apply → post-deploy → verified, with no human step', async () => {
  expect(await withSessions((s, t) => ms365View(s, t))).toMatchObject({
    stage: 'planned',
    nextAction: '`npx gwkit discover --tenant contoso`',
  });

  const discovered = await withSessions((s, t) => discoverMs365(s, t));
  expect(discovered.generated).toBe(true);
  expect(discovered.redirectUris).toEqual([
    `${pbx.origin}/api/ms365/emulated-redirect/tenant-globex`,
    `${pbx.origin}/sbc/8887/ms365/emulated-redirect/tenant-globex`,
  ]);
  const factsText = readFileSync(join(dir, 'pbx-facts/contoso.json'), 'utf8');
  expect(factsText).not.toMatch(/PRIVATE KEY/);
  expect(factsText).toContain(ms365SlotOf(pbx.state, 'tenant-globex').cert!.trim().split('\n')[1]);

  expect(await withSessions((s, t) => ms365View(s, t))).toMatchObject({ stage: 'discovered' });

  const outdir = join(dir, 'cdktf.out');
  buildFleetApp({ tenants: [], microsoft365Tenants: loadFleet(join(dir, 'gwkit.yaml')).microsoft365Tenants, outdir }).synth();
  const outputs = applyMs365Stack(ms, join(outdir, 'stacks/contoso/cdk.tf.json'));
  const app = [...ms.directories.get(DIRECTORY)!.applications.values()][0]!;
  expect(app).toMatchObject({
    signInAudience: 'AzureADMyOrg',
    idTokens: true,
    passwordCredentials: 0,
    redirectUris: [...discovered.redirectUris].sort(),
  });
  expect(outputs.contoso).toMatchObject({
    application_id: app.clientId,
    directory_id: DIRECTORY,
    graph_permissions: ['Contacts.Read', 'User.Read.All'],
  });

  const first = await withSessions((s, t) => postDeployMs365(s, t, { outputs, outputsFile: 'outputs.json' }));
  expect(first.written).toEqual(
    expect.arrayContaining(['directory_id', 'application_id', 'users.enabled', 'users.starting_extension_number']),
  );
  const writes = () => pbx.state.requests.filter((r) => r.method === 'POST' && r.path === '/api/ms365').length;
  expect(writes()).toBe(1);
  const second = await withSessions((s, t) => postDeployMs365(s, t, { outputs, outputsFile: 'outputs.json' }));
  expect(second.written).toEqual([]);
  expect(writes()).toBe(1);

  expect(await withSessions((s, t) => ms365View(s, t))).toMatchObject({ stage: 'verified', users: 150, applicationId: app.clientId });
  expect(ms.tokenLog.at(-1)).toMatchObject({ clientId: app.clientId, roles: ['Contacts.Read', 'User.Read.All'] });
  expect(pbx.state.violations).toEqual([]);
});

test('without the consent to read users, verify fails as Microsoft would, naming the likely cause', async () => {
  const d = ms.directories.get(DIRECTORY)!;
  const readAll = d.graph.appRoleIds['User.Read.All'];
  const kept = d.assignments.filter((a) => a.appRoleId !== readAll);
  const removed = d.assignments.filter((a) => a.appRoleId === readAll);
  d.assignments.splice(0, d.assignments.length, ...kept);
  try {
    const view = await withSessions((s, t) => ms365View(s, t));
    expect(view).toMatchObject({
      stage: 'pbx-configured',
      failure: expect.stringMatching(/Authorization_RequestDenied/),
      nextAction: expect.stringMatching(/lacks consent to read users/),
    });
  } finally {
    d.assignments.push(...removed);
  }
});

test('a certificate the app does not know (a new key pair on the PBX) fails with AADSTS700027; discover names the fix', async () => {
  await withSessions((s, t) => s.withPbx(t, (client) => client.generateMs365Certificate()));
  const view = await withSessions((s, t) => ms365View(s, t));
  expect(view).toMatchObject({
    stage: 'pbx-configured',
    failure: expect.stringMatching(/AADSTS700027/),
    nextAction: expect.stringMatching(/certificate is not registered on the app/),
  });
  expect(ms.tokenLog.at(-1)?.error).toBe('AADSTS700027');
  // Named as drift before anyone reads Microsoft's code: the PBX's certificate is not the one recorded.
  expect(view.drift).toEqual([
    expect.stringMatching(
      /^the PBX uses certificate [0-9A-F]{40}, which .*pbx-facts\/contoso\.json \(and so the app\) does not hold: record it with `npx gwkit client rotate --tenant contoso`/,
    ),
  ]);
});
