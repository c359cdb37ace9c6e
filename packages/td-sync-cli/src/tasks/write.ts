/**
 * td's logged issue write (internal/db/issues_logged.go): supersede an approval the change
 * invalidates, rewrite every column with `updated_at = now`, and journal the full before/after
 * snapshots (or the `{issue, created_review_id?, prior_active_review_id?}` wrapper of the
 * review-aware actions). "Open means unclaimed": landing on `open` clears `implementer_session`.
 */
import {sqliteTime} from '../store/time.js';
import {TaskError} from './errors.js';
import {logAction, insertLog} from './journal.js';
import {issueJson, readIssue, type IssueRow} from './model.js';
import {activeApproval, supersedeActiveReviews} from './reviews.js';
import type {Tx} from './tx.js';

const WRAPPED_ACTIONS = new Set(['approve', 'review_approve', 'review_changes_requested', 'close_after_review']);

export interface WriteOptions {
  /** Journal new_data as td's ReviewUndoPayload wrapper. */
  wrapper?: {createdReviewId?: string; priorActiveReviewId?: string};
  /** Optimistic concurrency: the status the caller saw. */
  expectedStatus?: string;
  /** Optimistic concurrency: the updated_at the caller loaded. */
  expectedUpdatedAt?: string;
}

function reviewInvalidating(prev: IssueRow, next: IssueRow): boolean {
  return (
    (prev.description ?? '') !== (next.description ?? '') ||
    prev.title !== next.title ||
    prev.type !== next.type ||
    prev.priority !== next.priority ||
    Number(prev.minor ?? 0) !== Number(next.minor ?? 0) ||
    (prev.parent_id ?? '') !== (next.parent_id ?? '') ||
    (prev.status === 'in_review' && next.status !== 'in_review' && next.status !== 'closed') ||
    (prev.status === 'closed' && next.status === 'open')
  );
}

/** Apply `changes` to the issue and journal it; returns the row as stored afterwards. */
export function writeIssue(tx: Tx, id: string, changes: Partial<IssueRow>, actionType: string, opts: WriteOptions = {}): IssueRow {
  const {db, session, now} = tx;
  const prev = readIssue(db, id);
  if (!prev) throw new TaskError('not_found', `issue not found: ${id}`);
  if (opts.expectedStatus !== undefined && prev.status !== opts.expectedStatus) {
    throw new TaskError('conflict', `issue ${id} status changed from ${opts.expectedStatus} to ${prev.status}`);
  }
  if (opts.expectedUpdatedAt !== undefined && prev.updated_at !== opts.expectedUpdatedAt) {
    throw new TaskError('conflict', `issue ${id} was modified after it was loaded (loaded updated_at=${opts.expectedUpdatedAt}, current updated_at=${prev.updated_at}): re-read it and apply the change again`);
  }
  const next: IssueRow = {...prev, ...changes, id};
  if (next.status === 'open') next.implementer_session = '';
  if (!WRAPPED_ACTIONS.has(actionType) && reviewInvalidating(prev, next)) supersedeActiveReviews(db, id, session.id, now);

  db.prepare(
    `UPDATE issues SET title = ?, description = ?, status = ?, type = ?, priority = ?, points = ?, labels = ?, parent_id = ?, acceptance = ?, sprint = ?,
       implementer_session = ?, reviewer_session = ?, review_requested_by_session = ?, closed_by_session = ?, updated_at = ?, reviewed_at = ?,
       closed_at = ?, deleted_at = ?, defer_until = ?, due_date = ?, defer_count = ?, creator_session = ?, minor = ?, created_branch = ?
     WHERE id = ?`,
  ).run(
    next.title, next.description ?? '', next.status, next.type, next.priority, next.points ?? 0, next.labels ?? '', next.parent_id ?? '', next.acceptance ?? '', next.sprint ?? '',
    next.implementer_session ?? '', next.reviewer_session ?? '', next.review_requested_by_session ?? '', next.closed_by_session ?? '', sqliteTime(now), next.reviewed_at,
    next.closed_at, next.deleted_at, next.defer_until, next.due_date, next.defer_count ?? 0, next.creator_session ?? '', Number(next.minor ?? 0) ? 1 : 0, next.created_branch ?? '',
    id,
  );
  const after = readIssue(db, id)!;
  let newData: string;
  if (opts.wrapper) {
    const w: Record<string, unknown> = {issue: issueJson(after)};
    if (opts.wrapper.createdReviewId) w.created_review_id = opts.wrapper.createdReviewId;
    if (opts.wrapper.priorActiveReviewId) w.prior_active_review_id = opts.wrapper.priorActiveReviewId;
    newData = JSON.stringify(w);
  } else {
    newData = JSON.stringify(issueJson(after));
  }
  logAction(db, {sessionId: session.id, actionType, entityType: 'issue', entityId: id, previousData: JSON.stringify(issueJson(prev)), newData, at: now});
  return after;
}

/** After a dependency/file/tag change: an active approval no longer covers the issue. */
export function supersedeApprovalIfLinked(tx: Tx, issueId: string): void {
  if (!activeApproval(tx.db, issueId)) return;
  supersedeActiveReviews(tx.db, issueId, tx.session.id, tx.now);
  const cur = readIssue(tx.db, issueId);
  if (cur && (cur.reviewer_session || cur.reviewed_at)) writeIssue(tx, issueId, {reviewer_session: '', reviewed_at: null}, 'update');
}

function directChildren(tx: Tx, parentId: string): IssueRow[] {
  return tx.db.prepare("SELECT id, status FROM issues WHERE parent_id = ? AND deleted_at IS NULL").all(parentId) as IssueRow[];
}

/**
 * Epic cascade up (td's CascadeUpParentStatus): when every direct child of an epic parent is at
 * the target (in_review counts closed too), move the parent, log it, recurse upward; a cascaded
 * close also auto-unblocks the parent's dependents.
 */
export function cascadeUpParentStatus(tx: Tx, issueId: string, target: 'in_review' | 'closed'): string[] {
  const issue = readIssue(tx.db, issueId);
  if (!issue || !issue.parent_id) return [];
  const parent = readIssue(tx.db, issue.parent_id);
  if (!parent || parent.type !== 'epic') return [];
  if (parent.status === target || parent.status === 'closed') return [];
  const children = directChildren(tx, parent.id);
  if (children.length === 0) return [];
  const done = children.every((c) => (target === 'in_review' ? c.status === 'in_review' || c.status === 'closed' : c.status === 'closed'));
  if (!done) return [];
  const changes: Partial<IssueRow> = {status: target};
  if (target === 'closed') changes.closed_at = sqliteTime(tx.now);
  writeIssue(tx, parent.id, changes, target === 'closed' ? 'close' : 'review');
  insertLog(tx.db, parent.id, tx.session.id, `Auto-cascaded to ${target} (all children complete)`, 'progress', tx.now);
  const ids = [parent.id];
  if (target === 'closed') cascadeUnblockDependents(tx, parent.id);
  return ids.concat(cascadeUpParentStatus(tx, parent.id, target));
}

/** Auto-unblock (td's CascadeUnblockDependents): blocked dependents whose dependencies are all closed. */
export function cascadeUnblockDependents(tx: Tx, closedId: string): string[] {
  const dependents = tx.db.prepare('SELECT issue_id FROM issue_dependencies WHERE depends_on_id = ?').all(closedId) as Array<{issue_id: string}>;
  const out: string[] = [];
  for (const {issue_id: depId} of dependents) {
    const issue = readIssue(tx.db, depId);
    if (!issue || issue.status !== 'blocked') continue;
    const deps = tx.db.prepare('SELECT d.depends_on_id AS id, i.status AS status FROM issue_dependencies d LEFT JOIN issues i ON i.id = d.depends_on_id WHERE d.issue_id = ?').all(depId) as Array<{id: string; status: string | null}>;
    if (!deps.every((d) => d.status === 'closed')) continue;
    writeIssue(tx, depId, {status: 'open', implementer_session: ''}, 'unblock');
    insertLog(tx.db, depId, tx.session.id, `Auto-unblocked (dependency ${closedId} closed)`, 'progress', tx.now);
    out.push(depId);
  }
  return out;
}
