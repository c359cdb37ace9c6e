/** Single-shot operations: `td log`, `td handoff`, `td dep add|rm|list`. */
import type {Store} from '../store/open.js';
import {invalid, notFound} from './errors.js';
import {addHandoffTx, addLogTx, latestHandoff, type HandoffLists} from './activity.js';
import {addDependencyTx, dependenciesOf, dependentsOf, removeDependencyTx} from './deps.js';
import {issueJson, readIssue, type IssueJson} from './model.js';
import {normalizeIssueId, normalizeLogType} from './normalize.js';
import {sortKeys} from './step.js';
import {getFocus} from './session.js';
import {inTransaction, type TaskOptions, type Tx} from './tx.js';

function mustRead(tx: Pick<Tx, 'db'>, id: string) {
  const row = readIssue(tx.db, id);
  if (!row) throw notFound(id);
  return row;
}

/** The focused issue of this session (td's session_state), if any. */
function focusedIssue(tx: Tx): string | undefined {
  return getFocus(tx.db, tx.session);
}

export function addLog(store: Store, rawId: string | undefined, message: string, type = 'progress', opts: TaskOptions = {}) {
  if (!message || message.trim() === '') throw invalid('log message is required');
  const logType = normalizeLogType(type);
  return inTransaction(store, opts, (tx) => {
    const id = rawId ? normalizeIssueId(rawId) : focusedIssue(tx);
    if (!id) throw invalid("no issue specified and no focused issue: use 'td log <id> \"message\"'");
    mustRead(tx, id);
    const log = addLogTx(tx, id, message, logType);
    return {id, log, json: sortKeys({action: 'logged', id, log: {id: log.id, issue_id: log.issue_id, session_id: log.session_id, message: log.message, type: log.type, timestamp: log.timestamp}}), line: `LOGGED ${id}${logType !== 'progress' ? ` [${logType}]` : ''}`};
  });
}

export function addHandoff(store: Store, rawId: string | undefined, lists: HandoffLists, opts: TaskOptions = {}) {
  return inTransaction(store, opts, (tx) => {
    const id = rawId ? normalizeIssueId(rawId) : focusedIssue(tx);
    if (!id) throw invalid("no issue specified and no focused issue: use 'td handoff <id> [message]'");
    mustRead(tx, id);
    const handoff = addHandoffTx(tx, id, lists, {touch: true});
    // Cascade: descendants (open/in_progress) without a handoff get "Cascaded from <id>".
    let cascaded = 0;
    let skipped = 0;
    const queue = [id];
    const seen = new Set(queue);
    while (queue.length) {
      const p = queue.shift()!;
      for (const c of tx.db.prepare('SELECT id, status FROM issues WHERE parent_id = ? AND deleted_at IS NULL').all(p) as Array<{id: string; status: string}>) {
        if (seen.has(c.id)) continue;
        seen.add(c.id);
        queue.push(c.id);
        if (c.status !== 'open' && c.status !== 'in_progress') continue;
        if (latestHandoff(tx.db, c.id)) {
          skipped++;
          continue;
        }
        addHandoffTx(tx, c.id, {done: [`Cascaded from ${id}`]}, {touch: false});
        cascaded++;
      }
    }
    const json: Record<string, unknown> = {action: 'handoff_recorded', id, handoff};
    if (cascaded) json.cascaded = cascaded;
    if (skipped) json.cascade_skipped = skipped;
    return {id, json: sortKeys(json), line: `HANDOFF RECORDED ${id}`};
  });
}

export interface DepAddResult {
  issue: string;
  added: string[];
  existing: string[];
}

export function addDependencies(store: Store, rawIssue: string, rawDeps: string[], opts: TaskOptions = {}): DepAddResult {
  const issue = normalizeIssueId(rawIssue);
  const deps = rawDeps.map(normalizeIssueId);
  if (deps.length === 0) throw invalid('no dependencies specified. Usage: td dep add <issue> <depends-on> or td dep add <issue> --depends-on <id>');
  return inTransaction(store, opts, (tx) => {
    const out: DepAddResult = {issue, added: [], existing: []};
    for (const d of deps) (addDependencyTx(tx, issue, d) === 'added' ? out.added : out.existing).push(d);
    return out;
  });
}

export function removeDependency(store: Store, rawIssue: string, rawDep: string, opts: TaskOptions = {}): {issue: string; dependsOn: string; removed: boolean} {
  const issue = normalizeIssueId(rawIssue);
  const dep = normalizeIssueId(rawDep);
  return inTransaction(store, opts, (tx) => {
    mustRead(tx, issue);
    mustRead(tx, dep);
    return {issue, dependsOn: dep, removed: removeDependencyTx(tx, issue, dep)};
  });
}

export function listDependencies(store: Store, rawIssue: string): {issue: IssueJson; dependencies: IssueJson[]; blocks: IssueJson[]} {
  const id = normalizeIssueId(rawIssue);
  const tx = {db: store.db};
  const issue = mustRead(tx, id);
  const rows = (ids: string[]) => ids.map((d) => readIssue(store.db, d)).filter((r) => r !== undefined).map((r) => issueJson(r!));
  return {issue: issueJson(issue), dependencies: rows(dependenciesOf(tx, id)), blocks: rows(dependentsOf(tx, id))};
}

/** The focused issue (for commands that default to it), read in its own short transaction. */
export function focusedIssueId(store: Store, opts: TaskOptions = {}): string | undefined {
  return inTransaction(store, opts, (tx) => getFocus(tx.db, tx.session));
}
