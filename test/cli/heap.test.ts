/**
 * The bound on V8's young generation (cli/support/heap.ts), in a process of its own: a workload
 * that keeps many recent objects alive, as a fleet run's requests in flight do, makes V8 grow the
 * young generation past 32 MB (to 128 MB); with the bound it stays within 32 MB. Counts sizes, not time.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const HEAP_MODULE = join(__dirname, '../../dist/cli/support/heap.js');

/**
 * Allocation in rounds, each object alive for the next 200,000; the rounds yield to the event loop
 * (as a fleet run's I/O does) or run as one synchronous stretch (as reading a large gwkit.yaml does).
 */
const WORKLOAD = `
const v8 = require('node:v8');
const [heapModule, mode] = process.argv.slice(1);
if (heapModule) require(heapModule).boundHeapGrowth();
const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
let max = 0; const keep = new Array(200000); let k = 0;
(async () => {
  for (let round = 0; round < 400; round++) {
    for (let i = 0; i < 5000; i++) keep[k++ % keep.length] = { round, i, text: 'item ' + round + '/' + i };
    if (mode === 'yielding') await new Promise((r) => setImmediate(r));
    max = Math.max(max, young());
  }
  process.stdout.write(String(max / 2 ** 20));
})();
`;

function maxYoungMb(bounded: boolean, mode: 'yielding' | 'synchronous'): number {
  const r = spawnSync(process.execPath, ['-e', WORKLOAD, bounded ? HEAP_MODULE : '', mode], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`workload exited ${r.status}: ${r.stderr}`);
  return Number(r.stdout);
}

describe('boundHeapGrowth', () => {
  test.each(['yielding', 'synchronous'] as const)(
    '%s work: the young generation stays within 32 MB, where V8 alone takes it past',
    (mode) => {
      expect(maxYoungMb(false, mode)).toBeGreaterThan(32);
      expect(maxYoungMb(true, mode)).toBeLessThanOrEqual(32);
    },
  );
});
