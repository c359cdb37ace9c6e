/**
 * td-sync's fixed one-minute windows (spec §10): a window starts at a key's first request and
 * resets once 60 s have passed since then. No Retry-After is ever sent by the real server.
 */
export class FixedWindowLimiter {
  private windows = new Map<string, {start: number; count: number}>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Count one request; false when it exceeds `limit` within the current window. */
  allow(key: string, limit: number): boolean {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      w = {start: t, count: 0};
      this.windows.set(key, w);
    }
    w.count++;
    return w.count <= limit;
  }

  /** Milliseconds until `key`'s window resets (for the stand-in's optional Retry-After). */
  resetInMs(key: string): number {
    const w = this.windows.get(key);
    return w ? Math.max(0, this.windowMs - (this.now() - w.start)) : 0;
  }

  reset(): void {
    this.windows.clear();
  }
}
