/**
 * Real Terraform reads the synthesized JSON. The google provider cannot be installed here (no
 * registry), so `terraform init -backend=false` runs against an empty provider mirror: every
 * configuration error is reported before provider installation, so reaching the provider lookup
 * means Terraform accepted the configuration.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFleet } from '../../lib/config';
import { buildFleetApp } from '../../stacks/fleet-app';
import { haveTerraform, terraformInit } from './terraform';

if (!haveTerraform) {
  // Said out loud so a green run without Terraform is not mistaken for this check passing.
  console.warn('terraform is not on PATH: skipping the Terraform configuration check');
}

(haveTerraform ? describe : describe.skip)('Terraform accepts every example stack', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'gwkit-tf-'));
  buildFleetApp({ tenants: loadFleet(join(__dirname, '../../gwkit.yaml')).tenants, outdir }).synth();
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test.each(readdirSync(join(outdir, 'stacks')))('%s', (id) => {
    const output = terraformInit(join(outdir, 'stacks', id), outdir);
    expect(output).not.toMatch(/Error: (Invalid|Unsupported|Missing|Duplicate)/);
    expect(output).toContain('Finding hashicorp/google versions matching "6.50.0"');
  });
});
