/**
 * The Microsoft 365 tenant stack, synthesized offline from gwkit.yaml and the tenant's PBX facts
 * file: the Entra app with the PBX's redirect URIs and certificate, no client secret, the Graph
 * application permissions of its features, and consent as app role assignments.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { loadFleet, type Ms365TenantConfig } from '../../lib/config';
import { buildFleetApp } from '../../stacks/fleet-app';
import { Ms365TenantStack } from '../../stacks/ms365-tenant-stack';
import { haveTerraform, terraformInit } from './terraform';

const ROOT = join(__dirname, '../..');
const CONFIG = join(__dirname, 'fixtures/ms365/gwkit.yaml');
const fleet = loadFleet(CONFIG);
const contoso = fleet.microsoft365Tenants.find((t) => t.id === 'contoso')!;

type Block = Record<string, Record<string, any>>;
interface Synth {
  provider: Record<string, Array<Record<string, unknown>>>;
  data: Block;
  resource: Block;
  output: Record<string, { value: unknown; depends_on?: string[] }>;
  terraform: { backend?: Record<string, unknown> };
}

function synth(t: Ms365TenantConfig): { json: string; doc: Synth } {
  const json = Testing.synth(new Ms365TenantStack(Testing.app(), { tenant: t }));
  return { json, doc: JSON.parse(json) as Synth };
}

describe('Ms365TenantStack', () => {
  const { json, doc } = synth(contoso);
  const [app] = Object.values(doc.resource.azuread_application!);

  test('a single-tenant Web app with exactly the redirect URIs the PBX reported, ID tokens on', () => {
    expect(app).toMatchObject({
      display_name: 'PortSIP PBX contoso',
      sign_in_audience: 'AzureADMyOrg',
      web: {
        redirect_uris: ['https://pbx.msp.example:8887/api/ms365/redirect', 'https://sbc.msp.example/8887/ms365/redirect'],
        implicit_grant: { id_token_issuance_enabled: true, access_token_issuance_enabled: false },
      },
    });
    expect(doc.provider.azuread).toEqual([{ tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47', environment: 'global' }]);
    expect(doc.terraform.backend).toEqual({ gcs: { bucket: 'msp-gwkit-state', prefix: 'gwkit/contoso' } });
  });

  test("the PBX's certificate is the only credential: no password resource, no secret anywhere", () => {
    const facts = contoso.microsoft365.facts!;
    const certs = Object.values(doc.resource.azuread_application_certificate!);
    expect(certs).toEqual([
      expect.objectContaining({
        application_id: expect.stringMatching(/^\$\{azuread_application\.entra_app_[A-F0-9]+\.id\}$/),
        type: 'AsymmetricX509Cert',
        encoding: 'pem',
        value: facts.certificates[0]!.pem,
        end_date: facts.certificates[0]!.notAfter,
      }),
    ]);
    expect(Object.keys(doc.resource).sort()).toEqual([
      'azuread_app_role_assignment',
      'azuread_application',
      'azuread_application_certificate',
      'azuread_service_principal',
    ]);
    expect(json).not.toMatch(/PRIVATE KEY|client_secret|azuread_application_password/);
  });

  test('Graph application permissions of the features, role ids looked up by name, and admin consent as app role assignments', () => {
    expect(Object.keys(doc.data.azuread_service_principal!)).toHaveLength(1);
    const graph = Object.values(doc.data.azuread_service_principal!)[0];
    expect(graph).toEqual({ client_id: '00000003-0000-0000-c000-000000000000' });
    const graphRef = `data.azuread_service_principal.${Object.keys(doc.data.azuread_service_principal!)[0]}`;
    const wanted = ['Mail.Send', 'User.Read.All'];
    expect(app!.required_resource_access).toEqual([
      {
        resource_app_id: '00000003-0000-0000-c000-000000000000',
        resource_access: wanted.map((name) => ({ id: `\${${graphRef}.app_role_ids["${name}"]}`, type: 'Role' })),
      },
    ]);
    const assignments = Object.values(doc.resource.azuread_app_role_assignment!);
    expect(assignments.map((a) => a.app_role_id)).toEqual(wanted.map((name) => `\${${graphRef}.app_role_ids["${name}"]}`));
    for (const a of assignments) {
      expect(a.resource_object_id).toBe(`\${${graphRef}.object_id}`);
      expect(a.principal_object_id).toMatch(/^\$\{azuread_service_principal\.entra_service-principal_[A-F0-9]+\.object_id\}$/);
    }
  });

  test('outputs: application id, directory id and Entra deep links, each waiting for consent and certificate', () => {
    expect(Object.keys(doc.output).sort()).toEqual([
      'application_id',
      'application_object_id',
      'certificate_thumbprints',
      'directory_id',
      'entra_api_permissions_url',
      'entra_app_url',
      'entra_certificates_url',
      'graph_permissions',
      'service_principal_object_id',
    ]);
    expect(doc.output.directory_id!.value).toBe('72f988bf-86f1-41af-91ab-2d7cd011db47');
    expect(doc.output.entra_app_url!.value).toMatch(
      /^https:\/\/entra\.microsoft\.com\/#view\/Microsoft_AAD_RegisteredApps\/ApplicationMenuBlade\/~\/Overview\/appId\/\$\{azuread_application\./,
    );
    expect(doc.output.application_id!.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^azuread_app_role_assignment\./),
        expect.stringMatching(/^azuread_application_certificate\./),
      ]),
    );
  });

  test('China cloud: the provider environment and the portal follow it', () => {
    const china = { ...contoso, microsoft365: { ...contoso.microsoft365, nationalCloud: 'china' as const } };
    const { doc: cn } = synth(china);
    expect(cn.provider.azuread).toEqual([{ tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47', environment: 'china' }]);
    expect(cn.output.entra_app_url!.value).toMatch(/^https:\/\/portal\.azure\.cn\//);
  });

  test('synth is deterministic: the same config and facts give the same JSON', () => {
    expect(synth(contoso).json).toBe(json);
  });
});

describe('the app with a mixed fleet', () => {
  test('GWKIT_TENANTS selects Microsoft 365 stacks like any other; one without PBX facts is a bad-input exit naming discover', () => {
    const out = mkdtempSync(join(tmpdir(), 'gwkit-ms365-synth-'));
    try {
      const run = (tenants: string) =>
        spawnSync(process.execPath, [join(ROOT, 'dist/main.js')], {
          env: { ...process.env, GWKIT_CONFIG: CONFIG, GWKIT_TENANTS: tenants, CDKTF_OUTDIR: out },
          encoding: 'utf8',
        });
      const ok = run('contoso,solo');
      expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: '' });
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { stacks: Record<string, unknown> };
      expect(Object.keys(manifest.stacks).sort()).toEqual(['contoso', 'solo']);
      const missing = run('fabrikam');
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/no PBX facts for Microsoft 365 tenant\(s\) fabrikam: .*run `npx gwkit discover --tenant fabrikam`/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  (haveTerraform ? test : test.skip)('Terraform accepts the Microsoft 365 stack (terraform init up to the azuread provider lookup)', () => {
    const out = mkdtempSync(join(tmpdir(), 'gwkit-ms365-tf-'));
    try {
      const app = buildFleetApp({ tenants: [], microsoft365Tenants: [contoso], outdir: out });
      app.synth();
      const output = terraformInit(join(out, 'stacks', 'contoso'), out);
      expect(output).not.toMatch(/Error: (Invalid|Unsupported|Missing|Duplicate)/);
      expect(output).toContain('Finding hashicorp/azuread versions matching "3.7.0"');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
