/**
 * Real Terraform reads the synthesized JSON. The google provider cannot be installed here (no
 * registry), so `terraform init -backend=false` runs against an empty provider mirror: every
 * configuration error is reported before provider installation, so reaching the provider lookup
 * means Terraform accepted the configuration.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFleet } from '../../lib/config';
import { buildFleetApp } from '../../stacks/fleet-app';

const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const haveTerraform = terraform.status === 0;
if (!haveTerraform) {
  // Said out loud so a green run without Terraform is not mistaken for this check passing.
  console.warn('terraform is not on PATH: skipping the Terraform configuration check');
}

(haveTerraform ? describe : describe.skip)('Terraform accepts every example stack', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'gwkit-tf-'));
  const cliConfig = join(outdir, 'terraform.rc');
  writeFileSync(cliConfig, 'provider_installation {\n  filesystem_mirror {\n    path = "/nonexistent-gwkit-provider-mirror"\n  }\n}\n');
  buildFleetApp({ tenants: loadFleet(join(__dirname, '../../gwkit.yaml')).tenants, outdir }).synth();
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test.each(readdirSync(join(outdir, 'stacks')))('%s', (id) => {
    const run = spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], {
      cwd: join(outdir, 'stacks', id),
      env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1' },
      encoding: 'utf8',
    });
    const output = run.stdout + run.stderr;
    expect(output).not.toMatch(/Error: (Invalid|Unsupported|Missing|Duplicate)/);
    expect(output).toContain('Finding hashicorp/google versions matching "6.50.0"');
  });
});
