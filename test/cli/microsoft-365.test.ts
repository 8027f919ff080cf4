/**
 * The CLI over a mixed fleet: the example fleet's Google Workspace tenants and its Microsoft 365
 * tenant (contoso), in one sandbox with the PBX, Google and Microsoft emulators. The same commands
 * cover both suites; contoso goes planned → discovered → (emulated deploy) → verified with no
 * human step, in one table, one JSON envelope and one report.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificateFact } from '../../lib/ms365/pbx-facts';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { runExpect, runInProcess } from './helpers';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ microsoft365: true });
});
afterAll(async () => {
  await sb?.close();
});

const byTenant = (json: any) => Object.fromEntries(json.tenants.map((t: any) => [t.tenant, t]));
const ms365Writes = () => sb.pbx.state.requests.filter((r) => r.method === 'POST' && r.path === '/api/ms365').length;
const factsOf = () =>
  JSON.parse(readFileSync(join(sb.dir, 'pbx-facts/contoso.json'), 'utf8')) as { certificates: { thumbprint: string }[] };

test('a mixed fleet: one rollout for both suites; contoso reaches verified with no human step', async () => {
  const before = byTenant((await runExpect(sb, ['status', '--json'], 0)).json);
  expect(Object.keys(before).sort()).toEqual(['acme', 'contoso', 'globex', 'initech-lab']);
  expect(before.contoso).toMatchObject({
    exitCode: 0,
    result: { suite: 'microsoft-365', stage: 'planned' },
    nextAction: '`npx gwkit discover --tenant contoso`',
  });

  // Rollout records contoso's PBX facts (the stack needs them) and writes nothing else.
  const first = byTenant((await runExpect(sb, ['rollout', '--all', '--json'], 3)).json);
  expect(first.contoso).toMatchObject({ exitCode: 3, result: { from: 'planned', stage: 'discovered' } });
  expect(first.contoso.nextAction).toContain('`GWKIT_TENANTS=contoso npx cdktn deploy contoso --outputs-file outputs.json`');
  expect(first.acme.result.stage).toBe('provisioned');
  expect(factsOf().certificates).toHaveLength(1);
  expect(ms365Writes()).toBe(0);

  // `cdktn deploy`, emulated: the stack synthesized from the recorded facts, applied to the Microsoft emulator.
  const outputs = sb.deployMs365();
  const report = join(sb.dir, 'rollout-report.json');
  const second = await runExpect(sb, ['rollout', '--all', '--outputs-file', outputs, '--report', report, '--json'], 3);
  const t = byTenant(second.json);
  expect(t.contoso).toMatchObject({ exitCode: 0, result: { from: 'discovered', stage: 'verified', users: 12 } });
  expect(t.acme.exitCode).toBe(3);
  expect(ms365Writes()).toBe(1);
  const doc = JSON.parse(readFileSync(report, 'utf8'));
  const row = doc.tenants.find((r: any) => r.tenant === 'contoso');
  expect(row).toMatchObject({ health: 'healthy', stage: 'verified', result: 'ok' });
  expect(row.links.map((l: any) => l.label)).toEqual(['app (Entra)', 'API permissions (Entra)']);
  expect(doc.summary.byStage).toMatchObject({ verified: 1, provisioned: 3 });

  // The table shows both suites, each in its own terms.
  const table = await runExpect(sb, ['status'], 0);
  expect(table.stdout).toMatch(
    /contoso\s+ok\s+3f2a9c1e-5b7d-4e8f-9a6b-1c2d3e4f5a6b\s+verified\s+application [0-9a-f-]{36}\s+the PBX read 12 user\(s\) through Graph/,
  );
  expect(table.stdout).toMatch(/acme\s+ok\s+pbxgw-acme\s+provisioned/);

  await runExpect(sb, ['verify', '--tenant', 'contoso'], 0);
  // post-deploy again: the PBX holds everything, nothing is written.
  const again = await runExpect(sb, ['post-deploy', '--tenant', 'contoso', '--outputs-file', outputs, '--json'], 0);
  expect(again.json.tenants[0].result.written).toEqual([]);
  expect(ms365Writes()).toBe(1);

  // post-deploy's exit 0 rests on the PBX reading users now: with the consent withdrawn in the
  // directory, the same run writes nothing and fails the tenant, naming the cause.
  const directory = sb.microsoft!.directories.get('3f2a9c1e-5b7d-4e8f-9a6b-1c2d3e4f5a6b')!;
  const readAll = directory.graph.appRoleIds['User.Read.All'];
  const withdrawn = directory.assignments.filter((a) => a.appRoleId === readAll);
  directory.assignments.splice(0, directory.assignments.length, ...directory.assignments.filter((a) => a.appRoleId !== readAll));
  try {
    const refused = await runExpect(sb, ['post-deploy', '--tenant', 'contoso', '--outputs-file', outputs, '--json'], 1);
    expect(refused.json.tenants[0].result).toMatchObject({
      stage: 'pbx-configured',
      written: [],
      failure: expect.stringMatching(/Authorization_RequestDenied/),
    });
    const report = join(sb.dir, 'refused-report.json');
    await runExpect(sb, ['status', '--tenant', 'contoso', '--report', report], 1);
    expect(JSON.parse(readFileSync(report, 'utf8')).tenants[0]).toMatchObject({ tenant: 'contoso', health: 'broken' });
  } finally {
    directory.assignments.push(...withdrawn);
  }
  expect(ms365Writes()).toBe(1);
});

test('matrix, config validate and the CDK verbs name Microsoft 365 tenants like any other', async () => {
  const matrix = JSON.parse((await runExpect(sb, ['matrix', '--all'], 0)).stdout);
  expect(matrix.include.map((m: any) => m.tenants)).toEqual(['acme', 'globex', 'initech-lab', 'contoso']);
  const validate = (await runExpect(sb, ['config', 'validate', '--json'], 0)).json;
  expect(validate.result.tenantCount).toBe(4);
  expect(validate.result.tenants.find((x: any) => x.id === 'contoso')).toMatchObject({
    suite: 'microsoft-365',
    graphPermissions: ['Contacts.Read', 'User.Read.All'],
  });
  const deploy = await runExpect(sb, ['deploy', '--tenant', 'contoso'], 2);
  expect(deploy.stderr).toContain('`GWKIT_TENANTS=contoso npx cdktn deploy contoso`');
});

test('client import and guide refuse a Microsoft 365 tenant (exit 2), naming what to do instead', async () => {
  const r = await runExpect(sb, ['client', 'guide', '--tenant', 'contoso'], 2);
  expect(r.stderr).toMatch(/contoso is a Microsoft 365 tenant, which have no OAuth client.*client rotate/);
  const wrong = await runExpect(sb, ['client', 'rotate', '--tenant', 'contoso', '--file', 'x.json'], 2);
  expect(wrong.stderr).toContain('it has no client secret');
  const google = await runExpect(sb, ['client', 'rotate', '--tenant', 'acme', '--new-certificate'], 2);
  expect(google.stderr).toContain('--new-certificate is for Microsoft 365 tenants');
});

test('certificate renewal: a new key pair recorded beside the old, deployed, proven, the old retired', async () => {
  const current = await runExpect(sb, ['client', 'rotate', '--tenant', 'contoso', '--json'], 0);
  expect(current.json.result).toMatchObject({ step: 'done' });
  const old = current.json.result.thumbprint;

  const renew = await runExpect(sb, ['client', 'rotate', '--tenant', 'contoso', '--new-certificate'], 3);
  expect(renew.stdout).toContain('sync and sign-in on the PBX fail until the app holds the new certificate');
  expect(renew.stdout).toContain('`GWKIT_TENANTS=contoso npx cdktn deploy contoso`');
  const facts = factsOf().certificates.map((c) => c.thumbprint);
  expect(facts).toHaveLength(2);
  expect(facts[1]).toBe(old);

  // Until the deploy, Microsoft refuses the PBX's new certificate: status says so (exit 1).
  const broken = await runExpect(sb, ['status', '--tenant', 'contoso', '--json'], 1);
  expect(broken.json.tenants[0].result.failure).toMatch(/AADSTS700027/);
  // Running rotate again does not generate yet another key pair: it is waiting for the deploy.
  expect((await runExpect(sb, ['client', 'rotate', '--tenant', 'contoso', '--json'], 3)).json.result.step).toBe('deploy');

  sb.deployMs365();
  const proven = await runExpect(sb, ['client', 'rotate', '--tenant', 'contoso', '--json'], 3);
  expect(proven.json.result).toMatchObject({ step: 'retire-old', thumbprint: facts[0] });
  expect(factsOf().certificates.map((c) => c.thumbprint)).toEqual([facts[0]]);
  sb.deployMs365();
  expect((await runExpect(sb, ['client', 'rotate', '--tenant', 'contoso', '--json'], 0)).json.result.step).toBe('done');
  const app = [...sb.microsoft!.directories.get(sb.microsoft365Tenants.contoso!.directoryId)!.applications.values()][0]!;
  expect(app.keyCredentials.map((k) => k.thumbprintSha1.toUpperCase())).toEqual([facts[0]]);
});

test("status warns before the PBX's certificate expires, and names the renewal", async () => {
  // A fleet folder whose facts file records a certificate that expires in 20 days.
  const dir = join(sb.dir, 'expiring');
  mkdirSync(join(dir, 'pbx-facts'), { recursive: true });
  writeFileSync(join(dir, 'gwkit.yaml'), readFileSync(sb.configPath, 'utf8'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '20',
      '-subj',
      '/CN=expiring',
    ],
    { stdio: 'ignore' },
  );
  const cert = certificateFact(readFileSync(join(dir, 'cert.pem'), 'utf8'));
  writeFileSync(
    join(dir, 'pbx-facts/contoso.json'),
    JSON.stringify({
      version: 1,
      tenant: 'contoso',
      redirectUris: ['https://pbx.example/x'],
      certificates: [cert],
      readAt: new Date().toISOString(),
    }),
  );
  const r = await runInProcess(sb, ['status', '--tenant', 'contoso'], { config: join(dir, 'gwkit.yaml') });
  expect(r.stdout).toMatch(
    new RegExp(
      `contoso: WARNING: the PBX's Microsoft 365 certificate ${cert.thumbprint} expires in 19 day\\(s\\) .*renew it with \`npx gwkit client rotate --tenant contoso --new-certificate\``,
    ),
  );
  // Dates that are not the certificate's own are bad input: the warning rests on them.
  writeFileSync(
    join(dir, 'pbx-facts/contoso.json'),
    JSON.stringify({
      version: 1,
      tenant: 'contoso',
      redirectUris: ['https://pbx.example/x'],
      certificates: [{ ...cert, notAfter: '2099-01-01T00:00:00.000Z' }],
      readAt: new Date().toISOString(),
    }),
  );
  const forged = await runInProcess(sb, ['status', '--tenant', 'contoso'], { config: join(dir, 'gwkit.yaml') });
  expect({ code: forged.code, stderr: forged.stderr }).toEqual({
    code: 2,
    stderr: expect.stringContaining('notBefore/notAfter do not match the PEM'),
  });
});

test('teardown of a Microsoft 365 tenant stops the PBX integration and guides cdktn destroy', async () => {
  const dry = await runExpect(sb, ['teardown', '--tenant', 'contoso', '--dry-run', '--json'], 3);
  expect(dry.json.result.done).toEqual(["would stop the PBX's Microsoft 365 integration (POST /ms365/destroy)"]);
  const destroys = () => sb.pbx.state.requests.filter((r) => r.path === '/api/ms365/destroy').length;
  expect(destroys()).toBe(0);
  const r = await runExpect(sb, ['teardown', '--tenant', 'contoso', '--yes'], 3);
  expect(destroys()).toBe(1);
  expect(r.stdout).toContain('`GWKIT_TENANTS=contoso npx cdktn destroy contoso`');
  expect(r.stdout).toContain('Microsoft keeps:');
  expect((await runInProcess(sb, ['status', '--tenant', 'contoso', '--json'])).json.tenants[0].result.stage).toBe('discovered');
});
