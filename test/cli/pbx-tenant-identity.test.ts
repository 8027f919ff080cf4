/**
 * The PBX tenant gwkit writes into is the one gwkit.yaml means, and a live one (issue 15, point 2):
 * - a tenant the PBX lists as disabled is never entered (no switch, no write, no mail): it fails
 *   alone (exit 1), named, while the healthy tenants are configured;
 * - PBX tenants whose domains differ only in case are told apart by pbxTenant.id;
 * - a Unicode domain and its xn-- form are the same domain, in either direction.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsYaml from 'js-yaml';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { fleetHeader } from '../support/fleet-yaml';
import { pbxSlot, runExpect, runInProcess, versions } from './helpers';

const byTenant = (json: any) => Object.fromEntries(json.tenants.map((t: any) => [t.tenant, t]));

/** Every request the PBX emulator saw that went into (or switched to) the PBX tenant `id`. */
function requestsInto(sb: Sandbox, id: string) {
  const name = sb.pbx.state.tenants.get(id)!.name;
  return sb.pbx.state.requests.filter((r) => r.tenant === name || r.path.includes(`/tenants/switch?id=${encodeURIComponent(id)}`));
}

describe('a disabled PBX tenant among healthy ones', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    // globex: a system administrator's tenant, disabled on the PBX (enabled: false in GET /tenants).
    sb = await startSandbox({ pbxDisabled: ['globex'] });
    for (const t of Object.keys(sb.tenants))
      await runExpect(sb, ['client', 'import', '--tenant', t, '--file', sb.createWebClient(t).file], t === 'globex' ? 1 : 0);
    // Import reads the redirect URIs inside the tenant: it was refused too. Import while enabled.
    sb.pbx.setTenantEnabled('tenant-globex', true);
    await runExpect(sb, ['client', 'import', '--tenant', 'globex', '--file', sb.createWebClient('globex').file], 0);
    sb.pbx.setTenantEnabled('tenant-globex', false);
    sb.pbx.state.requests.length = 0;
  });
  afterAll(async () => {
    await sb?.close();
  });

  const disabledSays =
    /PBX tenant 'Globex Corporation' \(id tenant-globex, domain globex\.pbx\.test\) is disabled on \S+ \(GET \/tenants reports enabled: false\): gwkit sent nothing into it/;

  test('status names it as a failure of that tenant and reads the others', async () => {
    const r = await runExpect(sb, ['status', '--json'], 1);
    const t = byTenant(r.json);
    expect(t.globex).toMatchObject({ exitCode: 1, error: expect.stringMatching(disabledSays) });
    expect(t.acme).toMatchObject({ exitCode: 0, result: { stage: 'client-registered' } });
    expect(t['initech-lab']).toMatchObject({ exitCode: 0, result: { stage: 'client-registered' } });
    expect(requestsInto(sb, 'tenant-globex')).toEqual([]);
  });

  test('post-deploy configures the healthy tenants, writes nothing into the disabled one, and the run fails', async () => {
    const r = await runExpect(sb, ['post-deploy', '--all', '--json'], 1);
    const t = byTenant(r.json);
    expect(t.acme).toMatchObject({ exitCode: 3, result: { stage: 'consent-pending', changed: true } });
    expect(t['initech-lab']).toMatchObject({ exitCode: 3, result: { stage: 'consent-pending', changed: true } });
    expect(t.globex).toMatchObject({ exitCode: 1, error: expect.stringMatching(disabledSays) });
    expect(t.globex.result).toBeUndefined();
    expect(pbxSlot(sb, 'globex')).toEqual({ client_id: '', client_secret: '' });
    expect(pbxSlot(sb, 'acme').client_id).not.toBe('');
    expect(requestsInto(sb, 'tenant-globex')).toEqual([]);

    // For people: the table says FAILED for it, and the note says why.
    const human = await runExpect(sb, ['post-deploy', '--all'], 1);
    expect(human.stdout).toMatch(/globex\s+FAILED/);
    expect(human.stdout).toMatch(new RegExp(`globex: ${disabledSays.source}`));
  });

  test('rollout --verify, verify and teardown send nothing into it either', async () => {
    const r = await runExpect(sb, ['rollout', '--all', '--verify', '--json'], 1);
    const t = byTenant(r.json);
    expect(t.globex).toMatchObject({ exitCode: 1, error: expect.stringMatching(disabledSays) });
    expect(t.acme.exitCode).toBe(3);
    const v = await runExpect(sb, ['verify', '--tenant', 'globex', '--json'], 1);
    expect(JSON.stringify(v.json)).toMatch(/is disabled on/);
    // Teardown stops the PBX side first: refused there, it changes nothing on Google either.
    const enabledBefore = versions(sb, 'globex').filter((x) => x.state === 'ENABLED').length;
    const td = await runExpect(sb, ['teardown', '--tenant', 'globex', '--yes'], 1);
    expect(td.stderr).toMatch(/is disabled on/);
    expect(versions(sb, 'globex').filter((x) => x.state === 'ENABLED').length).toBe(enabledBefore);
    expect(requestsInto(sb, 'tenant-globex')).toEqual([]);
    expect(sb.pbx.state.outbox.filter((m) => m.tenant === 'Globex Corporation')).toEqual([]);
  });

  test('enabled again, it is configured like the others', async () => {
    sb.pbx.setTenantEnabled('tenant-globex', true);
    const r = await runExpect(sb, ['post-deploy', '--tenant', 'globex', '--json'], 3);
    expect(byTenant(r.json).globex).toMatchObject({ exitCode: 3, result: { stage: 'consent-pending', changed: true } });
  });
});

describe('PBX tenants whose domains differ only in case', () => {
  let sb: Sandbox;
  let configWith: (pbxTenant: object) => string;
  beforeAll(async () => {
    sb = await startSandbox({ deployed: ['acme'] });
    await runExpect(sb, ['client', 'import', '--tenant', 'acme', '--file', sb.createWebClient('acme').file], 0);
    // The twin appears later (created in the portal after the client was imported).
    sb.pbx.addTenant({ id: 'tenant-acme-upper', name: 'ACME Upper', domain: 'ACME.pbx.msp.example' });
    configWith = (pbxTenant) => {
      const doc = jsYaml.load(readFileSync(sb.configPath, 'utf8')) as any;
      doc.tenants.find((t: any) => t.id === 'acme').pbxTenant = pbxTenant;
      const file = join(sb.dir, `gwkit-pinned-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, jsYaml.dump(doc));
      return file;
    };
  });
  afterAll(async () => {
    await sb?.close();
  });

  test('unpinned: refused, both named with id, name and domain, and the pin to write', async () => {
    const r = await runExpect(sb, ['post-deploy', '--tenant', 'acme'], 2);
    expect(r.stdout).toContain("'Acme' (id tenant-acme, domain acme.pbx.msp.example)");
    expect(r.stdout).toContain("'ACME Upper' (id tenant-acme-upper, domain ACME.pbx.msp.example)");
    expect(r.stdout).toContain('pbxTenant: { domain: acme.pbx.msp.example, id: tenant-acme }');
    expect(pbxSlot(sb, 'acme').client_id).toBe('');
    expect(sb.pbx.googleSlot('tenant-acme-upper').client_id).toBe('');
  });

  test('pinned by id: the pinned twin gets the client, the other nothing', async () => {
    const config = configWith({ domain: 'acme.pbx.msp.example', id: 'tenant-acme-upper' });
    const r = await runInProcess(sb, ['post-deploy', '--tenant', 'acme', '--json', '--config', config], { config: false });
    expect(r.code).toBe(3);
    expect(byTenant(r.json).acme).toMatchObject({ exitCode: 3, result: { stage: 'consent-pending', changed: true } });
    expect(sb.pbx.googleSlot('tenant-acme-upper').client_id).not.toBe('');
    expect(pbxSlot(sb, 'acme').client_id).toBe('');
    // The record names the pinned tenant: status agrees the PBX holds the client.
    const s = await runInProcess(sb, ['status', '--tenant', 'acme', '--json', '--config', config], { config: false });
    expect(byTenant(s.json).acme).toMatchObject({ exitCode: 0, result: { stage: 'consent-pending', pbxVersion: 1 } });
  });
});

describe('internationalised domains: the Unicode and the xn-- form are one domain', () => {
  let sb: Sandbox;
  let src: string;
  beforeAll(async () => {
    src = mkdtempSync(join(tmpdir(), 'gwkit-idn-'));
    writeFileSync(
      join(src, 'gwkit.yaml'),
      [
        ...fleetHeader(
          '  consentScreen: { supportEmail: it@example.com }',
          '  pbx: { url: "https://pbx.example.com", login: { username: admin } }',
        ),
        'tenants:',
        '  - { id: buecher, pbxTenant: { domain: bücher.example } }',
        '  - { id: cafe, pbxTenant: { domain: XN--CAF-DMA.example } }',
        '  - { id: lookalike, pbxTenant: { domain: bücher.example.net } }',
        '',
      ].join('\n'),
    );
    // The PBX lists each in the other spelling; the look-alike's PBX domain has a plain "u".
    sb = await startSandbox({
      fleetConfig: join(src, 'gwkit.yaml'),
      sbcTenants: [],
      pbxDomains: { buecher: 'xn--bcher-kva.example', cafe: 'café.example', lookalike: 'bucher.example.net' },
    });
    // Import reads the redirect URIs inside the PBX tenant: the look-alike is refused there already.
    for (const t of Object.keys(sb.tenants))
      await runExpect(sb, ['client', 'import', '--tenant', t, '--file', sb.createWebClient(t).file], t === 'lookalike' ? 2 : 0);
  });
  afterAll(async () => {
    await sb?.close();
    rmSync(src, { recursive: true, force: true });
  });

  test('matched in either direction; a look-alike refused naming both forms', async () => {
    const r = await runExpect(sb, ['post-deploy', '--tenant', 'buecher', '--tenant', 'cafe', '--json'], 3);
    const t = byTenant(r.json);
    expect(t.buecher).toMatchObject({ exitCode: 3, result: { stage: 'consent-pending', changed: true } });
    expect(t.cafe).toMatchObject({ exitCode: 3, result: { stage: 'consent-pending', changed: true } });
    expect(pbxSlot(sb, 'buecher').client_id).not.toBe('');
    expect(pbxSlot(sb, 'cafe').client_id).not.toBe('');

    const d = byTenant((await runExpect(sb, ['discover', '--all', '--json'], 2)).json);
    expect([d.buecher.exitCode, d.cafe.exitCode]).toEqual([0, 0]);
    expect(d.lookalike.exitCode).toBe(2);
    expect(d.lookalike.error).toContain("no tenant with domain 'bücher.example.net' (xn--bcher-kva.example.net)");
    expect(d.lookalike.error).toContain("it only looks like 'Lookalike' (id tenant-lookalike, domain bucher.example.net)");
    expect(d.lookalike.error).toContain('"ü" (U+00FC) where the other has "u" (U+0075)');
    expect(pbxSlot(sb, 'lookalike').client_id).toBe('');
  });
});
