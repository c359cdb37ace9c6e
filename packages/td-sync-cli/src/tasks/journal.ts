/**
 * action_log writers (spec §4.3): one row per logged mutation, written on the caller's connection
 * inside the caller's transaction. Maps that Go marshals from `map[string]any` have their keys in
 * sorted order, as Go's encoder writes them; issue snapshots keep the struct order (model.ts).
 */
import type Database from 'better-sqlite3';
import {newId} from '../store/ids.js';
import {rfc3339Local, rfc3339Seconds, sqliteTime} from '../store/time.js';

/** action_log.timestamp: UTC RFC3339Nano (Go trims trailing zeros of the fraction). */
export function actionTimestamp(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_m, f: string) => (f ? `.${f}Z` : 'Z'));
}

/** A time as Go's JSON encoder writes time.Now(): RFC3339Nano, `Z` for a zero offset. */
export function goTime(d: Date): string {
  return rfc3339Local(d).replace(/[+-]00:00$/, 'Z');
}

/** `t.Format(time.RFC3339)`: seconds, `Z` for a zero offset. */
export function goTimeSeconds(d: Date): string {
  return rfc3339Seconds(d).replace(/[+-]00:00$/, 'Z');
}

/** JSON of a Go map: keys sorted. */
export function goMapJson(map: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(map).sort()) sorted[k] = map[k];
  return JSON.stringify(sorted);
}

export interface ActionRow {
  sessionId: string;
  actionType: string;
  entityType: string;
  entityId: string;
  previousData?: string;
  newData?: string;
  at: Date;
}

export function logAction(db: Database.Database, a: ActionRow): string {
  const id = newId.action();
  db.prepare(
    'INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, previous_data, new_data, timestamp, undone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)',
  ).run(id, a.sessionId, a.actionType, a.entityType, a.entityId, a.previousData ?? '', a.newData ?? '', actionTimestamp(a.at));
  return id;
}

export interface LogEntry {
  id: string;
  issue_id: string;
  session_id: string;
  work_session_id: string;
  message: string;
  type: string;
  timestamp: string;
}

/** A `logs` row and its `create`/`logs` journal row (td's AddLog / addLogEntry). */
export function insertLog(db: Database.Database, issueId: string, sessionId: string, message: string, type: string, at: Date): LogEntry {
  const id = newId.log();
  db.prepare('INSERT INTO logs (id, issue_id, session_id, work_session_id, message, type, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    id, issueId, sessionId, '', message, type, sqliteTime(at),
  );
  const entry: LogEntry = {id, issue_id: issueId, session_id: sessionId, work_session_id: '', message, type, timestamp: goTime(at)};
  logAction(db, {sessionId, actionType: 'create', entityType: 'logs', entityId: id, newData: goMapJson({...entry}), at});
  return entry;
}

/** Local-only `issue_session_history` row (never journaled). Its id uses the issue id generator. */
export function recordSessionAction(db: Database.Database, issueId: string, sessionId: string, action: string, at: Date): void {
  db.prepare('INSERT INTO issue_session_history (id, issue_id, session_id, action, created_at) VALUES (?, ?, ?, ?, ?)').run(
    newId.issue(), issueId, sessionId, action, sqliteTime(at),
  );
}
