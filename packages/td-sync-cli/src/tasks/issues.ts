/**
 * Issue mutations (create, update, transitions, soft delete, comments), each as td writes it (spec §4.3, §8): the issue row, its journal row(s), the
 * automatic progress log, local session history, cascades. Every function runs one id in one
 * transaction under the write lock (tx.ts) and returns an Outcome for the command to render.
 */
import type {Store} from '../store/open.js';
import {sqliteTime} from '../store/time.js';
import {newId} from '../store/ids.js';
import {TaskError, invalid} from './errors.js';
import {goMapJson, goTime, insertLog, logAction, recordSessionAction} from './journal.js';
import {issueJson, readIssue, type IssueJson, type IssueRow} from './model.js';
import {envelope, fail, mustRead, runStep, sortKeys} from './step.js';
import {
  mergeMultiValue, normalizeIssueId, normalizePoints, normalizePriority, normalizeStatus, normalizeType, parseDateInput, typeFromTitle, validateTitle,
  type IssueType,
} from './normalize.js';
import {attempt, done, noop, type Outcome} from './outcome.js';
import {clearFocusIfNeeded, createdBranch, setFocus} from './session.js';
import {inTransaction, type TaskOptions, type Tx} from './tx.js';
import {isValidTransition} from './workflow.js';
import {cascadeUpParentStatus, supersedeApprovalIfLinked, writeIssue} from './write.js';
import {addDependencyTx, removeDependencyTx} from './deps.js';
import {addHandoffTx, latestHandoff} from './activity.js';

// ---------------------------------------------------------------- create

export interface CreateInput {
  title: string;
  type?: string;
  priority?: string;
  points?: string | number;
  labels?: string[];
  description?: string;
  acceptance?: string;
  parent?: string;
  dependsOn?: string[];
  blocks?: string[];
  minor?: boolean;
  defer?: string;
  due?: string;
  titleMinLength?: number;
  titleMaxLength?: number;
}

export function createIssue(store: Store, input: CreateInput, opts: TaskOptions = {}): {issue: IssueJson; warnings: string[]; json: Record<string, unknown>} {
  const warnings: string[] = [];
  let title = input.title ?? '';
  if (title.trim() === '') throw invalid('title is required');
  let type: IssueType | undefined;
  if (input.type) type = normalizeType(input.type);
  else {
    const fromTitle = typeFromTitle(title);
    type = fromTitle.type;
    title = fromTitle.title;
  }
  const w = validateTitle(title, input.titleMinLength, input.titleMaxLength);
  if (w) warnings.push(w);
  const priority = input.priority ? normalizePriority(input.priority) : 'P2';
  const points = input.points !== undefined && input.points !== '' ? normalizePoints(input.points) : 0;
  const labels = mergeMultiValue(input.labels);
  const parent = input.parent ? normalizeIssueId(input.parent) : '';
  const dependsOn = mergeMultiValue(input.dependsOn).map(normalizeIssueId);
  const blocks = mergeMultiValue(input.blocks).map(normalizeIssueId);
  const deferUntil = input.defer ? parseDateInput(input.defer) : null;
  const dueDate = input.due ? parseDateInput(input.due) : null;

  return inTransaction(store, opts, (tx) => {
    if (parent) mustRead(tx, parent);
    for (const d of [...dependsOn, ...blocks]) mustRead(tx, d);
    const now = sqliteTime(tx.now);
    let id = '';
    for (let attemptNo = 0; ; attemptNo++) {
      id = newId.issue();
      if (!readIssue(tx.db, id)) break;
      if (attemptNo === 2) throw new TaskError('database_error', 'failed to generate unique issue ID after 3 attempts');
    }
    tx.db
      .prepare(
        `INSERT INTO issues (id, title, description, status, type, priority, points, labels, parent_id, acceptance, created_at, updated_at, minor, created_branch, creator_session, defer_until, due_date, defer_count)
         VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
      )
      .run(id, title, input.description ?? '', type ?? 'task', priority, points, labels.join(','), parent, input.acceptance ?? '', now, now, input.minor ? 1 : 0, createdBranch(tx.cwd), tx.session.id, deferUntil, dueDate);
    const issue = issueJson(readIssue(tx.db, id)!);
    logAction(tx.db, {sessionId: tx.session.id, actionType: 'create', entityType: 'issue', entityId: id, previousData: '', newData: JSON.stringify(issue), at: tx.now});
    recordSessionAction(tx.db, id, tx.session.id, 'created', tx.now);
    for (const d of dependsOn) addDependencyTx(tx, id, d);
    for (const b of blocks) addDependencyTx(tx, b, id);
    return {issue, warnings, json: envelope('created', issue)};
  });
}

// ---------------------------------------------------------------- update

export interface UpdateInput {
  title?: string;
  description?: string;
  acceptance?: string;
  append?: boolean;
  type?: string;
  priority?: string;
  points?: string | number;
  labels?: string[];
  sprint?: string;
  parent?: string;
  status?: string;
  minor?: boolean;
  defer?: string;
  due?: string;
  dependsOn?: string[];
  blocks?: string[];
  comment?: string;
  /** Optimistic concurrency: the updated_at the caller loaded. */
  expectedUpdatedAt?: string;
}

export function updateIssue(store: Store, rawId: string, input: UpdateInput, opts: TaskOptions = {}): Outcome {
  const id = normalizeIssueId(rawId);
  return attempt(id, () =>
    inTransaction(store, opts, (tx) => {
      const prev = mustRead(tx, id);
      const changes: Partial<IssueRow> = {};
      const appendTo = (old: string | null, add: string) => (input.append && old ? `${old}\n\n${add}` : add);
      if (input.title !== undefined) {
        if (input.title.trim() === '') throw invalid('title cannot be empty');
        validateTitle(input.title);
        changes.title = input.title.trim();
      }
      if (input.description !== undefined) changes.description = appendTo(prev.description, input.description);
      if (input.acceptance !== undefined) changes.acceptance = appendTo(prev.acceptance, input.acceptance);
      if (input.type !== undefined) changes.type = normalizeType(input.type);
      if (input.priority !== undefined) changes.priority = normalizePriority(input.priority);
      if (input.points !== undefined) changes.points = normalizePoints(input.points);
      if (input.labels !== undefined) changes.labels = mergeMultiValue(input.labels).join(',');
      if (input.sprint !== undefined) changes.sprint = input.sprint;
      if (input.minor !== undefined) changes.minor = input.minor ? 1 : 0;
      if (input.parent !== undefined) {
        const p = input.parent.trim() === '' ? '' : normalizeIssueId(input.parent);
        if (p === id) throw invalid(`issue ${id} cannot be its own parent`);
        if (p) mustRead(tx, p);
        changes.parent_id = p;
      }
      if (input.defer !== undefined) {
        const d = input.defer.trim() === '' ? null : parseDateInput(input.defer);
        if (d && prev.defer_until && d > prev.defer_until) changes.defer_count = Number(prev.defer_count ?? 0) + 1;
        changes.defer_until = d;
      }
      if (input.due !== undefined) changes.due_date = input.due.trim() === '' ? null : parseDateInput(input.due);
      if (input.status !== undefined) {
        // As td's update: only an existing edge (a same-status "transition" is refused too); the
        // status alone changes (closed_at/closed_by are left as they are), plus local history.
        const to = normalizeStatus(input.status);
        if (!isValidTransition(prev.status, to)) throw invalid(`cannot update ${id}: invalid transition from ${prev.status} to ${to}`);
        changes.status = to;
        const hist = prev.status === 'open' && to === 'in_progress' ? 'started' : prev.status === 'in_progress' && to === 'open' ? 'unstarted' : prev.status === 'in_review' && to === 'closed' ? 'reviewed' : '';
        if (hist) recordSessionAction(tx.db, id, tx.session.id, hist, tx.now);
      }
      // Dependency replace sets: remove_dependency rows first, then add_dependency rows (as td).
      if (input.dependsOn !== undefined) replaceDeps(tx, id, mergeMultiValue(input.dependsOn).map(normalizeIssueId), 'depends');
      if (input.blocks !== undefined) replaceDeps(tx, id, mergeMultiValue(input.blocks).map(normalizeIssueId), 'blocks');
      const after = writeIssue(tx, id, changes, 'update', {expectedUpdatedAt: input.expectedUpdatedAt});
      if (input.comment) addCommentRow(tx, id, input.comment);
      const issue = issueJson(after);
      return done(id, envelope('updated', issue), [`UPDATED ${id}`]);
    }),
  );
}

/** td's replace: remove every existing edge (remove_dependency rows), then add the new set. */
function replaceDeps(tx: Tx, id: string, wanted: string[], side: 'depends' | 'blocks'): void {
  for (const w of wanted) mustRead(tx, w);
  const current = (side === 'depends'
    ? tx.db.prepare('SELECT depends_on_id AS other FROM issue_dependencies WHERE issue_id = ? ORDER BY rowid').all(id)
    : tx.db.prepare('SELECT issue_id AS other FROM issue_dependencies WHERE depends_on_id = ? ORDER BY rowid').all(id)) as Array<{other: string}>;
  for (const {other} of current) side === 'depends' ? removeDependencyTx(tx, id, other) : removeDependencyTx(tx, other, id);
  for (const other of wanted) side === 'depends' ? addDependencyTx(tx, id, other) : addDependencyTx(tx, other, id);
}

// ---------------------------------------------------------------- transitions

export function startIssue(store: Store, rawId: string, o: {reason?: string; force?: boolean; focus?: boolean} = {}, opts: TaskOptions = {}): Outcome {
  return runStep(store, rawId, opts, (tx, issue) => {
    const id = issue.id;
    if (issue.status === 'in_progress') {
      if (issue.implementer_session === tx.session.id) return noop(id, issue.status, 'already started');
      const who = issue.implementer_session ? ` under session ${issue.implementer_session}` : ' with no recorded implementer';
      return fail(id, 'invalid_input', `cannot start ${id}: already in_progress${who}`);
    }
    if (!isValidTransition(issue.status, 'in_progress')) return fail(id, 'invalid_input', `cannot start ${id}: invalid transition from ${issue.status}`);
    if (issue.status === 'blocked' && !o.force) return fail(id, 'invalid_input', `cannot start blocked issue: ${id} (use --force to override)`);
    const after = writeIssue(tx, id, {status: 'in_progress', implementer_session: tx.session.id}, 'start');
    recordSessionAction(tx.db, id, tx.session.id, 'started', tx.now);
    insertLog(tx.db, id, tx.session.id, o.reason || 'Started work', 'progress', tx.now);
    if (o.focus) setFocus(tx.db, tx.session, id, tx.now);
    return done(id, envelope('started', issueJson(after), {session: tx.session.id}), [`STARTED ${id} (session: ${tx.session.id})`]);
  });
}

export function unstartIssue(store: Store, rawId: string, o: {reason?: string} = {}, opts: TaskOptions = {}): Outcome {
  return runStep(store, rawId, opts, (tx, issue) => {
    const id = issue.id;
    if (issue.status === 'open' && !issue.implementer_session) return noop(id, issue.status, 'already unstarted');
    if (issue.status !== 'open') {
      if (!isValidTransition(issue.status, 'open')) return fail(id, 'invalid_input', `cannot unstart ${id}: invalid transition from ${issue.status}`);
      if (issue.status !== 'in_progress') return fail(id, 'invalid_input', `issue not in_progress: ${id} (status: ${issue.status})`);
    }
    const after = writeIssue(tx, id, {status: 'open', implementer_session: ''}, 'reopen');
    recordSessionAction(tx.db, id, tx.session.id, 'unstarted', tx.now);
    insertLog(tx.db, id, tx.session.id, o.reason || 'Reverted to open', 'progress', tx.now);
    return done(id, envelope('unstarted', issueJson(after)), [`UNSTARTED ${id} → open`]);
  });
}

export function blockIssue(store: Store, rawId: string, o: {reason?: string} = {}, opts: TaskOptions = {}): Outcome {
  return runStep(store, rawId, opts, (tx, issue) => {
    const id = issue.id;
    if (issue.status === 'blocked') return noop(id, issue.status, 'already blocked');
    if (!isValidTransition(issue.status, 'blocked')) return fail(id, 'invalid_input', `cannot block ${id}: invalid transition from ${issue.status}`);
    const after = writeIssue(tx, id, {status: 'blocked'}, 'block');
    insertLog(tx.db, id, tx.session.id, o.reason ? `Blocked: ${o.reason}` : 'Blocked', 'blocker', tx.now);
    return done(id, envelope('blocked', issueJson(after), o.reason ? {reason: o.reason} : {}), [`BLOCKED ${id}`]);
  });
}

export function unblockIssue(store: Store, rawId: string, o: {reason?: string} = {}, opts: TaskOptions = {}): Outcome {
  return runStep(store, rawId, opts, (tx, issue) => {
    const id = issue.id;
    if (issue.status === 'open') return noop(id, issue.status, 'already unblocked');
    if (!isValidTransition(issue.status, 'open')) return fail(id, 'invalid_input', `cannot unblock ${id}: invalid transition from ${issue.status}`);
    if (issue.status !== 'blocked') return fail(id, 'invalid_input', `${id} is not blocked (status: ${issue.status})`);
    const after = writeIssue(tx, id, {status: 'open', implementer_session: ''}, 'unblock');
    insertLog(tx.db, id, tx.session.id, o.reason ? `Unblocked: ${o.reason}` : 'Unblocked', 'progress', tx.now);
    return done(id, envelope('unblocked', issueJson(after)), [`UNBLOCKED ${id}`]);
  });
}

export function reopenIssue(store: Store, rawId: string, o: {reason?: string} = {}, opts: TaskOptions = {}): Outcome {
  return runStep(store, rawId, opts, (tx, issue) => {
    const id = issue.id;
    if (issue.status === 'open') return noop(id, issue.status, 'already reopened');
    if (!isValidTransition(issue.status, 'open')) return fail(id, 'invalid_input', `cannot reopen ${id}: invalid transition from ${issue.status}`);
    if (issue.status !== 'closed') return fail(id, 'invalid_input', `${id} is not closed (status: ${issue.status})`);
    const after = writeIssue(tx, id, {status: 'open', reviewer_session: '', closed_at: null, implementer_session: ''}, 'reopen');
    insertLog(tx.db, id, tx.session.id, o.reason ? `Reopened: ${o.reason}` : 'Reopened', 'progress', tx.now);
    return done(id, envelope('reopened', issueJson(after)), [`REOPENED ${id}`]);
  });
}

/** Submit one issue for review (td's submitIssueForReview): no handoff checks, no cascades. */
function submitForReview(tx: Tx, issue: IssueRow, logMsg: string, minor: boolean): IssueRow {
  const id = issue.id;
  if (issue.status === 'in_review') throw invalid(`cannot review ${id}: already in review\n  Already in review: td approve ${id}`);
  if (!isValidTransition(issue.status, 'in_review')) throw invalid(`cannot review ${id}: cannot transition ${id} from ${issue.status} to in_review: transition not allowed`);
  const changes: Partial<IssueRow> = {status: 'in_review', review_requested_by_session: tx.session.id};
  if (!issue.implementer_session) changes.implementer_session = tx.session.id;
  if (minor) changes.minor = 1;
  const after = writeIssue(tx, id, changes, 'review', {expectedStatus: issue.status});
  insertLog(tx.db, id, tx.session.id, logMsg, 'progress', tx.now);
  return after;
}

function descendants(tx: Tx, id: string, statuses: string[]): IssueRow[] {
  const out: IssueRow[] = [];
  const seen = new Set<string>([id]);
  const queue = [id];
  while (queue.length) {
    const p = queue.shift()!;
    for (const c of tx.db.prepare('SELECT id FROM issues WHERE parent_id = ? AND deleted_at IS NULL').all(p) as Array<{id: string}>) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      queue.push(c.id);
      const row = readIssue(tx.db, c.id)!;
      if (statuses.includes(row.status)) out.push(row);
    }
  }
  return out;
}

export function reviewIssue(store: Store, rawId: string, o: {reason?: string; minor?: boolean} = {}, opts: TaskOptions = {}): Outcome {
  return runStep(store, rawId, opts, (tx, issue) => {
    const id = issue.id;
    const warnings: string[] = [];
    if (!o.minor && !latestHandoff(tx.db, id)) {
      addHandoffTx(tx, id, autoReviewHandoff(tx, id), {touch: false});
      warnings.push(`auto-created minimal handoff for ${id} - consider using 'td handoff' for better documentation`);
    }
    let after: IssueRow;
    try {
      after = submitForReview(tx, issue, o.reason || 'Submitted for review', !!o.minor);
    } catch (e) {
      return fail(id, 'database_error', (e as Error).message);
    }
    const lines = [`REVIEW REQUESTED ${id} (session: ${tx.session.id})`];
    let cascaded = 0;
    for (const child of descendants(tx, id, ['open', 'in_progress'])) {
      submitForReview(tx, child, `Cascaded review from ${id}`, false);
      cascaded++;
    }
    if (cascaded) lines.push(`  + ${cascaded} descendant(s) also marked for review`);
    for (const p of cascadeUpParentStatus(tx, id, 'in_review')) lines.push(`  ↑ Parent ${p} auto-cascaded to in_review`);
    clearFocusIfNeeded(tx.db, tx.session, id, tx.now);
    after = readIssue(tx.db, id)!;
    return done(id, sortKeys({action: 'review_requested', id, status: after.status, session: tx.session.id}), lines, warnings);
  });
}

const ROUTINE = new Set(['started work', 'submitted for review', 'approved', 'rejected', 'closed']);
const ROUTINE_PREFIXES = ['submitted for review via ', 'approved: ', 'rejected: ', 'closed: ', 'cascaded review from ', 'auto-unblocked ('];

/** td's newAutoReviewHandoff: substantive log lines become `done`/`decisions`. */
function autoReviewHandoff(tx: Tx, id: string): {done: string[]; remaining: string[]; decisions: string[] | null; uncertain: string[]} {
  const logs = (tx.db.prepare('SELECT message, type FROM logs WHERE issue_id = ? ORDER BY timestamp DESC LIMIT 50').all(id) as Array<{message: string; type: string}>).reverse();
  let doneItems: string[] = [];
  const decisions: string[] = [];
  for (const l of logs) {
    const msg = l.message.trim();
    if (!msg) continue;
    const norm = msg.toLowerCase();
    const routine = (l.type === 'progress' || l.type === 'orchestration') && (ROUTINE.has(norm) || ROUTINE_PREFIXES.some((p) => norm.startsWith(p)));
    if (routine) continue;
    if (l.type === 'decision') decisions.push(msg);
    else doneItems.push(msg);
  }
  if (doneItems.length > 8) doneItems = doneItems.slice(-8);
  const synthesized = doneItems.length > 0;
  return {
    done: synthesized ? doneItems : ['Auto-generated for review submission'],
    remaining: synthesized ? ['see session logs'] : [],
    decisions: decisions.length ? decisions : null,
    uncertain: [],
  };
}

// ---------------------------------------------------------------- soft delete / restore

export function deleteIssue(store: Store, rawId: string, opts: TaskOptions = {}): Outcome {
  return runStep(store, rawId, opts, (tx, issue) => {
    const id = issue.id;
    if (issue.deleted_at) return noop(id, issue.status, 'already deleted');
    const at = sqliteTime(tx.now);
    tx.db.prepare('UPDATE issues SET deleted_at = ?, updated_at = ? WHERE id = ?').run(at, at, id);
    logAction(tx.db, {sessionId: tx.session.id, actionType: 'delete', entityType: 'issue', entityId: id, previousData: JSON.stringify(issueJson(issue)), newData: '', at: tx.now});
    return done(id, envelope('deleted', issueJson(readIssue(tx.db, id)!)), [`DELETED ${id}`]);
  });
}

export function restoreIssue(store: Store, rawId: string, opts: TaskOptions = {}): Outcome {
  return runStep(store, rawId, opts, (tx, issue) => {
    const id = issue.id;
    if (!issue.deleted_at) return noop(id, issue.status, 'already restored', `${id} is not deleted`);
    tx.db.prepare('UPDATE issues SET deleted_at = NULL, updated_at = ? WHERE id = ?').run(sqliteTime(tx.now), id);
    const after = readIssue(tx.db, id)!;
    logAction(tx.db, {sessionId: tx.session.id, actionType: 'restore', entityType: 'issue', entityId: id, previousData: JSON.stringify(issueJson(issue)), newData: JSON.stringify(issueJson(after)), at: tx.now});
    return done(id, envelope('restored', issueJson(after)), [`RESTORED ${id}`]);
  });
}

// ---------------------------------------------------------------- comments

export function addCommentRow(tx: Tx, issueId: string, text: string): Record<string, unknown> {
  const id = newId.comment();
  tx.db.prepare('INSERT INTO comments (id, issue_id, session_id, text, created_at) VALUES (?, ?, ?, ?, ?)').run(id, issueId, tx.session.id, text, sqliteTime(tx.now));
  const map = {id, issue_id: issueId, session_id: tx.session.id, text, created_at: goTime(tx.now)};
  logAction(tx.db, {sessionId: tx.session.id, actionType: 'create', entityType: 'comments', entityId: id, previousData: '', newData: goMapJson(map), at: tx.now});
  return map;
}

export function addComment(store: Store, rawId: string, text: string, opts: TaskOptions = {}): Outcome {
  if (!text || text.trim() === '') throw invalid('comment text is required');
  return runStep(store, rawId, opts, (tx, issue) => {
    const comment = addCommentRow(tx, issue.id, text);
    return done(issue.id, sortKeys({action: 'commented', id: issue.id, comment}), [`COMMENT ADDED ${issue.id}`]);
  });
}

export {supersedeApprovalIfLinked};
