/**
 * The SDK's ProgressReporter as a one-line bar on stderr. Drawn only when stderr is a TTY, not in
 * --json mode, and once a phase has lasted long enough to be worth showing (short syncs print
 * nothing); redrawn at most every 100 ms, on ticks and on a timer; erased when done.
 */
import type {ProgressReporter} from 'td-sync-sdk';

export const noProgress: ProgressReporter = {start() {}, tick() {}, done() {}};

export interface BarOptions {
  stream?: {isTTY?: boolean; columns?: number; write(s: string): unknown};
  json?: boolean;
  /** Draw only after a phase has run this long (ms). */
  delayMs?: number;
  now?: () => number;
  /** Redraw on a timer too, so a slow batch (paced writes, a rate-limit wait) still shows life. Default true. */
  timer?: boolean;
}

export function createProgressReporter(options: BarOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY || options.json) return noProgress;
  const now = options.now ?? Date.now;
  const delay = options.delayMs ?? 500;
  let phase = '';
  let total: number | undefined;
  let count = 0;
  let startedAt = 0;
  let lastDraw = -Infinity;
  let drawn = false;
  let interval: ReturnType<typeof setInterval> | undefined;
  const stopTimer = () => {
    if (interval) clearInterval(interval);
    interval = undefined;
  };

  const draw = (force = false) => {
    const t = now();
    if (t - startedAt < delay) return;
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 40));
    let text: string;
    if (total && total > 0) {
      const filled = Math.min(width, Math.round((count / total) * width));
      text = `${phase} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total}`;
    } else text = `${phase} ${count}`;
    text += ` ${Math.floor((t - startedAt) / 1000)}s`;
    stream.write(`\r\x1b[2K${text}`);
    drawn = true;
  };

  return {
    start(name, n) {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
      stopTimer();
      if (options.timer !== false) (interval = setInterval(() => draw(), 250)).unref();
      phase = name;
      total = n;
      count = 0;
      startedAt = now();
      lastDraw = -Infinity;
    },
    tick(n = 1) {
      count += n;
      draw();
    },
    done() {
      stopTimer();
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
