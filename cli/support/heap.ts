/**
 * How far V8 lets the gwkit process's heap grow. A fleet run allocates fast (HTTP requests to the
 * PBX and Google) but keeps little (the fleet, one result per tenant), and V8 sizes its heap for
 * the allocation rate, not for what is kept: left alone, it grows the young generation to 128 MB
 * and lets the old one reach about four times what survived its last full collection. For 10,000
 * tenants that made 500 MB of RSS around 50 MB of live objects (docs/performance.md, "Memory of a large rollout").
 *
 * V8 reads both settings below from its flags each time it sizes the heap, so setting them from
 * inside the process works; `--max-semi-space-size` and `--max-old-space-size` are fixed when the
 * process starts and would need a second process. A Node.js that ignores a flag set here keeps
 * its own sizing: more memory, nothing else.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The next full collection when the old generation has grown by half over what survived the last. */
const OLD_GENERATION_GROWTH_PERCENT = 50;
/** The young generation (both semi-spaces) grows up to this size. */
const YOUNG_GENERATION_MAX_BYTES = 32 * 2 ** 20;

let bounded = false;

/** Bound V8's heap growth for the rest of this process (once; later calls do nothing). */
export function boundHeapGrowth(): void {
  if (bounded) return;
  bounded = true;
  setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
  // The young generation doubles when enough survives its collections. Its size can be looked at
  // only between synchronous stretches of work (after a collection, when the event loop turns),
  // and reading a 10,000-tenant gwkit.yaml is one stretch, which doubled it from 16 to 64 MB. So it
  // starts held (a growth factor of 1) and may double only while doubling stays within the bound.
  setFlagsFromString('--semi-space-growth-factor=1');
  let growing = false;
  const observer = new PerformanceObserver(() => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    const grow = young !== undefined && young.space_size * 2 <= YOUNG_GENERATION_MAX_BYTES;
    if (grow === growing) return;
    growing = grow;
    setFlagsFromString(`--semi-space-growth-factor=${grow ? 2 : 1}`);
  });
  observer.observe({ entryTypes: ['gc'] });
}
