/**
 * The emulator's clock. GitHub's `DateTime` values have one-second resolution, so every timestamp
 * the emulator stores is whole epoch seconds; the clock itself keeps milliseconds for rate-limit
 * windows and `retry-after` arithmetic.
 */
export class Clock {
  private offsetMs = 0;
  private readonly realStart = Date.now();

  constructor(
    private readonly source?: () => Date,
    private readonly startAtMs?: number,
    private readonly frozen = false,
  ) {}

  nowMs(): number {
    if (this.source) return this.source().getTime() + this.offsetMs;
    const base = this.startAtMs ?? this.realStart;
    const elapsed = this.frozen ? 0 : Date.now() - this.realStart;
    return base + elapsed + this.offsetMs;
  }

  /** Whole seconds since the epoch: what a stored GitHub timestamp can hold. */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advanceClock(${ms}): give a finite, non-negative number of milliseconds`);
    this.offsetMs += ms;
  }
}

/** GitHub's DateTime form: ISO-8601 UTC with no fractional seconds, e.g. 2026-11-25T21:30:00Z. */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parse a client-supplied DateTime into epoch seconds (sub-second parts are dropped, as on GitHub). */
export function parseDateTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}
