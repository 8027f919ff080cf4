/**
 * The pinned CDK CLI synthesizes the example fleet as a user types it (`npx cdktn synth` in the
 * project folder), one stack per tenant, and real Terraform reads what it wrote. The google
 * provider cannot be installed here (no registry), so `terraform init -backend=false` runs against
 * an empty provider mirror: every configuration error is reported before provider installation,
 * so reaching the provider lookup means Terraform accepted the configuration.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFleet } from '../../lib/config';
import { haveTerraform, terraformInit } from './terraform';

const ROOT = join(__dirname, '../..');
const fleet = loadFleet(join(ROOT, 'gwkit.yaml'));
const outdir = mkdtempSync(join(tmpdir(), 'gwkit-tf-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('npx cdktn synth writes one cdk.tf.json per tenant, and the HCP workspaces stack', () => {
  const run = spawnSync('npx', ['--no-install', 'cdktn', 'synth'], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTPUT: outdir, CHECKPOINT_DISABLE: '1', CI: 'true' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
  const tenants = [...fleet.tenants, ...fleet.microsoft365Tenants].map((t) => t.id);
  expect(readdirSync(join(outdir, 'stacks')).sort()).toEqual([...tenants, 'hcp-workspaces'].sort());
  for (const id of tenants) expect(existsSync(join(outdir, 'stacks', id, 'cdk.tf.json'))).toBe(true);
});

if (!haveTerraform) {
  // Said out loud so a green run without Terraform is not mistaken for this check passing.
  console.warn('terraform is not on PATH: skipping the Terraform configuration check');
}

(haveTerraform ? describe : describe.skip)('Terraform accepts every stack cdktn wrote', () => {
  // hcp-workspaces uses the tfe provider: test/stacks/hcp-workspaces.test.ts checks it.
  test.each(fleet.tenants.map((t) => t.id))('%s', (id) => {
    const output = terraformInit(join(outdir, 'stacks', id), outdir);
    expect(output).not.toMatch(/Error: (Invalid|Unsupported|Missing|Duplicate)/);
    expect(output).toContain('Finding hashicorp/google versions matching "6.50.0"');
  });
  // The example Microsoft 365 tenant's stack, synthesized from its committed pbx-facts file.
  test.each(fleet.microsoft365Tenants.map((t) => t.id))('%s (Microsoft 365)', (id) => {
    const output = terraformInit(join(outdir, 'stacks', id), outdir);
    expect(output).not.toMatch(/Error: (Invalid|Unsupported|Missing|Duplicate)/);
    expect(output).toContain('Finding hashicorp/azuread versions matching "3.7.0"');
  });
});
