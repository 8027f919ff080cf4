/**
 * npm run bench:rollout — `gwkit rollout --all` over 500 emulated tenants whose PBX adds 20 ms to
 * every answer and allows 3,000 API requests a minute (fleet setting pbx.requestsPerMinute: 3000).
 *
 * Prints wall time beside the rate-limit bound (PBX requests ÷ limit) and beside a one-at-a-time
 * run (--concurrency 1) on a fresh world, PBX requests per tenant, the CLI's CPU per tenant, its
 * peak RSS, 429s answered and tenants failed. The CLI is the built one, in its own process; the
 * emulators run in this process. Sizes: BENCH_TENANTS (500), BENCH_CONCURRENCY (8).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../emulators/sandbox';
import { fleetHeader } from '../support/fleet-yaml';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LIMIT = 3000;
const LATENCY_MS = 20;

function writeFleet(dir: string): string {
  const lines = [
    ...fleetHeader(
      '  consentScreen: { supportEmail: it-support@msp.example }',
      `  pbx: { url: "https://pbx.msp.example:8887", requestsPerMinute: ${LIMIT}, login: { role: system-admin, username: admin } }`,
    ),
    'tenants:',
  ];
  for (let i = 0; i < TENANTS; i++) lines.push(`  - id: t${String(i).padStart(4, '0')}`, `    pbxTenant: { domain: t${i}.pbx.example }`);
  const file = join(dir, 'fleet.yaml');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

interface RunFigures {
  concurrency: number;
  wallSeconds: number;
  pbxRequests: number;
  rateLimited: number;
  failed: number;
  cpuMsPerTenant: number;
  peakRssMb: number;
}

async function run(fleetConfig: string, concurrency: number): Promise<RunFigures> {
  const sb = await startSandbox({ fleetConfig, pbxBehaviour: { latencyMs: LATENCY_MS, requestsPerMinute: LIMIT } });
  try {
    for (const id of Object.keys(sb.tenants)) {
      const c = sb.createWebClient(id);
      sb.google.addSecretVersion(sb.tenants[id]!.projectId, 'gwkit-oauth-client', JSON.stringify({ client_id: c.clientId, client_secret: c.clientSecret }));
    }
    const usageFile = join(sb.dir, 'usage.json');
    const before = sb.pbx.state.requests.length;
    const started = process.hrtime.bigint();
    const r = await sb.runCli(['rollout', '--all', '--json', '--concurrency', String(concurrency)], {
      env: { NODE_OPTIONS: `-r ${join(__dirname, 'report-usage.js')} ${process.env.BENCH_NODE_OPTIONS ?? ''}`.trim(), GWKIT_BENCH_USAGE_FILE: usageFile },
      timeoutMs: 15 * 60_000,
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (!r.json?.tenants) throw new Error(`rollout gave no JSON (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
    const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { userMs: number; systemMs: number; maxRssBytes: number };
    return {
      concurrency,
      wallSeconds,
      pbxRequests: sb.pbx.state.requests.length - before,
      rateLimited: (sb.pbx.state as unknown as { rateLimited?: number }).rateLimited ?? 0,
      failed: (r.json.tenants as { exitCode: number }[]).filter((t) => t.exitCode === 1 || t.exitCode === 2).length,
      cpuMsPerTenant: (usage.userMs + usage.systemMs) / TENANTS,
      peakRssMb: usage.maxRssBytes / 2 ** 20,
    };
  } finally {
    await sb.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gwkit-rollout-bench-'));
  try {
    const fleet = writeFleet(dir);
    const parallel = await run(fleet, CONCURRENCY);
    const serial = await run(fleet, 1);
    const bound = (parallel.pbxRequests / LIMIT) * 60;
    const line = (label: string, f: RunFigures) =>
      `| ${label} | ${f.wallSeconds.toFixed(1)} s | ${(f.pbxRequests / TENANTS).toFixed(2)} | ${f.cpuMsPerTenant.toFixed(1)} ms | ${f.peakRssMb.toFixed(0)} MB | ${f.rateLimited} | ${f.failed} |`;
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    console.log(`${TENANTS} tenants, PBX latency ${LATENCY_MS} ms, PBX limit ${LIMIT}/min (pbx.requestsPerMinute ${LIMIT})\n`);
    console.log('| run | wall | PBX requests / tenant | CLI CPU / tenant | peak RSS | 429s | failed |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(line(`--concurrency ${CONCURRENCY}`, parallel));
    console.log(line('--concurrency 1', serial));
    console.log(`\nrate-limit bound: ${bound.toFixed(1)} s (${parallel.pbxRequests} requests ÷ ${LIMIT}/min); wall ÷ bound = ${(parallel.wallSeconds / bound).toFixed(2)}; one-at-a-time ÷ parallel = ${(serial.wallSeconds / parallel.wallSeconds).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
