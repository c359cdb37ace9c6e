/** Read-only views: `td list` and `td show` (spec §7.5, §8). */
import type Database from 'better-sqlite3';
import {notFound} from './errors.js';
import {latestHandoff} from './activity.js';
import {issueJson, jsonTime, readIssue, SELECT_ISSUE, splitLabels, str, type IssueJson, type IssueRow} from './model.js';
import {sortKeys} from './step.js';
import {mergeMultiValue, normalizeIssueId, normalizePriority, normalizeStatus, normalizeType, STATUSES} from './normalize.js';
import {listReviews} from './reviews.js';

export interface ListFilters {
  ids?: string[];
  status?: string[];
  type?: string[];
  labels?: string[];
  priority?: string;
  parent?: string;
  search?: string;
  implementer?: string;
  all?: boolean;
  deleted?: boolean;
  sort?: string;
  reverse?: boolean;
  limit?: number;
}

const SORTABLE = new Set(['id', 'title', 'status', 'type', 'priority', 'points', 'created_at', 'updated_at', 'closed_at', 'deleted_at', 'defer_until', 'due_date', 'defer_count']);

export function listIssues(db: Database.Database, f: ListFilters = {}): IssueJson[] {
  const where: string[] = [];
  const args: unknown[] = [];
  where.push(f.deleted ? 'deleted_at IS NOT NULL' : 'deleted_at IS NULL');
  const statuses = mergeMultiValue(f.status);
  if (statuses.includes('all')) {
    /* every status */
  } else if (statuses.length) {
    const s = statuses.map(normalizeStatus);
    where.push(`status IN (${s.map(() => '?').join(',')})`);
    args.push(...s);
  } else if (!f.all && !f.deleted) where.push("status != 'closed'");
  const types = mergeMultiValue(f.type).map(normalizeType);
  if (types.length) {
    where.push(`type IN (${types.map(() => '?').join(',')})`);
    args.push(...types);
  }
  const ids = mergeMultiValue(f.ids).map(normalizeIssueId);
  if (ids.length) {
    where.push(`id IN (${ids.map(() => '?').join(',')})`);
    args.push(...ids);
  }
  if (f.priority) {
    where.push('priority = ?');
    args.push(normalizePriority(f.priority));
  }
  if (f.parent) {
    where.push('parent_id = ?');
    args.push(normalizeIssueId(f.parent));
  }
  if (f.implementer) {
    where.push('implementer_session = ?');
    args.push(f.implementer);
  }
  if (f.search) {
    where.push("(title LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')");
    const like = `%${f.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    args.push(like, like, like);
  }
  const labels = mergeMultiValue(f.labels);
  if (labels.length) {
    // Comma-joined column: match whole labels, any of them (before LIMIT).
    where.push(`(${labels.map(() => "(',' || COALESCE(labels, '') || ',') LIKE ? ESCAPE '\\'").join(' OR ')})`);
    args.push(...labels.map((l) => `%,${l.replace(/[\\%_]/g, (c) => `\\${c}`)},%`));
  }
  const sortCol = f.sort && SORTABLE.has(f.sort) ? f.sort : 'priority';
  let sql = `${SELECT_ISSUE} WHERE ${where.join(' AND ')} ORDER BY ${sortCol} ${f.reverse ? 'DESC' : 'ASC'}`;
  const limit = f.limit ?? 50;
  if (limit > 0) {
    sql += ' LIMIT ?';
    args.push(limit);
  }
  return (db.prepare(sql).all(...args) as IssueRow[]).map(issueJson);
}

/** td's short line: `td-abc123  P1  Title  3pts  task  [open]`. */
export function shortLine(i: IssueJson): string {
  const parts = [i.id, String(i.priority), String(i.title)];
  if (Number(i.points) > 0) parts.push(`${i.points}pts`);
  parts.push(String(i.type), `[${i.status}]`);
  if (i.deleted_at) parts.push('[deleted]');
  return parts.join('  ');
}

export interface ShowResult {
  json: Record<string, unknown>;
  text: string[];
}

export function showIssue(db: Database.Database, rawId: string): ShowResult {
  const id = normalizeIssueId(rawId);
  const row = readIssue(db, id);
  if (!row) throw notFound(id);
  const issue = issueJson(row);
  const reviews = listReviews(db, id).slice(-3);
  const handoff = latestHandoff(db, id);
  // td's GetLogs: the issue's logs plus logs of work sessions tagged with it, oldest first.
  const logs = db
    .prepare(
      `SELECT id, issue_id, session_id, work_session_id, message, type, timestamp FROM logs
       WHERE issue_id = ? OR (issue_id = '' AND work_session_id IN (SELECT work_session_id FROM work_session_issues WHERE issue_id = ?))
       ORDER BY timestamp ASC`,
    )
    .all(id, id) as Array<Record<string, string>>;
  const deps = (db.prepare('SELECT depends_on_id FROM issue_dependencies WHERE issue_id = ?').all(id) as Array<{depends_on_id: string}>).map((r) => r.depends_on_id);
  // td's show --json map (Go map: keys sorted when printed).
  const m: Record<string, unknown> = {
    id: issue.id, title: str(row.title), description: str(row.description), status: row.status, type: row.type, priority: row.priority,
    points: Number(row.points ?? 0), labels: splitLabels(row.labels), parent_id: str(row.parent_id), acceptance: str(row.acceptance),
    implementer_session: str(row.implementer_session), reviewer_session: str(row.reviewer_session),
    review_requested_by_session: str(row.review_requested_by_session), closed_by_session: str(row.closed_by_session),
    created_at: issue.created_at, updated_at: issue.updated_at, minor: issue.minor,
  };
  if (issue.reviewed_at) m.reviewed_at = issue.reviewed_at;
  if (issue.closed_at) m.closed_at = issue.closed_at;
  if (reviews.length) {
    m.review_history = reviews.map((r) => {
      const e: Record<string, unknown> = {
        id: r.id, decision: r.decision, reviewer_session: r.reviewer_session, summary: str(r.summary), created_at: jsonTime(r.created_at),
        requested_by: str(r.requested_by_session), superseded: r.superseded_at !== null, self_review: Number(r.self_review) !== 0, reviewed_by: str(r.reviewed_by),
      };
      if (r.superseded_at !== null) e.superseded_at = jsonTime(r.superseded_at);
      return sortKeys(e);
    });
  }
  if (row.defer_until !== null) m.defer_until = row.defer_until;
  if (row.due_date !== null) m.due_date = row.due_date;
  if (Number(row.defer_count ?? 0) > 0) m.defer_count = Number(row.defer_count);
  m.handoff = handoff
    ? sortKeys({timestamp: jsonTime(handoff.timestamp), session: handoff.session_id, done: handoff.done, remaining: handoff.remaining, decisions: handoff.decisions, uncertain: handoff.uncertain})
    : null;
  m.logs = logs.map((l) => sortKeys({timestamp: jsonTime(l.timestamp), message: l.message, type: l.type, session: l.session_id}));
  const json = sortKeys(m);
  const text = [`${issue.id}: ${issue.title}`, `Status: [${issue.status}]  Type: ${issue.type}  Priority: ${issue.priority}${Number(issue.points) ? `  Points: ${issue.points}` : ''}`];
  if (row.deleted_at) text.push(`Deleted: ${row.deleted_at}`);
  if (issue.labels) text.push(`Labels: ${(issue.labels as string[]).join(', ')}`);
  if (issue.parent_id) text.push(`Parent: ${issue.parent_id}`);
  if (issue.implementer_session) text.push(`Implementer: ${issue.implementer_session}`);
  if (issue.reviewer_session) text.push(`Reviewer: ${issue.reviewer_session}`);
  if (deps.length) text.push(`Depends on: ${deps.join(', ')}`);
  if (issue.description) text.push('', String(issue.description));
  if (issue.acceptance) text.push('', 'Acceptance:', String(issue.acceptance));
  if (handoff) {
    text.push('', `Handoff (${handoff.session_id}):`);
    for (const k of ['done', 'remaining', 'decisions', 'uncertain'] as const) for (const item of handoff[k]) text.push(`  ${k}: ${item}`);
  }
  if (logs.length) {
    text.push('', 'Logs:');
    for (const l of logs.slice(-10)) text.push(`  [${l.type}] ${l.message}`);
  }
  return {json, text};
}

export {STATUSES};

/** `td show a b --json`: td's array of summary maps; unknown ids are skipped. */
export function showSummaries(db: Database.Database, rawIds: string[]): {json: Array<Record<string, unknown>>; missing: string[]} {
  const json: Array<Record<string, unknown>> = [];
  const missing: string[] = [];
  for (const raw of rawIds) {
    const id = normalizeIssueId(raw);
    const row = readIssue(db, id);
    if (!row) {
      missing.push(id);
      continue;
    }
    const e: Record<string, unknown> = {id, title: row.title, status: row.status, priority: row.priority, type: row.type, description: str(row.description)};
    if (row.defer_until !== null) e.defer_until = row.defer_until;
    if (row.due_date !== null) e.due_date = row.due_date;
    if (Number(row.defer_count ?? 0) > 0) e.defer_count = Number(row.defer_count);
    json.push(sortKeys(e));
  }
  return {json, missing};
}

/**
 * `td approve` without ids / with --all under the trusted policy: in-review issues with an
 * implementer, plus (unless record-only) in-review issues carrying an active approval.
 */
export function approvalCandidates(db: Database.Database, includeReadyToClose: boolean): Array<{id: string; title: string}> {
  const ready = includeReadyToClose
    ? " OR EXISTS (SELECT 1 FROM issue_reviews r WHERE r.issue_id = issues.id AND r.superseded_at IS NULL AND r.decision IN ('approved', 'approved_by_parent_cascade'))"
    : '';
  return db
    .prepare(`SELECT id, title FROM issues WHERE deleted_at IS NULL AND status = 'in_review' AND (implementer_session != ''${ready}) ORDER BY priority ASC`)
    .all() as Array<{id: string; title: string}>;
}
