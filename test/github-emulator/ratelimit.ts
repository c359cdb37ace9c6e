import type {EmulatorLimits} from './limits.js';

/**
 * GitHub's GraphQL rate limits per user (spec §3.1, §3.2):
 * - primary: `primaryPoints` per window; the window opens at the first charged request and resets
 *   `primaryWindowMs` later (`x-ratelimit-reset`, epoch seconds);
 * - secondary: points per minute (1 per query request, 5 per request with mutations), content
 *   creation per minute and per hour (web UI actions count too), and concurrent requests.
 */
export interface PrimaryState {
  limit: number;
  used: number;
  remaining: number;
  /** Epoch seconds. */
  reset: number;
}

export class RateLimits {
  private readonly primary = new Map<string, {start: number; used: number}>();
  private readonly points = new Map<string, Array<{at: number; points: number}>>();
  private readonly content = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly limits: EmulatorLimits,
    private readonly nowMs: () => number,
  ) {}

  private window(login: string): {start: number; used: number} | undefined {
    const w = this.primary.get(login);
    if (w && this.nowMs() >= w.start + this.limits.primaryWindowMs) {
      this.primary.delete(login);
      return undefined;
    }
    return w;
  }

  primaryState(login: string): PrimaryState {
    const w = this.window(login);
    const limit = this.limits.primaryPoints;
    const used = w?.used ?? 0;
    const start = w?.start ?? this.nowMs();
    return {limit, used, remaining: Math.max(0, limit - used), reset: Math.floor((start + this.limits.primaryWindowMs) / 1000)};
  }

  /** Charge `cost` points; false (and nothing charged) when the budget cannot cover it. */
  chargePrimary(login: string, cost: number): boolean {
    let w = this.window(login);
    const used = w?.used ?? 0;
    if (used + cost > this.limits.primaryPoints) return false;
    if (!w) {
      w = {start: this.nowMs(), used: 0};
      this.primary.set(login, w);
    }
    w.used += cost;
    return true;
  }

  /** Extra points GitHub deducts after a timeout (spec §3.1). */
  penalize(login: string, points: number): void {
    let w = this.window(login);
    if (!w) {
      w = {start: this.nowMs(), used: 0};
      this.primary.set(login, w);
    }
    w.used = Math.min(this.limits.primaryPoints, w.used + points);
  }

  /** Count secondary points for one request; returns seconds to wait when over the per-minute limit. */
  chargeSecondaryPoints(login: string, points: number): {ok: true} | {ok: false; retryAfter: number} {
    const now = this.nowMs();
    const list = (this.points.get(login) ?? []).filter(p => now - p.at < 60_000);
    this.points.set(login, list);
    const sum = list.reduce((s, p) => s + p.points, 0);
    if (sum + points > this.limits.secondaryPointsPerMinute) {
      let freed = 0;
      let wait = 60;
      for (const p of list) {
        freed += p.points;
        if (sum - freed + points <= this.limits.secondaryPointsPerMinute) {
          wait = Math.max(1, Math.ceil((p.at + 60_000 - now) / 1000));
          break;
        }
      }
      return {ok: false, retryAfter: wait};
    }
    list.push({at: now, points});
    return {ok: true};
  }

  /** Seconds until one more piece of content may be created, or 0 when it may be now. */
  contentWait(login: string): number {
    const now = this.nowMs();
    const list = (this.content.get(login) ?? []).filter(t => now - t < 3_600_000);
    this.content.set(login, list);
    const lastMinute = list.filter(t => now - t < 60_000);
    let wait = 0;
    if (lastMinute.length >= this.limits.contentPerMinute) {
      wait = Math.max(wait, Math.ceil((lastMinute[lastMinute.length - this.limits.contentPerMinute]! + 60_000 - now) / 1000));
    }
    if (list.length >= this.limits.contentPerHour) {
      wait = Math.max(wait, Math.ceil((list[list.length - this.limits.contentPerHour]! + 3_600_000 - now) / 1000));
    }
    return wait;
  }

  recordContent(login: string): void {
    const list = this.content.get(login) ?? [];
    list.push(this.nowMs());
    this.content.set(login, list);
  }

  enter(login: string): boolean {
    const n = (this.inFlight.get(login) ?? 0) + 1;
    this.inFlight.set(login, n);
    return n <= this.limits.maxConcurrent;
  }

  leave(login: string): void {
    this.inFlight.set(login, Math.max(0, (this.inFlight.get(login) ?? 1) - 1));
  }
}
