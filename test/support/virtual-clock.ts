/**
 * A Clock whose time moves only when everybody waits: `sleep(ms)` wakes at virtual `now + ms`, and
 * time jumps to the earliest wake-up once the event loop has run everything that was ready and,
 * with `busy`, once nothing is in flight (HTTP requests over loopback take real time, none of the
 * virtual). Concurrent sleepers overlap as they would in real time, so pacing, holds and
 * rate-limit windows can be tested for minutes of virtual time in a few seconds, without flaking
 * on a busy machine.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Clock } from '../../lib/clock';

export interface VirtualClock extends Clock {
  /** Sleepers not yet woken. */
  readonly pending: number;
}

/** Longest real wait for `busy` to clear before time moves anyway (a request stuck on a real timeout). */
const MAX_BUSY_WAIT_MS = 5_000;

export function virtualClock(options: { busy?: () => boolean; start?: number } = {}): VirtualClock {
  let t = options.start ?? Date.UTC(2026, 0, 5, 9, 0, 0);
  const sleepers: { at: number; wake: () => void }[] = [];
  let scheduled = false;
  let busySince: number | undefined;
  const advance = () => {
    scheduled = false;
    if (!sleepers.length) return;
    if (options.busy?.()) {
      busySince ??= Date.now();
      if (Date.now() - busySince < MAX_BUSY_WAIT_MS) {
        scheduled = true;
        setTimeout(advance, 1);
        return;
      }
    }
    busySince = undefined;
    sleepers.sort((a, b) => a.at - b.at);
    t = Math.max(t, sleepers[0]!.at);
    while (sleepers.length && sleepers[0]!.at <= t) sleepers.shift()!.wake();
    schedule();
  };
  const schedule = () => {
    if (scheduled || !sleepers.length) return;
    scheduled = true;
    setImmediate(advance);
  };
  return {
    now: () => t,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        sleepers.push({ at: t + Math.max(0, ms), wake });
        schedule();
      }),
    get pending() {
      return sleepers.length;
    },
  };
}

/**
 * A Clock that moves only when told (`advance`) or slept on: `sleep(ms)` returns at once, `ms`
 * later. For one caller at a time (concurrent sleeps add up instead of overlapping: use
 * virtualClock for those). Give it to the emulator too, so that both sides agree on token ages.
 */
export function manualClock(start = Date.UTC(2026, 0, 5, 9, 0, 0)): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += Math.max(0, ms);
    },
    advance(ms) {
      t += ms;
    },
  };
}

/** HTTP requests of this process (undici, also behind fetch) sent and not yet fully answered. */
export function httpInFlight(): { readonly count: number; close(): void } {
  let count = 0;
  const started = () => void count++;
  const ended = () => void count--;
  subscribe('undici:request:create', started);
  subscribe('undici:request:trailers', ended);
  subscribe('undici:request:error', ended);
  return {
    get count() {
      return count;
    },
    close() {
      unsubscribe('undici:request:create', started);
      unsubscribe('undici:request:trailers', ended);
      unsubscribe('undici:request:error', ended);
    },
  };
}
