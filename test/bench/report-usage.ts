/**
 * Preloaded into a measured process (`node -r`): on exit, writes its CPU time and peak resident
 * set size as JSON `{"userMs","systemMs","maxRssBytes","atPeak"}` to the file named by
 * GWKIT_BENCH_USAGE_FILE. `atPeak` is `process.memoryUsage()` and V8's heap spaces (MB) from the
 * once-a-second sample with the highest RSS: where the memory sat.
 */
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const target = process.env.GWKIT_BENCH_USAGE_FILE;
if (target) {
  const mb = (n: number) => Math.round(n / 2 ** 20);
  let atPeak: Record<string, number> = { rss: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    if (mb(m.rss) <= atPeak.rss!) return;
    atPeak = {
      rss: mb(m.rss),
      heapTotal: mb(m.heapTotal),
      heapUsed: mb(m.heapUsed),
      external: mb(m.external),
      arrayBuffers: mb(m.arrayBuffers),
    };
    for (const s of getHeapSpaceStatistics()) atPeak[s.space_name] = mb(s.space_size);
  };
  setInterval(sample, 1000).unref();
  process.on('exit', () => {
    sample();
    const u = process.resourceUsage();
    writeFileSync(
      target,
      JSON.stringify({ userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000, maxRssBytes: u.maxRSS * 1024, atPeak }),
    );
  });
}
