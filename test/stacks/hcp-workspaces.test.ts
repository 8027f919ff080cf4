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
