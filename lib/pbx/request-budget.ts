/**
 * RequestBudget: the requests a whole gwkit run may send to one PBX, shared by all its sessions
 * and workers, so that a fleet stays under PortSIP's API rate limit instead of bouncing off 429s.
 *
 * PortSIP limits API requests per minute (`[apigateway] access_limit`: 5,000 by default since
 * v16.2, 10,000 since v22.1.7; docs/portsip-api.md). The budget is a token bucket sized so that
 * no 60-second window, wherever it starts, holds more than `perMinute` requests: a burst of one
 * second's share, then a steady pace. A 429 still happens when other clients share the PBX; the
 * transport then honours Retry-After and holds the whole budget for that long.
 */
import { systemClock, type Clock } from '../clock';

export class RequestBudget {
  private readonly capacity: number;
  private readonly perMs: number;
  private tokens: number;
  private refilledAt: number;
  private heldUntil = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly perMinute: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(perMinute >= 1)) throw new RangeError(`requests per minute must be at least 1 (got ${perMinute})`);
    this.capacity = Math.max(1, Math.floor(perMinute / 60));
    // capacity + rate x 60 s <= perMinute: the bound holds for any window.
    this.perMs = Math.max(perMinute - this.capacity, perMinute / 2) / 60_000;
    this.tokens = this.capacity;
    this.refilledAt = clock.now();
  }

  /** Wait for a slot; callers are served in arrival order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.nextSlot());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** The PBX said "too many requests, retry after ms": nobody sends before then. */
  holdFor(ms: number): void {
    this.heldUntil = Math.max(this.heldUntil, this.clock.now() + ms);
  }

  private async nextSlot(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      if (now < this.heldUntil) {
        await this.clock.sleep(this.heldUntil - now);
        continue;
      }
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) * this.perMs);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil((1 - this.tokens) / this.perMs));
    }
  }
}
