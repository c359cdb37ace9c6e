/**
 * Rendering per-id outcomes the way td does: JSON mode prints one document per id (results,
 * no-ops and `{"error":{...}}` lines alike) on stdout; text mode prints result lines on stdout and
 * diagnostics on stderr. Exit status 1 only when nothing succeeded and something failed.
 */
import {redactSecrets} from '../redact.js';
import type {Outcome} from './outcome.js';

export interface RenderIO {
  json: boolean;
  out(text: string): void;
  err(text: string): void;
}

export const stdio = (json: boolean): RenderIO => ({
  json,
  out: (t) => process.stdout.write(redactSecrets(t) + '\n'),
  err: (t) => process.stderr.write(redactSecrets(t) + '\n'),
});

/** Render outcomes; returns the exit status td would use. */
export function renderOutcomes(io: RenderIO, outcomes: Outcome[], summary?: (counts: {done: number; noop: number; failed: number}) => string): number {
  const counts = {done: 0, noop: 0, failed: 0};
  for (const o of outcomes) {
    if (o.kind === 'done') {
      counts.done++;
      for (const w of o.warnings) if (!io.json) io.err(`Warning: ${w}`);
      if (io.json) io.out(JSON.stringify(o.json, null, 2));
      else for (const l of o.lines) io.out(l);
    } else if (o.kind === 'noop') {
      counts.noop++;
      if (io.json) io.out(JSON.stringify(o.json, null, 2));
      else io.err(`Warning: ${o.message}`);
    } else {
      counts.failed++;
      if (io.json) io.out(JSON.stringify({error: {code: o.code, message: o.message}}));
      else io.err(`ERROR: ${o.message}`);
    }
  }
  if (summary && outcomes.length > 1 && !io.json) io.out(`\n${summary(counts)}`);
  return counts.done === 0 && counts.failed > 0 ? 1 : 0;
}
