/**
 * A timeout for one request that is cleared when the request ends.
 *
 * Why not `AbortSignal.timeout(ms)`: its timer lives for the full `ms` after the answer came, and
 * fetch's abort listener keeps the whole request alive with it. At fleet speed (50 requests a
 * second, 15 s timeouts) that held some 750 finished requests in memory at any time: the peak
 * memory of a rollout grew with its throughput. See docs/performance.md.
 */
export function deadline(ms: number): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  return { signal: controller.signal, done: () => clearTimeout(timer) };
}
