/**
 * issue_reviews rows (spec §2.3, §3.5): append-only; a new decision supersedes the active rows.
 * Every change writes its journal row (`create` / `update` on `issue_reviews`) in the caller's
 * transaction, as td's logged review helpers do.
 */
import type Database from 'better-sqlite3';
import {newId} from '../store/ids.js';
import {sqliteTime} from '../store/time.js';
import {logAction} from './journal.js';
import {jsonTime, str} from './model.js';

export interface ReviewRow {
  id: string;
  issue_id: string;
  reviewer_session: string;
  decision: string;
  summary: string | null;
  requested_by_session: string | null;
  created_at: string;
  superseded_at: string | null;
  self_review: number;
  reviewed_by: string | null;
}

const SELECT_REVIEW = 'SELECT id, issue_id, reviewer_session, decision, summary, requested_by_session, created_at, superseded_at, self_review, reviewed_by FROM issue_reviews';

/** Go's IssueReview JSON (struct order, optional keys omitted). */
export function reviewJson(r: ReviewRow): Record<string, unknown> {
  const out: Record<string, unknown> = {id: r.id, issue_id: r.issue_id, reviewer_session: r.reviewer_session, decision: r.decision};
  if (str(r.summary)) out.summary = r.summary;
  if (str(r.requested_by_session)) out.requested_by_session = r.requested_by_session;
  out.created_at = jsonTime(r.created_at);
  const sup = jsonTime(r.superseded_at);
  if (sup) out.superseded_at = sup;
  out.self_review = Number(r.self_review) !== 0;
  if (str(r.reviewed_by)) out.reviewed_by = r.reviewed_by;
  return out;
}

export function listReviews(db: Database.Database, issueId: string): ReviewRow[] {
  return db.prepare(`${SELECT_REVIEW} WHERE issue_id = ? ORDER BY created_at ASC`).all(issueId) as ReviewRow[];
}

export function activeApproval(db: Database.Database, issueId: string): ReviewRow | undefined {
  return db
    .prepare(`${SELECT_REVIEW} WHERE issue_id = ? AND superseded_at IS NULL AND decision IN ('approved', 'approved_by_parent_cascade') ORDER BY created_at DESC LIMIT 1`)
    .get(issueId) as ReviewRow | undefined;
}

/** Supersede every active row of an issue; one `update`/`issue_reviews` journal row per row. */
export function supersedeActiveReviews(db: Database.Database, issueId: string, sessionId: string, now: Date): number {
  let n = 0;
  for (const before of listReviews(db, issueId)) {
    if (before.superseded_at !== null) continue;
    const at = sqliteTime(now);
    db.prepare('UPDATE issue_reviews SET superseded_at = ? WHERE id = ? AND superseded_at IS NULL').run(at, before.id);
    const after = {...before, superseded_at: at};
    logAction(db, {sessionId, actionType: 'update', entityType: 'issue_reviews', entityId: before.id, previousData: JSON.stringify(reviewJson(before)), newData: JSON.stringify(reviewJson(after)), at: now});
    n++;
  }
  return n;
}

export interface NewReview {
  issueId: string;
  reviewerSession: string;
  decision: 'approved' | 'changes_requested' | 'approved_by_parent_cascade';
  summary: string;
  requestedBySession: string;
  selfReview: boolean;
  reviewedBy: string;
}

export function createReview(db: Database.Database, rv: NewReview, now: Date): string {
  const row: ReviewRow = {
    id: newId.review(), issue_id: rv.issueId, reviewer_session: rv.reviewerSession, decision: rv.decision, summary: rv.summary,
    requested_by_session: rv.requestedBySession, created_at: sqliteTime(now), superseded_at: null, self_review: rv.selfReview ? 1 : 0, reviewed_by: rv.reviewedBy,
  };
  db.prepare(
    'INSERT INTO issue_reviews (id, issue_id, reviewer_session, decision, summary, requested_by_session, created_at, self_review, reviewed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(row.id, row.issue_id, row.reviewer_session, row.decision, row.summary, row.requested_by_session, row.created_at, row.self_review, row.reviewed_by);
  logAction(db, {sessionId: rv.reviewerSession, actionType: 'create', entityType: 'issue_reviews', entityId: row.id, newData: JSON.stringify(reviewJson(row)), at: now});
  return row.id;
}
