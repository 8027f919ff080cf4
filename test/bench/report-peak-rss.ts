/**
 * Preloaded into a measured process (`node -r`): on exit, writes its peak resident set size
 * (bytes) to the file named by GWKIT_BENCH_RSS_FILE.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.GWKIT_BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS * 1024)));
}
