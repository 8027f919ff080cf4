/**
 * npm run bench:synth — wall time and peak memory of synthesizing fleets of 1, 100, 1,000 and
 * 5,000 tenants, and of one tenant selected (GWKIT_TENANTS) out of 5,000.
 *
 * Each case runs the built cdktf app (dist/main.js, what `cdktf synth` runs) in a fresh process,
 * RUNS times, and reports the median. Targets (issue #2): 1,000 tenants < 10 s and < 400 MB;
 * one selected of 5,000 within 2x of a 1-tenant fleet.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FEATURE_SETS = ['[mail]', '[mail, userSync, sso]', '[mail, sso]'];

function writeFleet(dir: string, size: number): string {
  const lines = [
    'defaults:',
    '  projectId: "pbxgw-{id}"',
    '  parent: folders/123456789012',
    '  billingAccount: 01ABCD-23EF45-67ABCD',
    '  consentScreen: { supportEmail: it-support@msp.example }',
    '  backend: { type: gcs, bucket: msp-gwkit-state }',
    '  secretAccess: { readers: ["serviceAccount:ci@msp-admin.iam.gserviceaccount.com"] }',
    'tenants:',
  ];
  for (let i = 0; i < size; i++) {
    lines.push(`  - id: t${String(i).padStart(5, '0')}`, `    pbxTenant: { domain: t${i}.pbx.example }`, `    features: ${FEATURE_SETS[i % 3]}`);
  }
  const file = join(dir, `fleet-${size}.yaml`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

interface Sample { seconds: number; peakMb: number }

function measure(config: string, selection?: string): Sample {
  const work = mkdtempSync(join(tmpdir(), 'gwkit-bench-'));
  const rssFile = join(work, 'rss');
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['-r', join(__dirname, 'report-peak-rss.js'), join(ROOT, 'dist/main.js')], {
    cwd: ROOT,
    env: { ...process.env, GWKIT_CONFIG: config, CDKTF_OUTDIR: join(work, 'out'), GWKIT_BENCH_RSS_FILE: rssFile, ...(selection ? { GWKIT_TENANTS: selection } : {}) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`synth failed (${run.status}): ${run.stderr}`);
  const peakMb = Number(readFileSync(rssFile, 'utf8')) / 1024 / 1024;
  rmSync(work, { recursive: true, force: true });
  return { seconds, peakMb };
}

function median(samples: Sample[]): Sample {
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { seconds: mid(samples.map((s) => s.seconds)), peakMb: mid(samples.map((s) => s.peakMb)) };
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'gwkit-bench-fleets-'));
  const cases: { name: string; config: string; selection?: string }[] = [
    ...[1, 100, 1000, 5000].map((n) => ({ name: `${n} tenant${n === 1 ? '' : 's'}`, config: writeFleet(dir, n) })),
  ];
  cases.push({ name: '1 selected of 5000', config: cases[3]!.config, selection: 't02500' });

  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; median of ${RUNS} runs`);
  console.log('case                    wall s   peak MB');
  const results = new Map<string, Sample>();
  for (const c of cases) {
    const r = median(Array.from({ length: RUNS }, () => measure(c.config, c.selection)));
    results.set(c.name, r);
    console.log(`${c.name.padEnd(22)} ${r.seconds.toFixed(2).padStart(7)} ${r.peakMb.toFixed(0).padStart(9)}`);
  }
  const one = results.get('1 tenant')!;
  const sel = results.get('1 selected of 5000')!;
  const thousand = results.get('1000 tenants')!;
  console.log(`\n1 selected of 5000 vs 1-tenant fleet: ${(sel.seconds / one.seconds).toFixed(2)}x time, ${(sel.peakMb / one.peakMb).toFixed(2)}x memory (target <= 2x)`);
  console.log(`1000 tenants: ${thousand.seconds.toFixed(2)} s (target < 10 s), ${thousand.peakMb.toFixed(0)} MB (target < 400 MB)`);
  rmSync(dir, { recursive: true, force: true });
}

main();
