/**
 * The issue row and its JSON shape (spec §3.2): the Go struct's key order, optional keys omitted
 * when empty, `labels` an array (comma-joined in the column), `minor` a boolean (0/1 in the column),
 * times in RFC3339 with the offset they were stored with.
 */
import type Database from 'better-sqlite3';
import {parseTdTime} from '../store/time.js';

/** An `issues` row as SQLite returns it (NULLs possible in old or synced rows). */
export interface IssueRow {
  id: string;
  title: string;
  description: string | null;
  status: string;
  type: string;
  priority: string;
  points: number | null;
  labels: string | null;
  parent_id: string | null;
  acceptance: string | null;
  sprint: string | null;
  implementer_session: string | null;
  creator_session: string | null;
  reviewer_session: string | null;
  review_requested_by_session: string | null;
  closed_by_session: string | null;
  created_at: string;
  updated_at: string;
  reviewed_at: string | null;
  closed_at: string | null;
  deleted_at: string | null;
  minor: number | null;
  created_branch: string | null;
  defer_until: string | null;
  due_date: string | null;
  defer_count: number | null;
}

export const ISSUE_COLUMNS = [
  'id', 'title', 'description', 'status', 'type', 'priority', 'points', 'labels', 'parent_id', 'acceptance', 'sprint',
  'implementer_session', 'creator_session', 'reviewer_session', 'review_requested_by_session', 'closed_by_session',
  'created_at', 'updated_at', 'reviewed_at', 'closed_at', 'deleted_at', 'minor', 'created_branch',
  'defer_until', 'due_date', 'defer_count',
] as const;

export const SELECT_ISSUE = `SELECT ${ISSUE_COLUMNS.join(', ')} FROM issues`;

export type IssueJson = Record<string, unknown> & {id: string; status: string};

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * A stored DATETIME as Go's JSON encoder writes the parsed value: RFC3339 with the fraction
 * trimmed and the stored offset kept (`Z` for UTC and for zone-less SQLite CURRENT_TIMESTAMP text).
 */
export function jsonTime(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  let s = String(value).trim().replace(/ m=[+-][\d.]+$/, '');
  // Go time.String(): "2026-02-03 20:53:53.519728 -0800 PST" keeps its offset.
  const go = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-]\d{2})(\d{2})(?: \S+)?$/.exec(s);
  if (go) s = `${go[1]}${go[2]}:${go[3]}`;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m) {
    const frac = m[3] ? m[3].replace(/0+$/, '') : '';
    let zone = m[4] ?? 'Z';
    if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
    if (zone === '+00:00' || zone === '-00:00') zone = 'Z';
    return `${m[1]}T${m[2]}${frac ? `.${frac}` : ''}${zone}`;
  }
  const d = parseTdTime(s);
  if (!d) return s;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${d.getUTCMilliseconds() ? `.${pad(d.getUTCMilliseconds(), 3).replace(/0+$/, '')}` : ''}Z`;
}

export const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export function splitLabels(v: string | null | undefined): string[] {
  return v ? v.split(',') : [];
}

/** The issue as td marshals it (action_log payloads and `--json`). */
export function issueJson(row: IssueRow): IssueJson {
  const out: Record<string, unknown> = {id: row.id, title: str(row.title)};
  if (str(row.description)) out.description = row.description;
  out.status = row.status;
  out.type = row.type;
  out.priority = row.priority;
  out.points = Number(row.points ?? 0);
  const labels = splitLabels(row.labels);
  if (labels.length) out.labels = labels;
  if (str(row.parent_id)) out.parent_id = row.parent_id;
  if (str(row.acceptance)) out.acceptance = row.acceptance;
  if (str(row.sprint)) out.sprint = row.sprint;
  out.implementer_session = str(row.implementer_session);
  out.creator_session = str(row.creator_session);
  out.reviewer_session = str(row.reviewer_session);
  if (str(row.review_requested_by_session)) out.review_requested_by_session = row.review_requested_by_session;
  if (str(row.closed_by_session)) out.closed_by_session = row.closed_by_session;
  out.created_at = jsonTime(row.created_at) ?? '0001-01-01T00:00:00Z';
  out.updated_at = jsonTime(row.updated_at) ?? '0001-01-01T00:00:00Z';
  const reviewed = jsonTime(row.reviewed_at);
  if (reviewed) out.reviewed_at = reviewed;
  const closed = jsonTime(row.closed_at);
  if (closed) out.closed_at = closed;
  const deleted = jsonTime(row.deleted_at);
  if (deleted) out.deleted_at = deleted;
  out.minor = Number(row.minor ?? 0) !== 0;
  if (str(row.created_branch)) out.created_branch = row.created_branch;
  if (row.defer_until !== null && row.defer_until !== undefined) out.defer_until = row.defer_until;
  if (row.due_date !== null && row.due_date !== undefined) out.due_date = row.due_date;
  out.defer_count = Number(row.defer_count ?? 0);
  return out as IssueJson;
}

/** The row by id, soft-deleted rows included (td's GetIssue). */
export function readIssue(db: Database.Database, id: string): IssueRow | undefined {
  return db.prepare(`${SELECT_ISSUE} WHERE id = ?`).get(id) as IssueRow | undefined;
}
