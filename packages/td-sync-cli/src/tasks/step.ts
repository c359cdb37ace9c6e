/**
 * The frame of every per-issue command: normalise the id, open one transaction (tx.ts), read the
 * issue, let the command decide. A no-op or refusal rolls the transaction back (so not even a new
 * session row remains) and comes back as its Outcome.
 */
import type {Store} from '../store/open.js';
import {normalizeIssueId} from './normalize.js';
import {notFound} from './errors.js';
import {readIssue, type IssueJson, type IssueRow} from './model.js';
import {attempt, type Outcome} from './outcome.js';
import {inTransaction, type TaskOptions, type Tx} from './tx.js';

/** td's `{"action","id","status","issue",...extras}` envelope (Go map: keys sorted). */
export function envelope(action: string, issue: IssueJson | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const m: Record<string, unknown> = {action, ...(issue ? {id: issue.id, status: issue.status, issue} : {issue: null}), ...extra};
  return sortKeys(m);
}

export function sortKeys(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k];
  return out;
}

export function mustRead(tx: Tx, id: string): IssueRow {
  const row = readIssue(tx.db, id);
  if (!row) throw notFound(id);
  return row;
}

export type Step = (tx: Tx, issue: IssueRow) => Outcome;

/** Carries a non-write outcome out of the transaction while rolling it back. */
class Rollback extends Error {
  constructor(readonly outcome: Outcome) {
    super('rollback');
  }
}

export function runStep(store: Store, rawId: string, opts: TaskOptions, fn: Step): Outcome {
  let id = rawId;
  try {
    id = normalizeIssueId(rawId);
  } catch {
    return {kind: 'failed', id: rawId, code: 'invalid_input', message: 'issue id is empty'};
  }
  try {
    return inTransaction(store, opts, (tx) => {
      const issue = readIssue(tx.db, id);
      if (!issue) throw new Rollback({kind: 'failed', id, code: 'not_found', message: `issue not found: ${id}`});
      const out = fn(tx, issue);
      if (out.kind !== 'done') throw new Rollback(out);
      return out;
    });
  } catch (e) {
    if (e instanceof Rollback) return e.outcome;
    return attempt(id, () => {
      throw e;
    });
  }
}

export const fail = (id: string, code: string, message: string): Outcome => ({kind: 'failed', id, code, message});
