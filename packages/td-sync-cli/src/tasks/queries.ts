/** Read-only views: `td list` and `td show` (spec §7.5, §8). */
import type Database from 'better-sqlite3';
import {notFound} from './errors.js';
import {latestHandoff} from './activity.js';
import {issueJson, jsonTime, readIssue, SELECT_ISSUE, splitLabels, type IssueJson, type IssueRow} from './model.js';
import {mergeMultiValue, normalizeIssueId, normalizePriority, normalizeStatus, normalizeType, STATUSES} from './normalize.js';
import {listReviews, reviewJson} from './reviews.js';

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
  const sortCol = f.sort && SORTABLE.has(f.sort) ? f.sort : 'priority';
  let sql = `${SELECT_ISSUE} WHERE ${where.join(' AND ')} ORDER BY ${sortCol} ${f.reverse ? 'DESC' : 'ASC'}`;
  const limit = f.limit ?? 50;
  if (limit > 0) {
    sql += ' LIMIT ?';
    args.push(limit);
  }
  let rows = db.prepare(sql).all(...args) as IssueRow[];
  const labels = mergeMultiValue(f.labels);
  if (labels.length) rows = rows.filter((r) => labels.some((l) => splitLabels(r.labels).includes(l)));
  return rows.map(issueJson);
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
  const reviews = listReviews(db, id).slice(-3).map(reviewJson);
  const handoff = latestHandoff(db, id);
  const logs = db.prepare('SELECT id, issue_id, session_id, work_session_id, message, type, timestamp FROM logs WHERE issue_id = ? ORDER BY timestamp ASC').all(id) as Array<Record<string, string>>;
  const logJson = logs.map((l) => {
    const o: Record<string, unknown> = {id: l.id, issue_id: l.issue_id, session_id: l.session_id};
    if (l.work_session_id) o.work_session_id = l.work_session_id;
    o.message = l.message;
    o.type = l.type;
    o.timestamp = jsonTime(l.timestamp);
    return o;
  });
  const deps = (db.prepare('SELECT depends_on_id FROM issue_dependencies WHERE issue_id = ?').all(id) as Array<{depends_on_id: string}>).map((r) => r.depends_on_id);
  const handoffJson = handoff
    ? (() => {
        const o: Record<string, unknown> = {id: handoff.id, issue_id: handoff.issue_id, session_id: handoff.session_id};
        for (const k of ['done', 'remaining', 'decisions', 'uncertain'] as const) if (handoff[k].length) o[k] = handoff[k];
        o.timestamp = jsonTime(handoff.timestamp);
        return o;
      })()
    : null;
  const json: Record<string, unknown> = {...issue, labels: splitLabels(row.labels), review_history: reviews, handoff: handoffJson, logs: logJson};
  if (deps.length) json.dependencies = deps;
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
