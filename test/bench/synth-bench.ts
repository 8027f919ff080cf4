/**
 * npm run bench:synth — wall time, CPU per tenant and peak memory of synthesizing fleets of 1,
 * 100, 1,000 and 5,000 tenants, of 10,000 tenants split over 100 include files, and of one tenant
 * selected (GWKIT_TENANTS) out of 5,000 and out of the 10,000.
 *
 * Each case runs the built cdktf app (dist/main.js, what `cdktf synth` runs) in a fresh process,
 * RUNS times (the 10,000-tenant synth once), and reports the median. Targets: 1,000 tenants
 * < 10 s and < 400 MB; one selected tenant within 2x of a 1-tenant fleet; <= 5 ms CPU per tenant.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fleetHeader } from '../support/fleet-yaml';

const ROOT = join(__dirname, '../../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FEATURE_SETS = ['[mail]', '[mail, userSync, sso]', '[mail, sso]'];

function writeFleet(dir: string, size: number): string {
  const lines = [
    ...fleetHeader(
      '  consentScreen: { supportEmail: it-support@msp.example }',
      '  backend: { type: gcs, bucket: msp-gwkit-state }',
      '  secretAccess: { readers: ["serviceAccount:ci@msp-admin.iam.gserviceaccount.com"] }',
    ),
    'tenants:',
  ];
  for (let i = 0; i < size; i++) {
    lines.push(
      `  - id: t${String(i).padStart(5, '0')}`,
      `    pbxTenant: { domain: t${i}.pbx.example }`,
      `    features: ${FEATURE_SETS[i % 3]}`,
    );
  }
  const file = join(dir, `fleet-${size}.yaml`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** 10,000 tenants: a main file with defaults and 100 include files of 100 tenants each. */
function writeSplitFleet(dir: string, size: number, files: number): string {
  const main = writeFleet(dir, 0).replace(/fleet-0\.yaml$/, 'split.yaml');
  const inc = join(dir, 'split-tenants');
  mkdirSync(inc, { recursive: true });
  const head = readFileSync(writeFleet(dir, 0), 'utf8').replace(/tenants:\n?$/m, 'include: [split-tenants/]\ntenants: []\n');
  writeFileSync(main, head);
  const per = Math.ceil(size / files);
  for (let f = 0; f < files; f++) {
    const lines = ['tenants:'];
    for (let i = f * per; i < Math.min(size, (f + 1) * per); i++) {
      lines.push(
        `  - id: t${String(i).padStart(5, '0')}`,
        `    pbxTenant: { domain: t${i}.pbx.example }`,
        `    features: ${FEATURE_SETS[i % 3]}`,
      );
    }
    writeFileSync(join(inc, `tenants-${String(f).padStart(3, '0')}.yaml`), `${lines.join('\n')}\n`);
  }
  return main;
}

interface Sample {
  seconds: number;
  peakMb: number;
  cpuMs: number;
}

function measure(config: string, selection?: string): Sample {
  const work = mkdtempSync(join(tmpdir(), 'gwkit-bench-'));
  const usageFile = join(work, 'usage.json');
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['-r', join(__dirname, 'report-usage.js'), join(ROOT, 'dist/main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      GWKIT_CONFIG: config,
      CDKTF_OUTDIR: join(work, 'out'),
      GWKIT_BENCH_USAGE_FILE: usageFile,
      ...(selection ? { GWKIT_TENANTS: selection } : {}),
    },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`synth failed (${run.status}): ${run.stderr}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { userMs: number; systemMs: number; maxRssBytes: number };
  rmSync(work, { recursive: true, force: true });
  return { seconds, peakMb: usage.maxRssBytes / 1024 / 1024, cpuMs: usage.userMs + usage.systemMs };
}

function median(samples: Sample[]): Sample {
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    seconds: mid(samples.map((s) => s.seconds)),
    peakMb: mid(samples.map((s) => s.peakMb)),
    cpuMs: mid(samples.map((s) => s.cpuMs)),
  };
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'gwkit-bench-fleets-'));
  const cases: { name: string; config: string; tenants: number; selection?: string; runs?: number }[] = [
    ...[1, 100, 1000, 5000].map((n) => ({ name: `${n} tenant${n === 1 ? '' : 's'}`, config: writeFleet(dir, n), tenants: n })),
  ];
  cases.push({ name: '1 selected of 5000', config: cases[3]!.config, tenants: 1, selection: 't02500' });
  const split = writeSplitFleet(dir, 10_000, 100);
  cases.push({ name: '10000 in 100 files', config: split, tenants: 10_000, runs: 1 });
  cases.push({ name: '1 selected of 10000', config: split, tenants: 1, selection: 't07777' });

  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; median of ${RUNS} runs`,
  );
  console.log('| case | wall | CPU per tenant | peak memory |');
  console.log('|---|---|---|---|');
  const results = new Map<string, Sample>();
  for (const c of cases) {
    const r = median(Array.from({ length: c.runs ?? RUNS }, () => measure(c.config, c.selection)));
    results.set(c.name, r);
    console.log(`| ${c.name} | ${r.seconds.toFixed(2)} s | ${(r.cpuMs / c.tenants).toFixed(1)} ms | ${r.peakMb.toFixed(0)} MB |`);
  }
  const one = results.get('1 tenant')!;
  for (const name of ['1 selected of 5000', '1 selected of 10000']) {
    const sel = results.get(name)!;
    console.log(
      `${name} vs 1-tenant fleet: ${(sel.seconds / one.seconds).toFixed(2)}x time, ${(sel.peakMb / one.peakMb).toFixed(2)}x memory (target <= 2x)`,
    );
  }
  const thousand = results.get('1000 tenants')!;
  console.log(`1000 tenants: ${thousand.seconds.toFixed(2)} s (target < 10 s), ${thousand.peakMb.toFixed(0)} MB (target < 400 MB)`);
  rmSync(dir, { recursive: true, force: true });
}

main();
