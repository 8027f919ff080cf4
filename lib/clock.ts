/**
 * Time as a dependency: transports, sessions and budgets take a Clock so that tests of retries,
 * backoff, pacing and token expiry run on a fake clock instead of waiting on the wall clock.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
