/**
 * Run the PBX emulator standalone (sandbox, manual tests):
 *   npm run emulator:pbx -- [--port 8887] [--token-ttl 1800] [--google-token-url URL]
 *                           [--google-auth-url URL] [--google-ca-file PEM] [--tenants tenants.json]
 * Prints `{"url","origin","caFile"}` as one JSON line on stdout; stops on SIGINT/SIGTERM.
 * Users (default): admin/admin-password (system), acme-admin/acme-password @ acme.pbx.test.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startPbxEmulator } from './server';
import type { EmulatorTenantInit, EmulatorUserInit } from './state';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'token-ttl': { type: 'string' },
      'google-auth-url': { type: 'string' },
      'google-token-url': { type: 'string' },
      'google-ca-file': { type: 'string' },
      /** JSON file: {"tenants":[...], "users":[...]} */
      tenants: { type: 'string' },
    },
  });
  const world = values.tenants
    ? (JSON.parse(readFileSync(values.tenants, 'utf8')) as { tenants?: EmulatorTenantInit[]; users?: EmulatorUserInit[] })
    : {};
  const emulator = await startPbxEmulator({
    port: values.port ? Number(values.port) : 0,
    host: values.host,
    accessTokenTtlSeconds: values['token-ttl'] ? Number(values['token-ttl']) : undefined,
    tenants: world.tenants,
    users: world.users,
    google: {
      authorizationUrl: values['google-auth-url'],
      tokenUrl: values['google-token-url'],
      caFile: values['google-ca-file'],
    },
  });
  process.stdout.write(JSON.stringify({ url: emulator.url, origin: emulator.origin, caFile: emulator.caFile }) + '\n');
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`pbx emulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
