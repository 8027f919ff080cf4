/**
 * RequestBudget: the requests a whole gwkit run may send to one PBX, shared by all its sessions
 * and workers, so that a fleet stays under PortSIP's API rate limit instead of bouncing off 429s.
 *
 * PortSIP limits API requests per minute (`[apigateway] access_limit`: 1,000 before v16.2, 5,000
 * since, 10,000 since v22.1.7, or whatever the PBX's owner set; docs/portsip-api.md), and tells a
 * client nothing about it until it answers 429. So the budget starts at `pbx.requestsPerMinute` (a
 * ceiling it never exceeds) and learns the PBX's real limit from its answers:
 *
 * - Pace: a token bucket (a burst of one second's share, then a steady pace) and a log of this
 *   run's requests, so that no 60-second window holds more than the current pace, also across a
 *   change of pace.
 * - A 429 lowers the pace to what the PBX accepted from us in the minute before it (the requests
 *   answered, not refused): a sliding or fixed one-minute limit refuses exactly when that many are
 *   in its window. Only one lowering per pace: refusals of requests sent before the last lowering
 *   say nothing about the new pace. Bounds: never below half the pace when fewer than
 *   MIN_TRUSTED_ESTIMATE were accepted (a lone 429 from an overloaded gateway is no measurement),
 *   and always at least 3% lower (a refusal at our own ceiling means the PBX allows less).
 * - Nobody sends until the PBX may take it again: `Retry-After` when given, else (a trusted
 *   estimate) until enough of our own accepted requests have left the minute.
 * - RateLimit-* / X-RateLimit-* headers (not documented by PortSIP; other gateways in front of a
 *   PBX send them): an advertised limit caps the pace; `remaining: 0` holds until the reset.
 * - After a quiet minute spent at the pace, it probes upward by 2.5% of the ceiling (at most 10%
 *   of the pace); a probe the PBX refuses doubles the wait before the next one (up to 16
 *   minutes), so a run at a learned limit draws a 429 rarely, and a PBX whose limit is higher
 *   than learned is not starved.
 *
 * All timing goes through the injected Clock.
 */
import { systemClock, type Clock } from '../clock';

/** The window PortSIP's limit counts in. */
export const RATE_WINDOW_MS = 60_000;
/** Our own log keeps requests this much longer: the PBX admits a request a little after we send it. */
const TRANSIT_MARGIN_MS = 1_000;
/** Fewer accepted requests than this in the minute before a 429 are not taken as the PBX's limit (half the config's minimum). */
export const MIN_TRUSTED_ESTIMATE = 30;
/** A lowering takes at least this much off the pace. */
const MIN_DECREASE = 0.97;
/** Longest hold any single signal can impose (a per-minute limit frees a slot within a minute). */
export const MAX_HOLD_MS = RATE_WINDOW_MS + TRANSIT_MARGIN_MS;
const MAX_PROBE_INTERVAL_MS = 16 * RATE_WINDOW_MS;
/** A probe adds 1/PROBE_STEPS of the ceiling... */
const PROBE_STEPS = 40;
/** ...but at most this fraction of the current pace, so a probe far below the ceiling overshoots by little. */
const MAX_PROBE_STEP = 0.1;

/** What a PBX answer says about its rate limit (lib/pbx/rate-limit-headers.ts reads them). */
export interface RateLimitSignals {
  /** Retry-After, in ms from now. */
  retryAfterMs?: number;
  /** The limit the PBX advertises, per minute. */
  limitPerMinute?: number;
  /** Requests left in the PBX's current window... */
  remaining?: number;
  /** ...and ms until that window resets. */
  resetMs?: number;
}

/** A slot taken from the budget: one request on the wire. Give it back through `answered`, `refused` or `unanswered`. */
export interface BudgetSlot {
  readonly sentAt: number;
  /** Its place in the order of sending (times can tie). */
  readonly seq: number;
}

/** A change of pace, for the run's progress log. */
export interface PaceChange {
  readonly from: number;
  readonly to: number;
  readonly reason: 'refused' | 'advertised' | 'probe';
  /** Requests the PBX accepted from this run in the minute before the refusal. */
  readonly accepted?: number;
}

export interface RequestBudgetOptions {
  clock?: Clock;
  /** Told whenever the pace changes. */
  onPaceChange?: (change: PaceChange) => void;
}

export class RequestBudget {
  /** pbx.requestsPerMinute: never exceeded. */
  readonly ceiling: number;
  private limit: number;
  private capacity = 1;
  private perMs = 0;
  private tokens = 0;
  private refilledAt: number;
  private heldUntil = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly clock: Clock;
  private readonly onPaceChange?: (change: PaceChange) => void;
  /** Send times of this run's requests the PBX may still count (not refused), oldest first, from `head`. */
  private log: number[] = [];
  private head = 0;
  private inFlight = 0;
  /** Slots taken so far. */
  private taken = 0;
  /** Slots up to this one were paced by an older, higher pace. */
  private takenWhenLowered = 0;
  private changedAt: number;
  private probing = false;
  private probeIntervalMs = RATE_WINDOW_MS;
  private advertised = Number.POSITIVE_INFINITY;
  /** 429s answered to this budget's requests. */
  refusals = 0;

  constructor(perMinute: number, options: Clock | RequestBudgetOptions = {}) {
    if (!(perMinute >= 1)) throw new RangeError(`requests per minute must be at least 1 (got ${perMinute})`);
    const opts: RequestBudgetOptions = 'now' in options ? { clock: options } : options;
    this.clock = opts.clock ?? systemClock;
    this.onPaceChange = opts.onPaceChange;
    this.ceiling = perMinute;
    this.limit = perMinute;
    this.setPace(perMinute);
    this.tokens = this.capacity;
    this.refilledAt = this.clock.now();
    this.changedAt = this.refilledAt;
  }

  /** The current pace, requests per minute. */
  get perMinute(): number {
    return this.limit;
  }

  /** Wait for a slot; callers are served in arrival order. */
  take(): Promise<BudgetSlot> {
    const turn = this.queue.then(() => this.nextSlot());
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** Nobody sends before `ms` from now. */
  holdFor(ms: number): void {
    this.heldUntil = Math.max(this.heldUntil, this.clock.now() + Math.min(Math.max(0, ms), MAX_HOLD_MS));
  }

  /** The PBX answered (anything but 429): the request counts in its window. */
  answered(slot: BudgetSlot, signals: RateLimitSignals = {}): void {
    this.inFlight--;
    this.heed(signals);
  }

  /** No answer (timeout, network): the PBX may have counted it, so it stays in the log. */
  unanswered(_slot: BudgetSlot): void {
    this.inFlight--;
  }

  /** The PBX answered 429: it did not count the request, and allows less than we sent. */
  refused(slot: BudgetSlot, signals: RateLimitSignals = {}): void {
    this.inFlight--;
    this.refusals++;
    this.forget(slot.sentAt);
    this.heed(signals);
    const accepted = this.log.length - this.head - this.inFlight;
    if (signals.retryAfterMs !== undefined) this.holdFor(signals.retryAfterMs);
    else if (accepted >= MIN_TRUSTED_ESTIMATE) this.holdUntilBelow(Math.min(accepted, this.limit));
    if (slot.seq <= this.takenWhenLowered) return; // paced by an older pace: already accounted for
    const bounded = accepted >= MIN_TRUSTED_ESTIMATE ? accepted : this.limit / 2;
    const to = Math.max(1, Math.floor(Math.min(bounded, this.limit * MIN_DECREASE)));
    if (this.probing) this.probeIntervalMs = Math.min(this.probeIntervalMs * 2, MAX_PROBE_INTERVAL_MS);
    this.probing = false;
    this.takenWhenLowered = this.taken;
    this.change(to, 'refused', accepted);
  }

  private heed(signals: RateLimitSignals): void {
    if (signals.limitPerMinute !== undefined && signals.limitPerMinute >= 1 && signals.limitPerMinute !== this.advertised) {
      this.advertised = signals.limitPerMinute;
      if (this.limit > this.advertised) this.change(Math.floor(this.advertised), 'advertised');
    }
    if (signals.remaining === 0 && signals.resetMs !== undefined) this.holdFor(signals.resetMs);
  }

  /** Hold until fewer than `count` of our requests are in the PBX's window. */
  private holdUntilBelow(count: number): void {
    const now = this.clock.now();
    this.prune(now);
    const inWindow = this.log.length - this.head;
    if (inWindow < count) return;
    this.holdFor(this.log[this.head + inWindow - count]! + RATE_WINDOW_MS + TRANSIT_MARGIN_MS - now);
  }

  private change(to: number, reason: PaceChange['reason'], accepted?: number): void {
    const from = this.limit;
    this.setPace(to);
    this.changedAt = this.clock.now();
    if (to !== from) this.onPaceChange?.({ from, to, reason, ...(accepted === undefined ? {} : { accepted }) });
  }

  private setPace(perMinute: number): void {
    this.limit = perMinute;
    this.capacity = Math.max(1, Math.floor(perMinute / 60));
    // capacity + rate x 60 s <= perMinute: the bound holds for any window in steady pace.
    this.perMs = Math.max(perMinute - this.capacity, perMinute / 2) / RATE_WINDOW_MS;
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  /** Up by 1% of the ceiling after a quiet interval spent using the pace fully. */
  private maybeProbe(now: number): void {
    if (this.probing && now - this.changedAt >= RATE_WINDOW_MS) this.probing = false; // the last probe held
    const top = Math.min(this.ceiling, this.advertised);
    if (this.limit >= top || now - this.changedAt < this.probeIntervalMs) return;
    if (this.log.length - this.head < this.limit * 0.8) return; // not using the pace: nothing learned by raising it
    this.probing = true;
    const step = Math.max(1, Math.min(Math.ceil(this.ceiling / PROBE_STEPS), Math.ceil(this.limit * MAX_PROBE_STEP)));
    this.change(Math.min(top, this.limit + step), 'probe');
  }

  private prune(now: number): void {
    const oldest = now - RATE_WINDOW_MS - TRANSIT_MARGIN_MS;
    while (this.head < this.log.length && this.log[this.head]! <= oldest) this.head++;
    if (this.head > 1024 && this.head * 2 > this.log.length) {
      this.log = this.log.slice(this.head);
      this.head = 0;
    }
  }

  /** Remove one send at `sentAt` (a refused request takes no place in the PBX's window). */
  private forget(sentAt: number): void {
    const i = this.log.lastIndexOf(sentAt);
    if (i >= this.head) this.log.splice(i, 1);
  }

  private async nextSlot(): Promise<BudgetSlot> {
    for (;;) {
      const now = this.clock.now();
      if (now < this.heldUntil) {
        await this.clock.sleep(this.heldUntil - now);
        continue;
      }
      this.prune(now);
      this.maybeProbe(now);
      const inWindow = this.log.length - this.head;
      if (inWindow >= this.limit) {
        // The last minute already holds the pace (it was lowered): wait until enough have left it.
        await this.clock.sleep(Math.max(1, this.log[this.head + inWindow - this.limit]! + RATE_WINDOW_MS + TRANSIT_MARGIN_MS - now));
        continue;
      }
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) * this.perMs);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        this.log.push(now);
        this.inFlight++;
        return { sentAt: now, seq: ++this.taken };
      }
      await this.clock.sleep(Math.ceil((1 - this.tokens) / this.perMs));
    }
  }
}
