/**
 * Per-target bookkeeping rows (td_sync_targets) and, for the `http` target only, td's own
 * sync_state row, so a project the Go td synced goes on syncing (spec §5.5, §6.1).
 */
import type Database from 'better-sqlite3';
import type {JsonObject} from 'td-sync-sdk';
import {parseTdTime} from '../store/index.js';

export interface TargetRow {
  target: string;
  backend: string;
  remote: string;
  cursor: string | null;
  last_push_at: string | null;
  last_pull_at: string | null;
  last_sync_at: string | null;
  created_at: string;
}

export const isHttp = (backendName: string) => backendName === 'http';

export function remoteOf(targetId: string, backendName: string): string {
  return targetId.startsWith(`${backendName}:`) ? targetId.slice(backendName.length + 1) : targetId;
}

export function readTarget(db: Database.Database, targetId: string): TargetRow | undefined {
  return db.prepare('SELECT * FROM td_sync_targets WHERE target = ?').get(targetId) as TargetRow | undefined;
}

export function ensureTarget(db: Database.Database, targetId: string, backendName: string): TargetRow {
  db.prepare('INSERT OR IGNORE INTO td_sync_targets (target, backend, remote) VALUES (?, ?, ?)').run(targetId, backendName, remoteOf(targetId, backendName));
  return readTarget(db, targetId)!;
}

export interface TdSyncState {
  project_id: string;
  last_pushed_action_id: number;
  last_pulled_server_seq: number;
  last_sync_at: string | null;
  sync_disabled: number;
}

export function readTdSyncState(db: Database.Database): TdSyncState | undefined {
  return db.prepare('SELECT * FROM sync_state LIMIT 1').get() as TdSyncState | undefined;
}

/** td links a project with `INSERT OR REPLACE ... (project_id, 0, 0, 0)`; we do the same when absent. */
export function ensureTdSyncState(db: Database.Database, config: JsonObject, remote: string): void {
  if (readTdSyncState(db)) return;
  const projectId = String(config.projectId ?? config.project_id ?? config.project ?? remote);
  db.prepare('INSERT OR REPLACE INTO sync_state (project_id, last_pushed_action_id, last_pulled_server_seq, sync_disabled) VALUES (?, 0, 0, 0)').run(projectId);
}

/**
 * Whether this target has ever pulled (backfill runs only before that). For http this is td's own
 * test, `MAX(sync_state.last_pulled_server_seq) > 0`, so an empty server keeps backfill on as in td.
 */
export function hasPulled(db: Database.Database, targetId: string, backendName: string): boolean {
  const row = readTarget(db, targetId);
  if (isHttp(backendName)) {
    const max = db.prepare('SELECT MAX(last_pulled_server_seq) AS m FROM sync_state').get() as {m: number | null};
    return (max.m ?? 0) > 0 || (row?.cursor != null && /^\d+$/.test(row.cursor) && Number(row.cursor) > 0);
  }
  return !!row && (row.cursor !== null || row.last_pull_at !== null);
}

export function hasPushed(db: Database.Database, targetId: string): boolean {
  return readTarget(db, targetId)?.last_push_at != null;
}

/** The stored cursor; for http falls back to td's `last_pulled_server_seq` (a project td synced). */
export function loadCursor(db: Database.Database, targetId: string, backendName: string): string | null {
  const row = readTarget(db, targetId);
  if (row?.cursor != null) return row.cursor;
  if (isHttp(backendName)) {
    const s = readTdSyncState(db);
    if (s && s.last_pulled_server_seq > 0) return String(s.last_pulled_server_seq);
  }
  return null;
}

/** `last_sync_at` used for "modified since the last sync" (td: sync_state for http). */
export function lastSyncAt(db: Database.Database, targetId: string, backendName: string): Date | undefined {
  if (isHttp(backendName)) {
    const s = readTdSyncState(db);
    if (s?.last_sync_at) return parseTdTime(s.last_sync_at);
  }
  const row = readTarget(db, targetId);
  return row?.last_sync_at ? parseTdTime(row.last_sync_at) : undefined;
}

export function markPushed(db: Database.Database, targetId: string, now: Date): void {
  const t = now.toISOString();
  db.prepare('UPDATE td_sync_targets SET last_push_at = ?, last_sync_at = ? WHERE target = ?').run(t, t, targetId);
}

export function storeCursor(db: Database.Database, targetId: string, cursor: string | null, now: Date): void {
  const t = now.toISOString();
  db.prepare('UPDATE td_sync_targets SET cursor = ?, last_pull_at = ?, last_sync_at = ? WHERE target = ?').run(cursor, t, t, targetId);
}
