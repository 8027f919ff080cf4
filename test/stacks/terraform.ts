/**
 * Real Terraform, without a registry: `terraform init -backend=false` against an empty provider
 * mirror reports every configuration error before it looks for providers, so reaching the provider
 * lookup means Terraform accepted the configuration.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const haveTerraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;

/** `terraform init` of one synthesized stack folder; returns everything it printed. */
export function terraformInit(stackDir: string, scratchDir: string): string {
  const cliConfig = join(scratchDir, 'terraform.rc');
  writeFileSync(cliConfig, 'provider_installation {\n  filesystem_mirror {\n    path = "/nonexistent-gwkit-provider-mirror"\n  }\n}\n');
  const run = spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], {
    cwd: stackDir,
    env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1' },
    encoding: 'utf8',
  });
  return run.stdout + run.stderr;
}
