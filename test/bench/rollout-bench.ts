/**
 * npm run bench:rollout — `gwkit rollout --all` (the built CLI, in its own process) against an
 * emulated PBX that adds 20 ms to every answer and enforces a rate limit (sliding 60 s window, 429
 * with Retry-After beyond it). The emulators run in this process. Cases:
 *
 * - `configured`: 500 tenants, PBX limit 3,000 a minute, pbx.requestsPerMinute: 3000; also run
 *   one at a time (--concurrency 1) on a fresh world. Aim: within 1.25× of the rate-limit bound.
 * - `unconfigured`: 200 tenants, pbx.requestsPerMinute left at its default (4,000) against a PBX
 *   whose real limit is 600 a minute: gwkit must learn the limit from the 429s. Aim: within 1.15×
 *   of the bound, few 429s.
 * - `large`: 10,000 tenants at PortSIP's 10,000 a minute (pbx.requestsPerMinute: 10000). Aim:
 *   within 1.1× of the bound, peak RSS of the CLI at most 300 MB.
 *
 * The rate-limit bound of a run is its PBX requests ÷ the PBX's limit. Prints wall time against it,
 * PBX requests per tenant, the CLI's CPU per tenant, its peak RSS, 429s answered and tenants failed,
 * then PASS or FAIL for each aim of a parallel run (exit code 1 when one is missed). CPU and RSS are
 * the CLI process's own (report-usage.ts runs inside it); the emulators' memory is this process's.
 * BENCH_CASES (comma-separated, default all), BENCH_CONCURRENCY (8), BENCH_NODE_OPTIONS (for the CLI),
 * BENCH_TENANTS (overrides each case's size), BENCH_PBX_LIMIT (overrides each case's PBX limit, and
 * pbx.requestsPerMinute where the case sets it: a smaller case at a proportionally higher limit
 * for quick runs), BENCH_MEMORY_DETAIL=1 (where the CLI's memory sat at
 * its peak, on stderr), and the PBX's reading of its limit for every case:
 * BENCH_RATE_WINDOW (sliding | fixed), BENCH_RATE_LIMIT_HEADERS (retry-after | none | x-ratelimit | ratelimit).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { PbxBehaviour } from '../../emulators/pbx';
import { startSandbox } from '../../emulators/sandbox';
import { fleetHeader } from '../support/fleet-yaml';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LATENCY_MS = 20;
const READING: Partial<PbxBehaviour> = {
  ...(process.env.BENCH_RATE_WINDOW ? { rateWindow: process.env.BENCH_RATE_WINDOW as PbxBehaviour['rateWindow'] } : {}),
  ...(process.env.BENCH_RATE_LIMIT_HEADERS
    ? { rateLimitHeaders: process.env.BENCH_RATE_LIMIT_HEADERS as PbxBehaviour['rateLimitHeaders'] }
    : {}),
};

interface BenchCase {
  name: string;
  tenants: number;
  /** What the emulated PBX allows per minute. */
  pbxLimit: number;
  /** pbx.requestsPerMinute in the fleet; undefined: left at its default. */
  configured?: number;
  /** Wall time ÷ rate-limit bound to stay within. */
  aim: number;
  rssAimMb?: number;
  /** Also run with --concurrency 1 on a fresh world. */
  serialToo?: boolean;
}

const CASES: BenchCase[] = [
  { name: 'configured', tenants: 500, pbxLimit: 3000, configured: 3000, aim: 1.25, serialToo: true },
  { name: 'unconfigured', tenants: 200, pbxLimit: 600, aim: 1.15 },
  { name: 'large', tenants: 10_000, pbxLimit: 10_000, configured: 10_000, aim: 1.1, rssAimMb: 300 },
];

function writeFleet(dir: string, c: BenchCase): string {
  const pace = c.configured === undefined ? '' : `requestsPerMinute: ${c.configured}, `;
  const lines = [
    ...fleetHeader(
      '  consentScreen: { supportEmail: it-support@msp.example }',
      `  pbx: { url: "https://pbx.msp.example:8887", ${pace}login: { role: system-admin, username: admin } }`,
    ),
    'tenants:',
  ];
  for (let i = 0; i < c.tenants; i++) lines.push(`  - id: t${String(i).padStart(5, '0')}`, `    pbxTenant: { domain: t${i}.pbx.example }`);
  const file = join(dir, `${c.name}.yaml`);
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
  /** Load average (1 min) of the machine when the run ended. */
  load: number;
}

async function run(c: BenchCase, fleetConfig: string, concurrency: number): Promise<RunFigures> {
  const sb = await startSandbox({ fleetConfig, pbxBehaviour: { ...READING, latencyMs: LATENCY_MS, requestsPerMinute: c.pbxLimit } });
  try {
    for (const id of Object.keys(sb.tenants)) {
      const client = sb.createWebClient(id);
      sb.google.addSecretVersion(
        sb.tenants[id]!.projectId,
        'gwkit-oauth-client',
        JSON.stringify({ client_id: client.clientId, client_secret: client.clientSecret }),
      );
    }
    const usageFile = join(sb.dir, 'usage.json');
    const before = sb.pbx.state.requests.length;
    const limitedBefore = sb.pbx.state.rateLimited;
    const started = process.hrtime.bigint();
    const r = await sb.runCli(['rollout', '--all', '--json', '--concurrency', String(concurrency)], {
      env: {
        NODE_OPTIONS: `-r ${join(__dirname, 'report-usage.js')} ${process.env.BENCH_NODE_OPTIONS ?? ''}`.trim(),
        GWKIT_BENCH_USAGE_FILE: usageFile,
      },
      timeoutMs: 30 * 60_000,
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (!r.json?.tenants) throw new Error(`rollout gave no JSON (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
    const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as {
      userMs: number;
      systemMs: number;
      maxRssBytes: number;
      atPeak: Record<string, number>;
    };
    if (process.env.BENCH_MEMORY_DETAIL) {
      console.error(
        `${c.name} --concurrency ${concurrency}: memory at the peak sample (MB): ${JSON.stringify(usage.atPeak)}; the JSON on stdout: ${(Buffer.byteLength(r.stdout) / 2 ** 20).toFixed(1)} MB`,
      );
    }
    return {
      concurrency,
      wallSeconds,
      pbxRequests: sb.pbx.state.requests.length - before,
      rateLimited: sb.pbx.state.rateLimited - limitedBefore,
      failed: (r.json.tenants as { exitCode: number }[]).filter((t) => t.exitCode === 1 || t.exitCode === 2).length,
      cpuMsPerTenant: (usage.userMs + usage.systemMs) / c.tenants,
      peakRssMb: usage.maxRssBytes / 2 ** 20,
      load: loadavg()[0]!,
    };
  } finally {
    await sb.close();
  }
}

async function main(): Promise<void> {
  const selected = (process.env.BENCH_CASES ?? CASES.map((c) => c.name).join(',')).split(',').map((s) => s.trim());
  const unknown = selected.filter((s) => !CASES.some((c) => c.name === s));
  if (unknown.length) throw new Error(`BENCH_CASES: no case ${unknown.join(', ')} (cases: ${CASES.map((c) => c.name).join(', ')})`);
  const dir = mkdtempSync(join(tmpdir(), 'gwkit-rollout-bench-'));
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average at start ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `PBX latency ${LATENCY_MS} ms, rate limit: ${READING.rateWindow ?? 'sliding'} 60 s window, ${READING.rateLimitHeaders ?? 'retry-after'} headers\n`,
  );
  console.log(
    '| case | tenants | PBX limit | pbx.requestsPerMinute | concurrency | wall | bound | wall ÷ bound (aim) | PBX requests / tenant | 429s | failed | CLI CPU / tenant | peak RSS | load at end |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  try {
    const sized = (c: BenchCase): BenchCase => {
      const limit = process.env.BENCH_PBX_LIMIT ? Number(process.env.BENCH_PBX_LIMIT) : undefined;
      return {
        ...c,
        ...(process.env.BENCH_TENANTS ? { tenants: Number(process.env.BENCH_TENANTS) } : {}),
        // A configured case is told the new limit; an unconfigured one still has to learn it.
        ...(limit ? { pbxLimit: limit, configured: c.configured === undefined ? undefined : limit } : {}),
      };
    };
    for (const c of CASES.filter((x) => selected.includes(x.name)).map(sized)) {
      const fleet = writeFleet(dir, c);
      const runs = [await run(c, fleet, CONCURRENCY)];
      if (c.serialToo) runs.push(await run(c, fleet, 1));
      for (const f of runs) {
        const bound = (f.pbxRequests / c.pbxLimit) * 60;
        const ratio = f.wallSeconds / bound;
        const rss = `${f.peakRssMb.toFixed(0)} MB${c.rssAimMb ? ` (aim ≤ ${c.rssAimMb})` : ''}`;
        console.log(
          `| ${c.name} | ${c.tenants} | ${c.pbxLimit} | ${c.configured ?? 'default'} | ${f.concurrency} | ${f.wallSeconds.toFixed(1)} s | ${bound.toFixed(1)} s | ` +
            `${ratio.toFixed(2)} (${c.aim}) | ${(f.pbxRequests / c.tenants).toFixed(2)} | ${f.rateLimited} | ${f.failed} | ${f.cpuMsPerTenant.toFixed(1)} ms | ${rss} | ${f.load.toFixed(2)} |`,
        );
        // The aims hold for the parallel run (the one a user gets by default).
        if (f.concurrency !== CONCURRENCY) continue;
        verdicts.push(verdict(`${c.name}: wall ÷ bound ${ratio.toFixed(2)}`, ratio <= c.aim, `within ${c.aim}`));
        verdicts.push(verdict(`${c.name}: failed tenants ${f.failed}`, f.failed === 0, 'none'));
        if (c.rssAimMb)
          verdicts.push(
            verdict(`${c.name}: peak RSS of the CLI ${f.peakRssMb.toFixed(0)} MB`, f.peakRssMb <= c.rssAimMb, `at most ${c.rssAimMb} MB`),
          );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${verdicts.join('\n')}`);
  // A missed aim fails the benchmark (exit 1), so that a script or CI job running it notices.
  if (verdicts.some((v) => v.startsWith('FAIL'))) process.exitCode = 1;
}

const verdicts: string[] = [];

function verdict(what: string, ok: boolean, aim: string): string {
  return `${ok ? 'PASS' : 'FAIL'} ${what} (aim: ${aim})`;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
