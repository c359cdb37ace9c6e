/**
 * Backfill (spec §5.3): before a target's first pull, rows written without a journal entry get a
 * synthetic `create` row so they reach the remote, and issues whose journal does not explain their
 * current state get a fresh full-row `create`.
 *
 * One conscious difference from td: a synthetic row counts as the entity's create for every table
 * (td counts only the table's own create-type, so handoffs, boards, positions, dependencies, file
 * links and ws tags were re-backfilled on every push until the first pull, Appendix C.3).
 */
import type Database from 'better-sqlite3';
import {normalizeEntityType, unwrapIssue, type EntityType, type JsonObject} from 'td-sync-sdk';
import {newId, parseTdTime, sqliteTime} from '../store/index.js';
import {rowToJson, tableInfo} from './tables.js';

interface OrphanSpec {
  table: EntityType;
  label: string;
  createTypes: string[];
  filter?: string;
}

const ORPHAN_SPECS: OrphanSpec[] = [
  {table: 'issues', label: 'issue', createTypes: ['create']},
  {table: 'logs', label: 'logs', createTypes: ['create']},
  {table: 'comments', label: 'comments', createTypes: ['create']},
  {table: 'handoffs', label: 'handoff', createTypes: ['handoff']},
  {table: 'boards', label: 'boards', createTypes: ['board_create'], filter: 'is_builtin = 0'},
  {table: 'work_sessions', label: 'work_sessions', createTypes: ['create']},
  {table: 'board_issue_positions', label: 'board_position', createTypes: ['board_set_position', 'board_add_issue'], filter: 'deleted_at IS NULL'},
  {table: 'issue_dependencies', label: 'dependency', createTypes: ['add_dependency']},
  {table: 'issue_files', label: 'file_link', createTypes: ['link_file']},
  {table: 'work_session_issues', label: 'work_session_issues', createTypes: ['work_session_tag']},
  {table: 'issue_reviews', label: 'issue_reviews', createTypes: ['create']},
  {table: 'notes', label: 'notes', createTypes: ['create'], filter: 'deleted_at IS NULL'},
];

const ALIASES: Record<string, string[]> = {};
for (const label of ['issue', 'issues', 'log', 'logs', 'comment', 'comments', 'handoff', 'handoffs', 'board', 'boards', 'board_position', 'board_issue_positions', 'dependency', 'issue_dependencies', 'file_link', 'issue_files', 'work_session', 'work_sessions', 'work_session_issue', 'work_session_issues', 'issue_review', 'issue_reviews', 'note', 'notes']) {
  const canon = normalizeEntityType(label)!;
  (ALIASES[canon] ??= []).push(label);
}

const sqlList = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');

function insertSynthetic(db: Database.Database, sessionId: string, label: string, entityId: string, data: JsonObject, when: Date): void {
  db.prepare(
    "INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, previous_data, new_data, timestamp, undone) VALUES (?, ?, 'create', ?, ?, '', ?, ?, 0)",
  ).run(newId.action(), sessionId, label, entityId, JSON.stringify(data), sqliteTime(when));
}

function firstTime(row: Record<string, unknown>, now: Date): Date {
  for (const k of ['created_at', 'timestamp', 'started_at']) {
    const d = parseTdTime(row[k]);
    if (d) return d;
  }
  return now;
}

/** Orphan backfill. Returns the number of synthetic rows written. */
export function orphanBackfill(db: Database.Database, sessionId: string, now: Date): number {
  let n = 0;
  for (const spec of ORPHAN_SPECS) {
    if (!tableInfo(db, spec.table)) continue;
    const types = [...new Set([...spec.createTypes, 'create'])];
    const sql = `SELECT t.* FROM ${spec.table} t WHERE ${spec.filter ? `t.${spec.filter} AND ` : ''}NOT EXISTS (
      SELECT 1 FROM action_log a WHERE a.entity_id = t.id AND a.undone = 0
        AND lower(a.entity_type) IN (${sqlList(ALIASES[spec.table])}) AND lower(a.action_type) IN (${sqlList(types)}))`;
    for (const row of db.prepare(sql).all() as Array<Record<string, unknown>>) {
      insertSynthetic(db, sessionId, spec.label, String(row.id), rowToJson(db, spec.table, row)!, firstTime(row, now));
      n++;
    }
  }
  return n;
}

interface JournalRow {
  rowid: number;
  action_type: string;
  new_data: string | null;
  timestamp: string;
  undone: number;
}

function statusOf(newData: string | null, unwrap: boolean): string | undefined {
  if (!newData) return undefined;
  try {
    const o = JSON.parse(newData) as JsonObject;
    const d = unwrap ? unwrapIssue(o) : o;
    return typeof d?.status === 'string' ? d.status : undefined;
  } catch {
    return undefined;
  }
}

/** Stale-issue backfill (spec §5.3 and errata 9). Returns the number of synthetic rows written. */
export function staleIssueBackfill(db: Database.Database, sessionId: string): number {
  const journal = db.prepare(
    `SELECT rowid, action_type, new_data, timestamp, undone FROM action_log WHERE entity_id = ? AND lower(entity_type) IN (${sqlList(ALIASES.issues)})`,
  );
  let n = 0;
  for (const issue of db.prepare('SELECT * FROM issues').all() as Array<Record<string, unknown>>) {
    const rows = journal.all(issue.id) as JournalRow[];
    if (rows.length === 0) continue;
    const live = rows.filter((r) => r.undone === 0);
    const lastCreate = Math.max(-1, ...live.filter((r) => r.action_type.toLowerCase() === 'create').map((r) => r.rowid));
    const deletedAfter = live.some((r) => r.action_type.toLowerCase() === 'delete' && r.rowid > lastCreate);
    const newest = [...rows].sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : b.rowid - a.rowid))[0];
    const updated = parseTdTime(issue.updated_at);
    const newestAt = parseTdTime(newest.timestamp);
    const tooNew = !!updated && !!newestAt && updated.getTime() - newestAt.getTime() > 1000;
    const statusDiffers = statusOf(newest.new_data, false) !== issue.status;
    const noneSets = !live.some((r) => statusOf(r.new_data, true) === issue.status);
    if (deletedAfter || tooNew || statusDiffers || noneSets) {
      insertSynthetic(db, sessionId, 'issue', String(issue.id), rowToJson(db, 'issues', issue)!, updated ?? new Date());
      n++;
    }
  }
  return n;
}
