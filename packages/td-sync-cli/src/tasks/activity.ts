/**
 * Logs, handoffs (spec §4.3). Handoff lists are bound as BLOBs holding JSON, exactly as td's
 * AddHandoff does (Errata 1); a missing list is JSON `null`. Readers accept BLOB or TEXT.
 */
import type Database from 'better-sqlite3';
import {newId} from '../store/ids.js';
import {sqliteTime} from '../store/time.js';
import {goMapJson, goTime, goTimeSeconds, insertLog, logAction, type LogEntry} from './journal.js';
import type {Tx} from './tx.js';
import {writeIssue} from './write.js';

export interface HandoffLists {
  done?: string[] | null;
  remaining?: string[] | null;
  decisions?: string[] | null;
  uncertain?: string[] | null;
}

export interface HandoffRow {
  id: string;
  issue_id: string;
  session_id: string;
  done: string[];
  remaining: string[];
  decisions: string[];
  uncertain: string[];
  timestamp: string;
}

const listJson = (l: string[] | null | undefined) => JSON.stringify(l && l.length ? l : l ?? null);

function parseList(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  const s = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  try {
    const parsed = JSON.parse(s);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

export function latestHandoff(db: Database.Database, issueId: string): HandoffRow | undefined {
  const r = db.prepare('SELECT id, issue_id, session_id, done, remaining, decisions, uncertain, timestamp FROM handoffs WHERE issue_id = ? ORDER BY timestamp DESC LIMIT 1').get(issueId) as
    | Record<string, unknown>
    | undefined;
  if (!r) return undefined;
  return {
    id: String(r.id), issue_id: String(r.issue_id), session_id: String(r.session_id),
    done: parseList(r.done), remaining: parseList(r.remaining), decisions: parseList(r.decisions), uncertain: parseList(r.uncertain),
    timestamp: String(r.timestamp),
  };
}

/** A handoff row + its `handoff`/`handoff` journal row; `touch` also journals td's issue `update`. */
export function addHandoffTx(tx: Tx, issueId: string, lists: HandoffLists, o: {touch: boolean}): Record<string, unknown> {
  const id = newId.handoff();
  const j = {done: listJson(lists.done), remaining: listJson(lists.remaining), decisions: listJson(lists.decisions), uncertain: listJson(lists.uncertain)};
  tx.db
    .prepare('INSERT INTO handoffs (id, issue_id, session_id, done, remaining, decisions, uncertain, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(id, issueId, tx.session.id, Buffer.from(j.done), Buffer.from(j.remaining), Buffer.from(j.decisions), Buffer.from(j.uncertain), sqliteTime(tx.now));
  const payload = {id, issue_id: issueId, session_id: tx.session.id, ...j, timestamp: goTimeSeconds(tx.now)};
  // td's insert leaves previous_data to the column default ''.
  logAction(tx.db, {sessionId: tx.session.id, actionType: 'handoff', entityType: 'handoff', entityId: id, newData: goMapJson(payload), at: tx.now});
  if (o.touch) writeIssue(tx, issueId, {}, 'update');
  // td's JSON: the Handoff struct (lists omitted when empty).
  const out: Record<string, unknown> = {id, issue_id: issueId, session_id: tx.session.id};
  for (const k of ['done', 'remaining', 'decisions', 'uncertain'] as const) if (lists[k]?.length) out[k] = lists[k];
  out.timestamp = goTime(tx.now);
  return out;
}

export function addLogTx(tx: Tx, issueId: string, message: string, type: string): LogEntry {
  return insertLog(tx.db, issueId, tx.session.id, message, type, tx.now);
}
