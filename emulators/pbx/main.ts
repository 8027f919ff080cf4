/**
 * Run the PBX emulator standalone (sandbox, manual tests):
 *   npm run emulator:pbx -- [--port 8887] [--token-ttl 1800] [--google-token-url URL]
 *                           [--google-auth-url URL] [--google-ca-file PEM] [--tenants tenants.json]
 *                           [--secret-on-read echo|masked|empty] [--notification-post merge|replace]
 *                           [--switch-scope session|token] [--paging items|pages|pages-from-0|ignored] [--max-page-size N] [--no-list-count]
 *                           [--filter-case sensitive|insensitive] [--list-enabled always|when-false] [--errors-on-2xx]
 *                           [--requests-per-minute N] [--rate-window sliding|fixed]
 *                           [--rate-limit-headers retry-after|none|x-ratelimit|ratelimit] [--latency-ms MS]
 * Prints `{"url","origin","caFile"}` as one JSON line on stdout; stops on SIGINT/SIGTERM.
 * Users (default): admin/admin-password (system), acme-admin/acme-password @ acme.pbx.test.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { PbxBehaviour } from './behaviour';
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
      // Behaviours the spec leaves open (README.md); unset = the emulator's default.
      'secret-on-read': { type: 'string' },
      'notification-post': { type: 'string' },
      'switch-scope': { type: 'string' },
      paging: { type: 'string' },
      'max-page-size': { type: 'string' },
      'no-list-count': { type: 'boolean' },
      'filter-case': { type: 'string' },
      'list-enabled': { type: 'string' },
      'errors-on-2xx': { type: 'boolean' },
      'requests-per-minute': { type: 'string' },
      'rate-window': { type: 'string' },
      'rate-limit-headers': { type: 'string' },
      'latency-ms': { type: 'string' },
    },
  });
  const num = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${flag} must be a number, not '${v}'`);
    return n;
  };
  const behaviour: Partial<PbxBehaviour> = Object.fromEntries(
    Object.entries({
      secretOnRead: values['secret-on-read'],
      notificationPost: values['notification-post'],
      switchScope: values['switch-scope'],
      paging: values.paging,
      maxPageSize: num('max-page-size', values['max-page-size']),
      ...(values['no-list-count'] ? { listCount: false } : {}),
      filterCase: values['filter-case'],
      listEnabled: values['list-enabled'],
      errorsOn2xx: values['errors-on-2xx'],
      requestsPerMinute: num('requests-per-minute', values['requests-per-minute']),
      rateWindow: values['rate-window'],
      rateLimitHeaders: values['rate-limit-headers'],
      latencyMs: num('latency-ms', values['latency-ms']),
    }).filter(([, v]) => v !== undefined),
  );
  const world = values.tenants
    ? (JSON.parse(readFileSync(values.tenants, 'utf8')) as { tenants?: EmulatorTenantInit[]; users?: EmulatorUserInit[] })
    : {};
  const emulator = await startPbxEmulator({
    port: values.port ? Number(values.port) : 0,
    host: values.host,
    accessTokenTtlSeconds: values['token-ttl'] ? Number(values['token-ttl']) : undefined,
    tenants: world.tenants,
    users: world.users,
    behaviour, // checked by the emulator: an unknown value stops it with a message
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
