/**
 * The sandbox world: generated config, PBX login over verified TLS, deployed Google projects,
 * the emulated Console client file, and the built CLI run against it.
 * Needs the CLI built (`npx tsc -p .`, which `npm test` does first).
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadFleet } from '../../lib/config';
import { parseClientFile, checkClientFile } from '../../lib/google';
import { PortSipClient } from '../../lib/pbx';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';

describe('sandbox (example fleet)', () => {
  let sbx: Sandbox;

  beforeAll(async () => {
    sbx = await startSandbox({ deployed: ['acme', 'initech-lab'] });
  });
  afterAll(async () => {
    const dir = sbx?.dir;
    await sbx?.close();
    if (dir) expect(existsSync(dir)).toBe(false);
  });

  test('generated config loads and points every tenant at the emulators', () => {
    const fleet = loadFleet(sbx.configPath);
    expect(fleet.tenants.map((t) => t.id)).toEqual(['acme', 'globex', 'initech-lab']);
    for (const t of fleet.tenants) {
      expect(t.pbx?.apiUrl).toBe(sbx.pbx.url);
      expect(t.pbx?.caFile).toBe(sbx.caFile);
      expect(t.projectId).toBe(sbx.tenants[t.id]!.projectId);
    }
    const initech = fleet.tenants.find((t) => t.id === 'initech-lab')!;
    expect(initech.pbx).toMatchObject({ role: 'tenant-admin', username: 'initech-admin', passwordEnv: 'GWKIT_PBX_PASSWORD_INITECH' });
    expect(initech.pbxTenant).toEqual({ domain: 'lab.initech.example' });
    expect(fleet.tenants.find((t) => t.id === 'globex')!.pbxTenant).toEqual({ name: 'Globex Corporation' });
    expect(fleet.google.endpoints).toEqual(sbx.google.endpoints);
    expect(fleet.google.caFile).toBe(sbx.caFile);
    expect(sbx.env).toMatchObject({
      CI: 'true',
      GOOGLE_APPLICATION_CREDENTIALS: sbx.google.adcFile,
      NODE_EXTRA_CA_CERTS: sbx.caFile,
    });
    expect(sbx.env.GWKIT_PBX_PASSWORD).toMatch(/^sbx-/);
    expect(sbx.env.GWKIT_PBX_PASSWORD_INITECH).toMatch(/^sbx-/);
    expect(sbx.env.GWKIT_PBX_PASSWORD).not.toBe(sbx.env.GWKIT_PBX_PASSWORD_INITECH);
    // Passwords never go in the config file.
    const text = readFileSync(sbx.configPath, 'utf8');
    expect(text).not.toContain(sbx.env.GWKIT_PBX_PASSWORD);
  });

  test('system admin logs in with the env password over verified TLS and sees every tenant', async () => {
    const client = await PortSipClient.login({
      baseUrl: sbx.pbx.url,
      username: 'admin',
      password: sbx.env.GWKIT_PBX_PASSWORD!,
      caFile: sbx.caFile,
      timeoutMs: 5000,
    });
    try {
      const seen = await client.listTenants();
      expect(
        seen.map((t) => ({ id: t.id, name: t.name, domain: t.domain })).sort((a, b) => String(a.id).localeCompare(String(b.id))),
      ).toEqual(
        Object.values(sbx.tenants)
          .map((t) => ({ id: t.pbxTenantId, name: t.name, domain: t.domain }))
          .sort((a, b) => a.id.localeCompare(b.id)),
      );
      expect(sbx.tenants.acme!.domain).toBe('acme.pbx.msp.example');
      expect(sbx.tenants.globex!.name).toBe('Globex Corporation');
    } finally {
      await client.logout();
    }
  });

  test('tenant admin of the lab logs in to its domain and reads its redirect URIs', async () => {
    const lab = sbx.tenants['initech-lab']!;
    const client = await PortSipClient.login({
      baseUrl: sbx.pbx.url,
      username: 'initech-admin',
      password: sbx.env.GWKIT_PBX_PASSWORD_INITECH!,
      domain: lab.domain,
      caFile: sbx.caFile,
      timeoutMs: 5000,
    });
    try {
      const google = await client.getGoogle('tenant');
      expect(google.redirect_uri).toBe(lab.redirectUris[0]);
      expect(google.sbc_redirect_uri).toBeUndefined();
    } finally {
      await client.logout();
    }
    // The first tenant (acme) sits behind the SBC by default.
    expect(sbx.tenants.acme!.redirectUris).toEqual([
      `${sbx.pbx.origin}/api/google/oauth2callback`,
      `${sbx.pbx.origin}/sbc/api/google/oauth2callback`,
    ]);
    expect(sbx.pbx.state.violations).toEqual([]);
  });

  test('deployed tenants have their project, APIs and the empty secret; others have nothing', () => {
    const acme = sbx.google.state.project(sbx.tenants.acme!.projectId)!;
    expect(acme).toBeDefined();
    expect([...acme.enabledServices]).toEqual(
      expect.arrayContaining(['gmail.googleapis.com', 'admin.googleapis.com', 'people.googleapis.com', 'secretmanager.googleapis.com']),
    );
    expect(sbx.google.state.secret(acme, 'gwkit-oauth-client')?.versions).toEqual([]);
    const lab = sbx.google.state.project('pbxgw-initech-lab')!;
    expect(sbx.google.state.secret(lab, 'gwkit-oauth-client')?.versions).toEqual([]);
    expect(sbx.google.state.project(sbx.tenants.globex!.projectId)).toBeUndefined();
    expect(sbx.tenants.globex!.deployed).toBe(false);
  });

  test('createWebClient writes the Console download JSON', () => {
    const { clientId, clientSecret, file } = sbx.createWebClient('acme');
    const parsed = parseClientFile(readFileSync(file, 'utf8'), file);
    expect(parsed).toMatchObject({ clientId, clientSecret, projectId: 'pbxgw-acme', redirectUris: sbx.tenants.acme!.redirectUris });
    expect(checkClientFile(parsed, { projectId: 'pbxgw-acme', redirectUris: sbx.tenants.acme!.redirectUris })).toEqual([]);
    expect(() => sbx.createWebClient('globex')).toThrow(/not deployed/);
  });

  test('runCli: config validate --json against the generated config', async () => {
    const res = await sbx.runCli(['config', 'validate', '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.json).toMatchObject({ ok: true, command: 'config validate', result: { tenantCount: 3 } });
    expect(res.json.result.tenants).toHaveLength(3);
  });

  test('runCli: stdin is closed and bad usage exits 2 without hanging', async () => {
    const res = await sbx.runCli(['no-such-command'], { input: 'ignored\n' });
    expect(res.code).toBe(2);
  });

  test('runCli kills a child that outlives its timeout', async () => {
    const res = await sbx.runCli(['config', 'validate'], { timeoutMs: 1 });
    expect(res).toMatchObject({ code: null, timedOut: true });
    expect(res.stderr).toMatch(/killed after/);
  });
});

describe('sandbox options', () => {
  test('deployed none, explicit dir kept, sbc tenants chosen', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'gwkit-sbx-test-'));
    const sbx = await startSandbox({ deployed: 'none', sbcTenants: ['globex'], dir, pbxTokenTtlSeconds: 60 });
    try {
      expect(sbx.dir).toBe(dir);
      expect(sbx.google.state.projects.size).toBe(0);
      expect(sbx.tenants.globex!.redirectUris).toHaveLength(2);
      expect(sbx.tenants.acme!.redirectUris).toHaveLength(1);
    } finally {
      await sbx.close();
    }
    expect(existsSync(join(dir, 'gwkit.yaml'))).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  test('unknown tenant ids are refused', async () => {
    await expect(startSandbox({ deployed: ['nope'] })).rejects.toThrow(/no tenant "nope"/);
  });
});

describe('sandbox of another fleet', () => {
  test('password files, included tenant files, tenant-admin logins and google settings are carried over', async () => {
    const { mkdtempSync, mkdirSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const src = mkdtempSync(join(tmpdir(), 'gwkit-sbx-fleet-'));
    mkdirSync(join(src, 'more'));
    writeFileSync(join(src, 'real-password.txt'), 'the-real-one\n');
    writeFileSync(
      join(src, 'fleet.yaml'),
      [
        'include: [more/]',
        'defaults:',
        '  parent: organizations/42',
        '  billingAccount: 01ABCD-23EF45-67ABCD',
        '  consentScreen: { supportEmail: it@example.com }',
        '  pbx: { url: "https://pbx.example.com", login: { username: root, passwordFile: real-password.txt } }',
        'google: { impersonateServiceAccount: cli@ops-prj.iam.gserviceaccount.com, quotaProject: ops-prj }',
        'tenants:',
        '  - id: alpha',
        '    pbxTenant: { name: Alpha Inc }',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(src, 'more', 'beta.yaml'),
      'tenants:\n  - id: beta\n    pbxTenant: { domain: beta.example }\n    pbx: { login: { role: tenant-admin, username: beta-admin, passwordEnv: BETA_PW } }\n',
    );
    const sbx = await startSandbox({ fleetConfig: join(src, 'fleet.yaml'), sbcTenants: [] });
    try {
      const fleet = loadFleet(sbx.configPath);
      expect(fleet.google).toMatchObject({
        impersonateServiceAccount: 'cli@ops-prj.iam.gserviceaccount.com',
        quotaProject: 'ops-prj',
        caFile: sbx.caFile,
      });
      const [alpha, beta] = fleet.tenants;
      expect(alpha!.pbx).toMatchObject({ apiUrl: sbx.pbx.url, username: 'root', passwordEnv: 'GWKIT_PBX_PASSWORD' });
      expect(readFileSync(alpha!.pbx!.passwordFile!, 'utf8').trim()).toBe(sbx.env.GWKIT_PBX_PASSWORD);
      expect(beta!.pbx).toMatchObject({ apiUrl: sbx.pbx.url, role: 'tenant-admin', username: 'beta-admin', passwordEnv: 'BETA_PW' });
      // beta names its own password source, so it does not inherit the defaults' passwordFile.
      expect(beta!.pbx!.passwordFile).toBeUndefined();
      expect(sbx.tenants.alpha).toMatchObject({
        name: 'Alpha Inc',
        domain: 'alpha.pbx.test',
        redirectUris: [`${sbx.pbx.origin}/api/google/oauth2callback`],
      });
      const client = await PortSipClient.login({
        baseUrl: sbx.pbx.url,
        username: 'beta-admin',
        password: sbx.env.BETA_PW!,
        domain: 'beta.example',
        caFile: sbx.caFile,
      });
      await client.logout();
      expect(sbx.google.state.project('pbxgw-beta')).toBeDefined();
    } finally {
      await sbx.close();
      rmSync(src, { recursive: true, force: true });
    }
  });
});
