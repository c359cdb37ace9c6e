/**
 * Issue mutations, each as td writes it (spec §4.3, §8): the issue row, its journal row(s), the
 * automatic progress log, local session history, cascades. Every function runs one id in one
 * transaction under the write lock (tx.ts) and returns an Outcome for the command to render.
 */
import type {Store} from '../store/open.js';
import {rfc3339Local, sqliteTime} from '../store/time.js';
import {newId} from '../store/ids.js';
import {TaskError, invalid, notFound} from './errors.js';
import {goMapJson, insertLog, logAction, recordSessionAction} from './journal.js';
import {issueJson, readIssue, type IssueJson, type IssueRow} from './model.js';
import {
  mergeMultiValue, normalizeIssueId, normalizePoints, normalizePriority, normalizeStatus, normalizeType, parseDateInput, typeFromTitle, validateTitle,
  type IssueType,
} from './normalize.js';
import {attempt, done, noop, type Outcome} from './outcome.js';
import {activeApproval, createReview, supersedeActiveReviews} from './reviews.js';
import {clearFocusIfNeeded, createdBranch, setFocus} from './session.js';
import {inTransaction, type TaskOptions, type Tx} from './tx.js';
import {isValidTransition} from './workflow.js';
import {cascadeUnblockDependents, cascadeUpParentStatus, supersedeApprovalIfLinked, writeIssue} from './write.js';
import {addDependencyTx, removeDependencyTx} from './deps.js';
import {addHandoffTx, latestHandoff} from './activity.js';

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

function mustRead(tx: Tx, id: string): IssueRow {
  const row = readIssue(tx.db, id);
  if (!row) throw notFound(id);
  return row;
}

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
    for (const d of dependsOn) addDependencyTx(tx, id, d, {quietDuplicate: true});
    for (const b of blocks) addDependencyTx(tx, b, id, {quietDuplicate: true});
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

type Step = (tx: Tx, issue: IssueRow) => Outcome;

/** Carries a non-write outcome out of the transaction while rolling it back. */
class Rollback extends Error {
  constructor(readonly outcome: Outcome) {
    super('rollback');
  }
}

function runStep(store: Store, rawId: string, opts: TaskOptions, fn: Step): Outcome {
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

const fail = (id: string, code: string, message: string): Outcome => ({kind: 'failed', id, code, message});

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

// ---------------------------------------------------------------- review policy (trusted mode)

function history(tx: Tx, id: string): {involved: boolean; implInvolved: boolean; anyImpl: boolean} {
  const q = (sql: string, ...a: unknown[]) => Number((tx.db.prepare(sql).get(...a) as {n: number}).n) > 0;
  return {
    involved: q('SELECT COUNT(*) AS n FROM issue_session_history WHERE issue_id = ? AND session_id = ?', id, tx.session.id),
    implInvolved: q("SELECT COUNT(*) AS n FROM issue_session_history WHERE issue_id = ? AND session_id = ? AND action IN ('started', 'unstarted')", id, tx.session.id),
    anyImpl: q("SELECT COUNT(*) AS n FROM issue_session_history WHERE issue_id = ? AND action IN ('started', 'unstarted')", id),
  };
}

const TRUSTED_NEEDS_FLAG =
  'you implemented this issue, so approving it needs an attribution. If a sub-agent or another party reviewed it, name them: --reviewed-by "<who>". If you reviewed your own work, say so: --self-review --reason "..."';

export interface ApproveOptions {
  reason?: string;
  reviewedBy?: string;
  selfReview?: boolean;
  recordOnly?: boolean;
  decision?: string;
}

/** Validate approve flags once, before any id (td refuses these with invalid_input). */
export function checkApproveFlags(o: ApproveOptions): void {
  const rb = o.reviewedBy?.trim();
  if (rb !== undefined && o.reviewedBy !== undefined && rb === '') throw invalid('--reviewed-by requires a name (who performed the review?)');
  if (rb && o.selfReview) throw invalid('--reviewed-by and --self-review are mutually exclusive: use --reviewed-by when someone else reviewed the work, --self-review when you reviewed your own');
  if (rb && /[\n\r]|[\u0000-\u0008\u000b-\u001f\u007f]/.test(rb)) throw invalid('--reviewed-by must not contain newlines or control characters');
  if (rb && [...rb].length > 120) throw invalid(`--reviewed-by is limited to 120 characters (got ${[...rb].length})`);
  if (o.decision !== undefined && o.decision !== 'approved' && o.decision !== 'changes_requested') throw invalid(`invalid --decision "${o.decision}" (want approved|changes_requested)`);
  if (o.decision === 'changes_requested' && !o.recordOnly) throw invalid('--decision changes_requested requires --record-only');
}

export function approveIssue(store: Store, rawId: string, o: ApproveOptions = {}, opts: TaskOptions = {}): Outcome {
  const reviewedBy = o.reviewedBy?.trim() ?? '';
  const reason = o.reason ?? '';
  return runStep(store, rawId, opts, (tx, issue) => {
    const id = issue.id;
    const me = tx.session.id;
    if (issue.status === 'closed') return noop(id, issue.status, 'already approved/closed', `already approved/closed ${id}\n  Current status: closed\n  Already approved/closed: td show ${id}`);
    const minor = Number(issue.minor ?? 0) !== 0;
    const h = history(tx, id);
    const isImpl = !!issue.implementer_session && issue.implementer_session === me;
    const eligibility = (): {allowed: boolean; selfReview: boolean; requiresReason: boolean; message?: string} => {
      if (minor) return {allowed: true, selfReview: false, requiresReason: false};
      const implInvolved = h.implInvolved;
      if (!(isImpl || implInvolved)) return {allowed: true, selfReview: false, requiresReason: false};
      if (reviewedBy) return {allowed: true, selfReview: true, requiresReason: false};
      if (o.selfReview) return {allowed: true, selfReview: true, requiresReason: true};
      return {allowed: false, selfReview: false, requiresReason: false, message: `cannot approve: ${TRUSTED_NEEDS_FLAG} (${id})`};
    };
    const active = activeApproval(tx.db, id);

    if (o.recordOnly) {
      const decision = o.decision === 'changes_requested' ? 'changes_requested' : 'approved';
      if (!reason) return fail(id, 'invalid_input', `--record-only requires --reason for ${id}`);
      if (minor) return fail(id, 'invalid_input', `minor issues do not require reviews: ${id}`);
      if (issue.status !== 'in_review') return fail(id, 'database_error', `cannot record review: ${id} is not in review (currently ${issue.status})`);
      if (decision === 'approved' && active) return fail(id, 'database_error', `cannot record approval: ${id} already has an active approval (review ${active.id} by ${active.reviewer_session}) — close it with \`td approve ${id}\``);
      const el = eligibility();
      if (!el.allowed) return fail(id, 'cannot_self_approve', el.message!);
      const prior = active?.id ?? '';
      supersedeActiveReviews(tx.db, id, me, tx.now);
      const reviewId = createReview(tx.db, {issueId: id, reviewerSession: me, decision, summary: reason, requestedBySession: issue.review_requested_by_session ?? '', selfReview: el.selfReview, reviewedBy}, tx.now);
      const changes: Partial<IssueRow> = decision === 'approved' ? {reviewer_session: me, reviewed_at: sqliteTime(tx.now)} : {};
      const after = writeIssue(tx, id, changes, decision === 'approved' ? 'review_approve' : 'review_changes_requested', {expectedStatus: 'in_review', wrapper: {createdReviewId: reviewId, priorActiveReviewId: prior}});
      recordSessionAction(tx.db, id, me, decision === 'approved' ? 'review_approved' : 'review_changes_requested', tx.now);
      const msg = reviewedBy ? `Review recorded (${decision}) by ${reviewedBy}: ${reason}` : `Review recorded (${decision}): ${reason}`;
      insertLog(tx.db, id, me, msg, 'progress', tx.now);
      const extra: Record<string, unknown> = {reviewer: me, decision};
      if (reviewedBy) extra.reviewed_by = reviewedBy;
      if (el.selfReview) extra.self_review = true;
      const line = reviewedBy ? `REVIEW RECORDED ${id} (decision: ${decision}, reviewed by ${reviewedBy}, recorded by ${me})` : `REVIEW RECORDED ${id} (decision: ${decision}, reviewer: ${me})`;
      return done(id, envelope('review_recorded', issueJson(after), extra), [line]);
    }

    // Mode C: close on a recorded approval.
    if (issue.status === 'in_review' && active) {
      if (reviewedBy) {
        return fail(id, 'invalid_input', `--reviewed-by is ignored for ${id}: it already has a recorded approval by ${active.reviewer_session} (review ${active.id}), and this close records no new review`);
      }
      if (active.reviewer_session !== me && !reason) {
        return fail(id, 'invalid_input', `close-using-recorded-approval requires --reason when closer (${me}) != reviewer (${active.reviewer_session}) for ${id}`);
      }
      const after = writeIssue(tx, id, {status: 'closed', closed_by_session: me, closed_at: sqliteTime(tx.now)}, 'close_after_review', {expectedStatus: 'in_review', wrapper: {}});
      recordSessionAction(tx.db, id, me, 'closed', tx.now);
      insertLog(tx.db, id, me, `Closed after review ${active.id} (by ${active.reviewer_session})${reason ? `: ${reason}` : ''}`, 'progress', tx.now);
      clearFocusIfNeeded(tx.db, tx.session, id, tx.now);
      const lines = [`APPROVED ${id} (closed by ${me} using review by ${active.reviewer_session})`];
      const cascaded = cascadeUpParentStatus(tx, id, 'closed');
      for (const p of cascaded) lines.push(`  ↑ Parent ${p} auto-cascaded to closed`);
      for (const d of cascadeUnblockDependents(tx, id)) lines.push(`  ↓ Dependent ${d} auto-unblocked`);
      return done(id, envelope('approved', issueJson(readIssue(tx.db, id)!), {reviewer: active.reviewer_session, closer: me}), lines);
    }

    // Mode A: review + close.
    if (!isValidTransition(issue.status, 'closed')) return fail(id, 'database_error', `cannot approve ${id}: invalid transition from ${issue.status}`);
    const el = eligibility();
    if (!el.allowed) return fail(id, 'cannot_self_approve', el.message!);
    if (el.requiresReason && !reason) return fail(id, 'invalid_input', `--self-review requires --reason for ${id}`);
    if (issue.status !== 'in_review') {
      return fail(id, 'invalid_input', `cannot approve ${id}: status changed from in_review to ${issue.status} in another session\n  Current status: ${issue.status}\n  Submit for review first: td review ${id}`);
    }
    const prior = active?.id ?? '';
    supersedeActiveReviews(tx.db, id, me, tx.now);
    const reviewId = createReview(tx.db, {issueId: id, reviewerSession: me, decision: 'approved', summary: reason, requestedBySession: issue.review_requested_by_session ?? '', selfReview: el.selfReview, reviewedBy}, tx.now);
    const at = sqliteTime(tx.now);
    const after = writeIssue(tx, id, {status: 'closed', reviewer_session: me, closed_by_session: me, reviewed_at: at, closed_at: at}, 'approve', {
      expectedStatus: 'in_review',
      wrapper: {createdReviewId: reviewId, priorActiveReviewId: prior},
    });
    recordSessionAction(tx.db, id, me, 'reviewed', tx.now);
    let logMsg = reason ? `Approved: ${reason}` : 'Approved';
    let logType = 'progress';
    const agent = tx.session.agentType || 'Unknown Agent';
    if (reviewedBy) logMsg = `Approved (reviewed by ${reviewedBy})${reason ? `: ${reason}` : ''}`;
    else if (el.selfReview) {
      logMsg = `[${agent}] Approved (SELF-REVIEW: ${reason})`;
      logType = 'security';
    }
    insertLog(tx.db, id, me, logMsg, logType, tx.now);
    clearFocusIfNeeded(tx.db, tx.session, id, tx.now);
    const line = reviewedBy ? `APPROVED ${id} (reviewed by ${reviewedBy}, recorded by ${me})` : el.selfReview ? `APPROVED ${id} (reviewer: ${me}, self-review)` : `APPROVED ${id} (reviewer: ${me})`;
    const lines = [line];
    for (const p of cascadeUpParentStatus(tx, id, 'closed')) lines.push(`  ↑ Parent ${p} auto-cascaded to closed`);
    for (const d of cascadeUnblockDependents(tx, id)) lines.push(`  ↓ Dependent ${d} auto-unblocked`);
    const extra: Record<string, unknown> = {reviewer: me};
    if (reviewedBy) extra.reviewed_by = reviewedBy;
    if (el.selfReview) extra.self_review = true;
    return done(id, envelope('approved', issueJson(readIssue(tx.db, id) ?? after), extra), lines);
  });
}

export function rejectIssue(store: Store, rawId: string, o: {reason?: string} = {}, opts: TaskOptions = {}): Outcome {
  return runStep(store, rawId, opts, (tx, issue) => {
    const id = issue.id;
    if (issue.status === 'open') return noop(id, issue.status, 'already reopened', `already reopened ${id}\n  Current status: open\n  Already reopened: td show ${id}`);
    if (issue.status !== 'in_review') return fail(id, 'database_error', `cannot reject ${id}: must be in_review (currently ${issue.status})`);
    writeIssue(tx, id, {status: 'open', implementer_session: '', reviewer_session: '', reviewed_at: null, review_requested_by_session: ''}, 'reject', {expectedStatus: 'in_review'});
    insertLog(tx.db, id, tx.session.id, o.reason ? `Rejected: ${o.reason}` : 'Rejected', 'progress', tx.now);
    const json: Record<string, unknown> = {action: 'rejected', id, session: tx.session.id, status: 'open'};
    if (o.reason) json.reason = o.reason;
    return done(id, sortKeys(json), [`REJECTED ${id} → open`]);
  });
}

export interface CloseOptions {
  reason?: string;
  selfCloseException?: string;
  admin?: string;
}

/** `td close`: the admin path, always under td's strict close rule (spec §3.5). */
export function closeIssue(store: Store, rawId: string, o: CloseOptions = {}, opts: TaskOptions = {}): Outcome {
  return runStep(store, rawId, opts, (tx, issue) => {
    const id = issue.id;
    const me = tx.session.id;
    if (issue.status === 'closed') return noop(id, issue.status, 'already closed');
    if (!isValidTransition(issue.status, 'closed')) return fail(id, 'invalid_input', `cannot close ${id}: invalid transition from ${issue.status}`);
    const minor = Number(issue.minor ?? 0) !== 0;
    if (issue.status === 'in_review' && !minor) {
      return fail(id, 'invalid_input', `cannot close ${id}: issue is in review; use 'td approve ${id}' to close reviewed work`);
    }
    const h = history(tx, id);
    const isImpl = !!issue.implementer_session && issue.implementer_session === me;
    const isCreator = !!issue.creator_session && issue.creator_session === me;
    let refusal: string | undefined;
    if (!minor) {
      if (isCreator && issue.status === 'open' && !h.implInvolved && !isImpl) {
        if (h.anyImpl) refusal = `cannot close: ${id} has implementation history and requires review`;
      } else if (isImpl || h.implInvolved) refusal = `cannot close own implementation: ${id}`;
      else if (isCreator) refusal = `cannot close: you created ${id} and it requires review`;
      else if (h.involved) refusal = `cannot close: you previously worked on ${id}`;
    }
    if (refusal && !o.selfCloseException && !o.admin) return fail(id, 'cannot_self_approve', `${refusal}\n  Submit for review: td review ${id}`);
    writeIssue(tx, id, {status: 'closed', closed_by_session: me, closed_at: sqliteTime(tx.now)}, 'close', {expectedStatus: issue.status});
    let logMsg = o.reason ? `Closed: ${o.reason}` : 'Closed';
    let logType = 'progress';
    if (refusal && o.selfCloseException) {
      logMsg = `[${tx.session.agentType || 'Unknown Agent'}] Closed (SELF-CLOSE EXCEPTION: ${o.selfCloseException})`;
      logType = 'security';
    } else if (o.admin) logMsg = `Closed (ADMIN: ${o.admin})`;
    insertLog(tx.db, id, me, logMsg, logType, tx.now);
    clearFocusIfNeeded(tx.db, tx.session, id, tx.now);
    const lines = [refusal && o.selfCloseException ? `CLOSED ${id} (self-close exception)` : `CLOSED ${id}`];
    const parents = cascadeUpParentStatus(tx, id, 'closed');
    for (const p of parents) lines.push(`  ↑ Parent ${p} auto-cascaded to closed`);
    const unblocked = cascadeUnblockDependents(tx, id);
    for (const d of unblocked) lines.push(`  ↓ Dependent ${d} auto-unblocked`);
    const extra: Record<string, unknown> = {session: me, cascaded_parents: parents, unblocked_dependents: unblocked};
    if (refusal && o.selfCloseException) extra.self_close_exception = o.selfCloseException;
    if (o.admin) extra.admin = o.admin;
    return done(id, envelope('closed', issueJson(readIssue(tx.db, id)!), extra), lines);
  });
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
  const map = {id, issue_id: issueId, session_id: tx.session.id, text, created_at: rfc3339Local(tx.now)};
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
