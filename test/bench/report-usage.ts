/**
 * Preloaded into a measured process (`node -r`): on exit, writes its CPU time and peak resident
 * set size as JSON `{"userMs","systemMs","maxRssBytes"}` to the file named by GWKIT_BENCH_USAGE_FILE.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.GWKIT_BENCH_USAGE_FILE;
if (target) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(target, JSON.stringify({ userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000, maxRssBytes: u.maxRSS * 1024 }));
  });
}
