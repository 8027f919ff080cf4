/**
 * The cdktf app (cdktf.json "app"). Synthesizes one stack per tenant of gwkit.yaml.
 *
 * Selecting tenants: `cdktf synth`/`deploy` build every stack of the app (terraform-cdk #1906),
 * so with a large fleet set GWKIT_TENANTS to the ids you work on, e.g.
 *   GWKIT_TENANTS=acme npx cdktf deploy acme
 * GWKIT_CONFIG names the config file (default gwkit.yaml).
 */
import { loadFleet, selectTenants } from './lib/config';
import { exitCodeOf } from './lib/errors';
import { buildFleetApp } from './stacks/fleet-app';

function main(): void {
  const configPath = process.env.GWKIT_CONFIG ?? 'gwkit.yaml';
  const selection = (process.env.GWKIT_TENANTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const fleet = loadFleet(configPath);
  const tenants = selectTenants(fleet, selection, 'GWKIT_TENANTS');
  buildFleetApp({ tenants }).synth();
}

try {
  main();
} catch (error) {
  process.stderr.write(`gwkit synth: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(exitCodeOf(error));
}
