/** lib/retry.ts: attempts, waits and giving up, on a manual clock (no real waiting). */
import { retrying, type RetryPolicy } from '../lib/retry';
import { manualClock } from './support/virtual-clock';

/** An attempt that fails with these outcomes in turn ('ok' succeeds with the attempt number), and records when it ran. */
function script(clock: { now(): number }, outcomes: ('ok' | 'busy' | 'broken' | number)[]) {
  const at: number[] = [];
  return {
    at,
    attempt: async (n: number) => {
      at.push(clock.now());
      const o = outcomes[Math.min(n, outcomes.length - 1)]!;
      if (o === 'busy' || o === 'broken') throw new Error(o);
      return o === 'ok' ? n : o;
    },
  };
}

const retryBusy = (outcome: { ok: boolean; error?: unknown }) => !outcome.ok && (outcome.error as Error).message === 'busy';

function policy(over: Partial<RetryPolicy<number>> = {}): RetryPolicy<number> & { clock: ReturnType<typeof manualClock> } {
  const clock = manualClock(0);
  return { clock, initialDelayMs: 100, shouldRetry: retryBusy, ...over } as RetryPolicy<number> & { clock: ReturnType<typeof manualClock> };
}

test('retries what the policy calls retryable, doubling the wait, and gives the value that ends it', async () => {
  const p = policy({ retries: 5 });
  const s = script(p.clock, ['busy', 'busy', 'busy', 'ok']);
  await expect(retrying(s.attempt, p)).resolves.toBe(3);
  expect(s.at).toEqual([0, 100, 300, 700]);
});

test('an outcome the policy does not retry ends it at once: a thrown error is thrown, untouched', async () => {
  const p = policy({ retries: 5 });
  const s = script(p.clock, ['busy', 'broken', 'ok']);
  await expect(retrying(s.attempt, p)).rejects.toThrow('broken');
  expect(s.at).toEqual([0, 100]);
});

test('out of retries: the last outcome stands, an error thrown, a value returned', async () => {
  const p = policy({ retries: 2 });
  const failing = script(p.clock, ['busy']);
  await expect(retrying(failing.attempt, p)).rejects.toThrow('busy');
  expect(failing.at).toHaveLength(3);
  // A value can be worth retrying too (an HTTP 503 answer); once out of retries it is the result.
  const q = policy({ retries: 2, shouldRetry: (o) => o.ok && o.value === 503 });
  await expect(retrying(script(q.clock, [503]).attempt, q)).resolves.toBe(503);
});

test('jitter spreads each backoff wait by ± the fraction', async () => {
  for (const [random, waits] of [
    [0, [75, 150]],
    [1, [125, 250]],
  ] as const) {
    const p = policy({ retries: 2, jitter: 0.25, random: () => random });
    const s = script(p.clock, ['busy', 'busy', 'ok']);
    await retrying(s.attempt, p);
    expect([s.at[1]! - s.at[0]!, s.at[2]! - s.at[1]!]).toEqual(waits);
  }
});

test("the server's wait replaces the backoff; every wait is capped", async () => {
  const hints = [7_000, 250];
  const p = policy({ retries: 3, maxWaitMs: 1_000, serverWaitMs: () => hints.shift() });
  const s = script(p.clock, ['busy', 'busy', 'ok']);
  await retrying(s.attempt, p);
  expect(s.at).toEqual([0, 1_000, 1_250]);
});

test('backoff is capped by maxDelayMs; giveUpAfterMs stops before a wait that would end past it', async () => {
  const p = policy({ initialDelayMs: 2_000, maxDelayMs: 5_000, giveUpAfterMs: 20_000 });
  const s = script(p.clock, ['busy']);
  await expect(retrying(s.attempt, p)).rejects.toThrow('busy');
  // Waits 2, 4, 5, 5 s end at 16 s; the next would end at 21 s.
  expect(s.at).toEqual([0, 2_000, 6_000, 11_000, 16_000]);
  const none = policy({ giveUpAfterMs: 0 });
  const once = script(none.clock, ['busy']);
  await expect(retrying(once.attempt, none)).rejects.toThrow('busy');
  expect(once.at).toEqual([0]);
});

test('a wait of 0 retries at once, without sleeping', async () => {
  const clock = manualClock(0);
  let sleeps = 0;
  const p = policy({ retries: 3, initialDelayMs: 0, clock: { now: clock.now, sleep: async () => void sleeps++ } });
  const s = script(clock, ['busy', 'busy', 'ok']);
  await expect(retrying(s.attempt, p)).resolves.toBe(2);
  expect(sleeps).toBe(0);
});
