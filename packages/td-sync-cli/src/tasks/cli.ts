/** Glue shared by the task commands: run per-id outcomes, render td-style, exit. */
import type {Store} from '../store/open.js';
import type {Outcome} from './outcome.js';
import {renderOutcomes, stdio} from './render.js';

export interface CommandIO {
  json: boolean;
  store: Store;
  exit(code: number): void;
}

/** Run `fn` for each id, render, exit 1 when nothing succeeded and something failed. */
export function runForIds(io: CommandIO, ids: string[], fn: (store: Store, id: string) => Outcome, summary?: (c: {done: number; noop: number; failed: number}) => string): void {
  const outcomes = ids.map((id) => fn(io.store, id));
  const code = renderOutcomes(stdio(io.json), outcomes, summary);
  if (code !== 0) io.exit(code);
}
