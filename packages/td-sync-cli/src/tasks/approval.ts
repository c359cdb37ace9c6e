/**
 * td's default "trusted" review policy (spec §3.5, internal/reviewpolicy, cmd/review.go): approve
 * (review + close), record-only reviews, close on a recorded approval, reject, and `td close` under
 * the strict close rule with its two overrides.
 */
import type {Store} from '../store/open.js';
import {sqliteTime} from '../store/time.js';
import {invalid} from './errors.js';
import {insertLog, recordSessionAction} from './journal.js';
import {issueJson, readIssue, type IssueRow} from './model.js';
import {done, noop, type Outcome} from './outcome.js';
import {activeApproval, createReview, supersedeActiveReviews} from './reviews.js';
import {clearFocusIfNeeded} from './session.js';
import {envelope, fail, runStep, sortKeys} from './step.js';
import type {TaskOptions, Tx} from './tx.js';
import {isValidTransition} from './workflow.js';
import {cascadeUnblockDependents, cascadeUpParentStatus, writeIssue} from './write.js';

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
