/**
 * The cdktf app (cdktf.json "app"). Synthesizes one stack per tenant of gwkit.yaml.
 *
 * Selecting tenants: `cdktf synth`/`deploy` build every stack of the app (terraform-cdk #1906),
 * so with a large fleet set GWKIT_TENANTS to the ids you work on, e.g.
 *   GWKIT_TENANTS=acme npx cdktf deploy acme
 * GWKIT_CONFIG names the config file (default gwkit.yaml). Tenants with the `cloud` backend get
 * their HCP Terraform workspaces as code in one more stack, `hcp-workspaces`
 * (GWKIT_TENANTS=hcp-workspaces npx cdktf deploy hcp-workspaces, with TFE_TOKEN set).
 */
import { loadFleet, selectSuites } from './lib/config';
import { InputError } from './lib/errors';
import { gwkitCommand } from './lib/workflow/printed-commands';
import { exitCodeOf } from './lib/errors';
import { buildFleetApp, HCP_WORKSPACES_STACK } from './stacks/fleet-app';

function main(): void {
  const configPath = process.env.GWKIT_CONFIG ?? 'gwkit.yaml';
  const selection = (process.env.GWKIT_TENANTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const fleet = loadFleet(configPath);
  // `hcp-workspaces` names the stack of HCP Terraform workspaces, not a tenant. It is built from the
  // whole fleet; a whole-fleet synth includes it, and selecting it alone synthesizes only it.
  const tenantIds = selection.filter((id) => id !== HCP_WORKSPACES_STACK);
  const withWorkspaces = selection.length === 0 || selection.includes(HCP_WORKSPACES_STACK);
  const selected =
    withWorkspaces && tenantIds.length === 0 && selection.length > 0
      ? { google: [], microsoft365: [] }
      : selectSuites(fleet, tenantIds, 'GWKIT_TENANTS');
  // A Microsoft 365 stack is built from what the PBX reported: without it there is nothing to synthesize.
  const undiscovered = selected.microsoft365.filter((t) => !t.microsoft365.facts);
  if (undiscovered.length) {
    throw new InputError(
      `no PBX facts for Microsoft 365 tenant(s) ${undiscovered.map((t) => t.id).join(', ')}: the stack needs the redirect URIs and certificate the PBX reports; ` +
        `run ${gwkitCommand(`discover ${undiscovered.map((t) => `--tenant ${t.id}`).join(' ')}`)} and commit ${undiscovered.map((t) => t.microsoft365.factsFile).join(', ')}`,
    );
  }
  buildFleetApp({
    tenants: selected.google,
    microsoft365Tenants: selected.microsoft365,
    hcpWorkspacesOf: withWorkspaces ? [...fleet.tenants, ...fleet.microsoft365Tenants] : undefined,
  }).synth();
}

try {
  main();
} catch (error) {
  process.stderr.write(`gwkit synth: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(exitCodeOf(error));
}
