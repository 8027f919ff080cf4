/**
 * The PBX request budget on virtual time: it keeps every 60 s window under its pace, learns a PBX's
 * lower limit from 429s (with Retry-After, without, with rate-limit headers, sliding or fixed
 * window), probes upward again, and does not over-react to a lone 429. The PBX here is a model of
 * a per-minute limit (as the emulator's `requestsPerMinute`); workers send through the budget the
 * way PbxTransport does: take a slot, wait for the answer, report it, retry a 429.
 */
import { RATE_WINDOW_MS, RequestBudget, type PaceChange, type RateLimitSignals } from '../../lib/pbx/request-budget';
import { rateLimitSignals } from '../../lib/pbx/rate-limit-headers';
import { virtualClock, type VirtualClock } from '../support/virtual-clock';

interface PbxModel {
  /** What the PBX allows per minute; may change during a run. */
  limit: number;
  readonly window: 'sliding' | 'fixed';
  readonly headers: 'retry-after' | 'none' | 'x-ratelimit';
}

interface RunFigures {
  minutes: number;
  refused: number;
  /** Most requests the PBX admitted in any 60 s window. */
  busiestWindow: number;
  changes: PaceChange[];
}

/** A PBX enforcing `model.limit` and `workers` sending `requests` requests through `budget`, each answered after `latencyMs`. */
async function drive(
  budget: RequestBudget,
  clock: VirtualClock,
  model: PbxModel,
  opts: { requests: number; workers?: number; latencyMs?: number; during?: (sent: number) => void },
): Promise<Omit<RunFigures, 'changes'>> {
  const admitted: number[] = [];
  let refused = 0;
  let busiestWindow = 0;
  const start = clock.now();
  const answer = (): { ok: boolean; signals: RateLimitSignals } => {
    const t = clock.now();
    let inWindow: number;
    let resetMs: number;
    if (model.window === 'fixed') {
      const minute = Math.floor(t / RATE_WINDOW_MS);
      inWindow = admitted.filter((a) => Math.floor(a / RATE_WINDOW_MS) === minute).length;
      resetMs = (minute + 1) * RATE_WINDOW_MS - t;
    } else {
      while (admitted.length && admitted[0]! <= t - RATE_WINDOW_MS) admitted.shift();
      inWindow = admitted.length;
      resetMs = (admitted[Math.max(0, inWindow - model.limit)] ?? t) + RATE_WINDOW_MS - t;
    }
    const ok = inWindow < model.limit;
    if (ok) admitted.push(t);
    if (model.window === 'sliding') busiestWindow = Math.max(busiestWindow, admitted.length);
    const headers = new Map<string, string>();
    if (!ok && model.headers !== 'none') headers.set('retry-after', String(Math.max(1, Math.ceil(resetMs / 1000))));
    if (model.headers === 'x-ratelimit') {
      headers.set('x-ratelimit-limit', String(model.limit));
      headers.set('x-ratelimit-remaining', String(model.limit - inWindow - (ok ? 1 : 0)));
      headers.set('x-ratelimit-reset', String(Math.max(1, Math.ceil(resetMs / 1000))));
    }
    return { ok, signals: rateLimitSignals({ get: (n) => headers.get(n) ?? null }, t) };
  };
  let sent = 0;
  const latency = opts.latencyMs ?? 20;
  const worker = async () => {
    while (sent < opts.requests) {
      sent++;
      opts.during?.(sent);
      for (let attempt = 0; ; attempt++) {
        const slot = await budget.take();
        const { ok, signals } = answer();
        await clock.sleep(latency);
        if (ok) {
          budget.answered(slot, signals);
          break;
        }
        refused++;
        budget.refused(slot, signals);
        await clock.sleep(Math.min(signals.retryAfterMs ?? 300 * 2 ** Math.min(attempt, 5), 60_000));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.workers ?? 8 }, worker));
  if (model.window === 'fixed') {
    const perMinute = new Map<number, number>();
    for (const a of admitted) perMinute.set(Math.floor(a / RATE_WINDOW_MS), (perMinute.get(Math.floor(a / RATE_WINDOW_MS)) ?? 0) + 1);
    busiestWindow = Math.max(...perMinute.values());
  }
  return { minutes: (clock.now() - start) / RATE_WINDOW_MS, refused, busiestWindow };
}

async function learn(
  ceiling: number,
  model: PbxModel,
  requests: number,
  during?: (sent: number) => void,
): Promise<RunFigures & { budget: RequestBudget }> {
  const clock = virtualClock();
  const changes: PaceChange[] = [];
  const budget = new RequestBudget(ceiling, { clock, onPaceChange: (c) => changes.push(c) });
  const figures = await drive(budget, clock, model, { requests, during });
  return { ...figures, changes, budget };
}

test('no 60-second window holds more than the budget, wherever it starts', async () => {
  const clock = virtualClock();
  const budget = new RequestBudget(300, clock);
  const start = clock.now();
  const times: number[] = [];
  for (let i = 0; i < 900; i++) {
    budget.answered(await budget.take());
    times.push(clock.now() - start);
  }
  for (let i = 0; i < times.length; i++) {
    const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 60_000).length;
    expect(inWindow).toBeLessThanOrEqual(300);
  }
  // ...and it is not much slower than the limit: 900 requests in about three minutes.
  expect(times.at(-1)!).toBeLessThan(3 * 60_000 * 1.05);
});

describe('a PBX that allows 600 a minute, pbx.requestsPerMinute left at 4,000: 3,000 requests (a 5-minute bound)', () => {
  test.each([
    ['sliding window, Retry-After', { window: 'sliding', headers: 'retry-after' }],
    ['sliding window, a bare 429', { window: 'sliding', headers: 'none' }],
    ['fixed window per clock minute, Retry-After', { window: 'fixed', headers: 'retry-after' }],
    ['fixed window per clock minute, a bare 429', { window: 'fixed', headers: 'none' }],
  ] as const)('%s: learns the limit, few 429s, within 1.15x of the bound', async (_name, reading) => {
    const run = await learn(4000, { limit: 600, ...reading }, 3000);
    expect(run.busiestWindow).toBeLessThanOrEqual(600); // the model refuses beyond; this guards the model
    expect(run.refused).toBeLessThanOrEqual(12);
    expect(run.minutes).toBeLessThanOrEqual(5 * 1.15);
    // The first lowering went straight to about what the PBX accepts.
    const first = run.changes.find((c) => c.reason === 'refused')!;
    expect(first.from).toBe(4000);
    expect(first.to).toBeGreaterThanOrEqual(reading.window === 'fixed' ? 540 : 570);
    expect(first.to).toBeLessThanOrEqual(reading.window === 'fixed' ? 1200 : 600);
    expect(run.budget.perMinute).toBeLessThanOrEqual(reading.window === 'fixed' ? 700 : 640);
  });

  test('rate-limit headers: the advertised limit is taken at once, before any 429', async () => {
    const run = await learn(4000, { limit: 600, window: 'sliding', headers: 'x-ratelimit' }, 3000);
    expect(run.changes[0]).toEqual({ from: 4000, to: 600, reason: 'advertised' });
    expect(run.refused).toBe(0);
    expect(run.minutes).toBeLessThanOrEqual(5 * 1.1);
  });
});

test('eight requests refused at once lower the pace once, not eight times', async () => {
  const run = await learn(4000, { limit: 600, window: 'sliding', headers: 'retry-after' }, 700);
  const refusedChanges = run.changes.filter((c) => c.reason === 'refused');
  expect(refusedChanges).toHaveLength(1);
  expect(run.refused).toBeGreaterThanOrEqual(1);
});

test('a PBX whose limit rises is not starved: the pace climbs back, never above pbx.requestsPerMinute', async () => {
  const model: PbxModel = { limit: 600, window: 'sliding', headers: 'retry-after' };
  // 600 a minute for the first 1,200 requests, then the PBX allows 3,000 (others stopped using it).
  const run = await learn(2000, model, 12_000, (sent) => {
    if (sent === 1200) model.limit = 3000;
  });
  expect(run.changes.some((c) => c.reason === 'probe')).toBe(true);
  expect(run.budget.perMinute).toBeGreaterThan(1000);
  expect(Math.max(...run.changes.map((c) => c.to))).toBeLessThanOrEqual(2000);
});

test('at a learned limit, refused probes come ever more rarely', async () => {
  const run = await learn(4000, { limit: 600, window: 'sliding', headers: 'retry-after' }, 12_000); // a 20-minute bound
  expect(run.refused).toBeLessThanOrEqual(15);
  expect(run.minutes).toBeLessThanOrEqual(20 * 1.1);
});

test('a lone 429 after a handful of requests halves the pace at most: it is no measurement of the limit', async () => {
  const clock = virtualClock();
  const budget = new RequestBudget(4000, clock);
  for (let i = 0; i < 4; i++) budget.answered(await budget.take());
  budget.refused(await budget.take(), { retryAfterMs: 1000 });
  expect(budget.perMinute).toBe(2000);
  const before = clock.now();
  await budget.take();
  expect(clock.now() - before).toBe(1000); // Retry-After held the budget
});

test('a 429 holds every session sharing the budget for Retry-After (capped at a minute and a second)', async () => {
  const clock = virtualClock();
  const budget = new RequestBudget(6000, clock);
  budget.refused(await budget.take(), { retryAfterMs: 7000 });
  const asked = clock.now();
  await Promise.all([budget.take(), budget.take()]);
  expect(clock.now() - asked).toBe(7000);
  budget.refused(await budget.take(), { retryAfterMs: 3_600_000 });
  const again = clock.now();
  await budget.take();
  expect(clock.now() - again).toBe(61_000);
});

test('remaining 0 in an answer holds until the reset, before the PBX has to refuse', async () => {
  const clock = virtualClock();
  const budget = new RequestBudget(6000, clock);
  budget.answered(await budget.take(), { remaining: 0, resetMs: 12_000 });
  const asked = clock.now();
  await budget.take();
  expect(clock.now() - asked).toBe(12_000);
  expect(budget.refusals).toBe(0);
});

describe('rate-limit headers', () => {
  const at = Date.UTC(2026, 0, 5, 9, 0, 0);
  const read = (headers: Record<string, string>) => rateLimitSignals({ get: (n) => headers[n] ?? null }, at);
  test.each([
    ['Retry-After in seconds', { 'retry-after': '7' }, { retryAfterMs: 7000 }],
    ['Retry-After as an HTTP date', { 'retry-after': new Date(at + 30_000).toUTCString() }, { retryAfterMs: 30_000 }],
    [
      'X-RateLimit-*, reset in seconds',
      { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '12' },
      { limitPerMinute: 600, remaining: 0, resetMs: 12_000 },
    ],
    [
      'X-RateLimit-Reset as a Unix time',
      { 'x-ratelimit-limit': '600', 'x-ratelimit-reset': String(at / 1000 + 20) },
      { limitPerMinute: 600, resetMs: 20_000 },
    ],
    ['X-Rate-Limit-* spelling', { 'x-rate-limit-limit': '1000', 'x-rate-limit-remaining': '5' }, { limitPerMinute: 1000, remaining: 5 }],
    [
      'RateLimit-* (draft -06) with a window of 10 s',
      { 'ratelimit-limit': '100, 100;w=10', 'ratelimit-remaining': '3', 'ratelimit-reset': '4' },
      { limitPerMinute: 600, remaining: 3, resetMs: 4000 },
    ],
    [
      'RateLimit-Policy and RateLimit (draft -07 on)',
      { 'ratelimit-policy': '"minute";q=5000;w=60', ratelimit: '"minute";r=0;t=9' },
      { limitPerMinute: 5000, remaining: 0, resetMs: 9000 },
    ],
    ['nothing', {}, {}],
    ['garbage', { 'retry-after': 'soon', 'x-ratelimit-limit': 'lots' }, {}],
    ['a limit of 0 and a negative reset', { 'x-ratelimit-limit': '0', 'x-ratelimit-reset': '-5' }, {}],
    ['a Retry-After date in the past', { 'retry-after': new Date(at - 30_000).toUTCString() }, { retryAfterMs: 0 }],
  ])('%s', (_name, headers, expected) => {
    expect(read(headers)).toEqual(expected);
  });
});
