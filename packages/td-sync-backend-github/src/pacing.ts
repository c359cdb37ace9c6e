/**
 * Write pacing under GitHub's secondary limits: at least `spacingMs` between two mutation
 * requests, and a sliding budget of content-creating mutations per minute and per hour (GitHub
 * counts about 80/min and 500/h, web UI actions included). Short waits happen in place; a wait
 * longer than `maxWaitSeconds` stops the sync with a RateLimitError naming when to retry, and
 * nothing is lost. The history of recent creations is persisted so the hourly budget holds
 * across runs.
 */
import {RateLimitError} from 'td-sync-sdk';

export interface PacerOptions {
  spacingMs: number;
  perMinute: number;
  perHour: number;
  maxWaitSeconds: number;
  now: () => Date;
  /** Creation times (epoch ms) from earlier runs. */
  history?: number[];
  /** Called after each write with the creation times to persist. */
  save?: (history: number[]) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, {once: true});
  });
}

export class Pacer {
  private lastWrite = 0;
  private history: number[];
  waitedMs = 0;

  constructor(private readonly o: PacerOptions) {
    this.history = (o.history ?? []).filter((t) => Number.isFinite(t));
  }

  /** How long until `n` more creations fit both windows (0 = now). */
  delayFor(n: number, at = this.o.now().getTime()): number {
    if (n <= 0) return 0;
    this.history = this.history.filter((t) => at - t < HOUR).sort((a, b) => a - b);
    if (n > this.o.perMinute || n > this.o.perHour) return Infinity;
    const need = (window: number, cap: number) => {
      const inWindow = this.history.filter((t) => at - t < window);
      const excess = inWindow.length + n - cap;
      if (excess <= 0) return 0;
      return inWindow[excess - 1]! + window - at;
    };
    return Math.max(need(MINUTE, this.o.perMinute), need(HOUR, this.o.perHour));
  }

  async beforeWrite(creations: number): Promise<void> {
    const sleep = this.o.sleep ?? defaultSleep;
    const now = this.o.now().getTime();
    let wait = Math.max(0, this.lastWrite + this.o.spacingMs - now);
    const budget = this.delayFor(creations, now);
    if (budget > this.o.maxWaitSeconds * 1000) {
      const retryAt = new Date(now + (Number.isFinite(budget) ? budget : HOUR));
      throw new RateLimitError(
        `paused under GitHub's content-creation limit (${this.o.perMinute}/min, ${this.o.perHour}/h); nothing was lost`,
        retryAt,
        {code: 'github_creation_budget', hint: `run td sync again after ${retryAt.toISOString()}`},
      );
    }
    wait = Math.max(wait, budget);
    if (wait > 0) {
      this.waitedMs += wait;
      await sleep(wait, this.o.signal);
    }
  }

  afterWrite(creations: number): void {
    const now = this.o.now().getTime();
    this.lastWrite = now;
    for (let i = 0; i < creations; i++) this.history.push(now);
    if (creations > 0) this.o.save?.(this.history.slice(-Math.max(this.o.perHour, 1)));
  }

  /** Creations still allowed right now in the tighter window. */
  remaining(at = this.o.now().getTime()): number {
    const inMinute = this.history.filter((t) => at - t < MINUTE).length;
    const inHour = this.history.filter((t) => at - t < HOUR).length;
    return Math.max(0, Math.min(this.o.perMinute - inMinute, this.o.perHour - inHour));
  }
}
