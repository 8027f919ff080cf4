/**
 * HCP Terraform workspaces as code: one remote-execution workspace per cloud-backend tenant, named
 * as the tenant stacks' `cloud` backend names them, with Google credentials through workload
 * identity when configured; selected as a stack of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFleet } from '../../lib/config';
import { buildFleetApp, HCP_WORKSPACES_STACK } from '../../stacks/fleet-app';
import { haveTerraform, terraformInit } from './terraform';
import { fleetHeader } from '../support/fleet-yaml';

const root = join(__dirname, '../..');

function synth(yaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gwkit-hcp-'));
  writeFileSync(join(dir, 'gwkit.yaml'), yaml);
  const run = spawnSync(process.execPath, [join(root, 'dist/main.js')], {
    cwd: root,
    env: { ...process.env, GWKIT_CONFIG: join(dir, 'gwkit.yaml'), CDKTF_OUTDIR: join(dir, 'out'), ...env },
    encoding: 'utf8',
  });
  const stacks = run.status === 0 ? readdirSync(join(dir, 'out', 'stacks')).sort() : [];
  const doc = (id: string) => JSON.parse(readFileSync(join(dir, 'out', 'stacks', id, 'cdk.tf.json'), 'utf8'));
  return { run, stacks, doc, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const FLEET = [
  ...fleetHeader(
    '  consentScreen: { supportEmail: it@msp.example }',
    '  backend:',
    '    type: cloud',
    '    organization: msp-example',
    '    workspacePrefix: "pbx-"',
    '    dynamicCredentials: { workloadProvider: projects/123/locations/global/workloadIdentityPools/hcp/providers/tfc, serviceAccount: deployer@msp-admin.iam.gserviceaccount.com }',
  ),
  'tenants:',
  '  - { id: acme, pbxTenant: { domain: acme.example } }',
  '  - { id: globex, pbxTenant: { domain: globex.example } }',
  '  - { id: local-one, pbxTenant: { domain: l.example }, backend: { type: local } }',
  '',
].join('\n');

test('a whole-fleet synth adds the workspaces stack: remote execution, tenant tags, workload identity', () => {
  const s = synth(FLEET);
  try {
    expect(s.run.status).toBe(0);
    expect(s.stacks).toEqual(['acme', 'globex', HCP_WORKSPACES_STACK, 'local-one']);
    const doc = s.doc(HCP_WORKSPACES_STACK);
    const workspaces = Object.values(doc.resource.tfe_workspace) as any[];
    expect(workspaces.map((w) => w.name).sort()).toEqual(['pbx-acme', 'pbx-globex']);
    expect(workspaces.every((w) => w.execution_mode === 'remote' && w.organization === 'msp-example')).toBe(true);
    expect(workspaces.find((w) => w.name === 'pbx-acme').tag_names).toEqual(['gwkit', 'tenant-acme']);
    const vars = Object.values(doc.resource.tfe_variable) as any[];
    expect(vars.filter((v) => v.key === 'TFC_GCP_PROVIDER_AUTH')).toHaveLength(2);
    expect(vars.every((v) => v.category === 'env' && !/token|secret|password/i.test(JSON.stringify(v.value)))).toBe(true);
    // Its own state: one more workspace of the organization; the tenant stacks use their own.
    expect(doc.terraform.cloud).toMatchObject({ organization: 'msp-example', workspaces: { name: 'pbx-workspaces' } });
    expect(s.doc('acme').terraform.cloud).toMatchObject({ workspaces: { name: 'pbx-acme' } });
    // No token in the synthesized JSON: TFE_TOKEN is read at deploy time.
    expect(JSON.stringify(doc.provider)).not.toMatch(/token/i);
  } finally {
    s.cleanup();
  }
});

test('GWKIT_TENANTS=hcp-workspaces synthesizes that stack alone; a tenant selection leaves it out', () => {
  const only = synth(FLEET, { GWKIT_TENANTS: HCP_WORKSPACES_STACK });
  const one = synth(FLEET, { GWKIT_TENANTS: 'acme' });
  try {
    expect(only.stacks).toEqual([HCP_WORKSPACES_STACK]);
    expect(Object.keys(only.doc(HCP_WORKSPACES_STACK).resource.tfe_workspace)).toHaveLength(2);
    expect(one.stacks).toEqual(['acme']);
  } finally {
    only.cleanup();
    one.cleanup();
  }
});

(haveTerraform ? test : test.skip)('Terraform accepts the workspaces stack', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'gwkit-hcp-tf-'));
  try {
    const tenants = loadFleet(join(root, 'gwkit.yaml')).tenants;
    buildFleetApp({ tenants: [], hcpWorkspacesOf: tenants, outdir }).synth();
    const output = terraformInit(join(outdir, 'stacks', HCP_WORKSPACES_STACK), outdir);
    expect(output).not.toMatch(/Error: (Invalid|Unsupported|Missing|Duplicate)/);
    expect(output).toContain('Finding hashicorp/tfe versions matching "0.71.0"');
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

test("a Microsoft 365 tenant's workspace gets Azure dynamic credentials (TFC_AZURE_*), not Google's", () => {
  const fleet = FLEET.replace(
    '    dynamicCredentials:',
    '    azureDynamicCredentials: { runClientId: 0b7e2f3a-1c4d-4e5f-8a9b-0c1d2e3f4a5b }\n    dynamicCredentials:',
  ).replace(
    '  - { id: local-one',
    '  - { id: contoso, suite: microsoft-365, pbxTenant: { domain: c.example }, microsoft365: { directoryId: 72f988bf-86f1-41af-91ab-2d7cd011db47 } }\n  - { id: local-one',
  );
  const s = synth(fleet, { GWKIT_TENANTS: HCP_WORKSPACES_STACK });
  try {
    expect({ status: s.run.status, stderr: s.run.status === 0 ? '' : s.run.stderr }).toEqual({ status: 0, stderr: '' });
    const doc = s.doc(HCP_WORKSPACES_STACK);
    const workspaces = Object.entries(doc.resource.tfe_workspace) as [string, any][];
    const contoso = workspaces.find(([, w]) => w.name === 'pbx-contoso')![0];
    const vars = (Object.values(doc.resource.tfe_variable) as any[]).map((v) => ({ ws: v.workspace_id, key: v.key, value: v.value }));
    const of = (ws: string) =>
      vars
        .filter((v) => v.ws === `\${tfe_workspace.${ws}.id}`)
        .map((v) => `${v.key}=${v.value}`)
        .sort();
    expect(of(contoso)).toEqual(['TFC_AZURE_PROVIDER_AUTH=true', 'TFC_AZURE_RUN_CLIENT_ID=0b7e2f3a-1c4d-4e5f-8a9b-0c1d2e3f4a5b']);
    const acme = workspaces.find(([, w]) => w.name === 'pbx-acme')![0];
    expect(of(acme).map((v) => v.split('=')[0])).toEqual([
      'TFC_GCP_PROVIDER_AUTH',
      'TFC_GCP_RUN_SERVICE_ACCOUNT_EMAIL',
      'TFC_GCP_WORKLOAD_PROVIDER_NAME',
    ]);
  } finally {
    s.cleanup();
  }
});
