/**
 * Rows the engine records about inbound events: conflicts (both versions kept, in td's
 * sync_conflicts and our per-target td_sync_conflicts), skipped events (td_sync_skipped and td's
 * sync_skipped_events when the sequence is numeric), and td's sync_history for the http target.
 */
import type Database from 'better-sqlite3';
import {payloadToWire, type JsonObject, type SkippedRecord, type SyncEvent} from 'td-sync-sdk';
import {sql} from './tables.js';

export const numericSeq = (seq: unknown): number | undefined => {
  if (typeof seq === 'number' && Number.isInteger(seq) && seq > 0) return seq;
  if (typeof seq === 'string' && /^\d+$/.test(seq) && Number(seq) > 0 && Number.isSafeInteger(Number(seq))) return Number(seq);
  return undefined;
};

export const seqText = (seq: unknown): string | null => (seq === undefined || seq === null ? null : String(seq));

export interface ConflictRecord {
  target: string;
  event: SyncEvent;
  local: JsonObject | null;
  resolution: string;
  resolvedBy: string;
}

export function recordConflict(db: Database.Database, c: ConflictRecord): void {
  const remote = JSON.stringify(c.event.payload.newData ?? null);
  const local = JSON.stringify(c.local ?? null);
  sql(db, 'INSERT INTO sync_conflicts (entity_type, entity_id, server_seq, local_data, remote_data, overwritten_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    c.event.entityType, c.event.entityId, numericSeq(c.event.remoteSeq) ?? 0, local, remote, new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ''),
  );
  sql(db, 
    'INSERT INTO td_sync_conflicts (target, entity_type, entity_id, remote_seq, resolution, resolved_by, local_data, remote_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(c.target, c.event.entityType, c.event.entityId, seqText(c.event.remoteSeq), c.resolution, c.resolvedBy, local, remote);
}

export type SkipReason = 'orphaned_parent' | 'quarantined' | 'unreadable';

function wirePayload(ev: SyncEvent): string | null {
  try {
    return JSON.stringify(payloadToWire(ev.payload));
  } catch {
    return null;
  }
}

export function recordSkip(db: Database.Database, target: string, ev: SyncEvent, reason: SkipReason, error: string): void {
  const payload = wirePayload(ev);
  sql(db, 
    'INSERT INTO td_sync_skipped (target, remote_seq, device_id, action_type, entity_type, entity_id, reason, error, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(target, seqText(ev.remoteSeq), String(ev.deviceId ?? ''), String(ev.actionType ?? ''), String(ev.entityType ?? ''), String(ev.entityId ?? ''), reason, error, payload);
  const seq = numericSeq(ev.remoteSeq);
  if (seq !== undefined) {
    sql(db, 
      'INSERT OR REPLACE INTO sync_skipped_events (server_seq, device_id, action_type, entity_type, entity_id, reason, error, payload, skipped_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(seq, String(ev.deviceId ?? ''), String(ev.actionType ?? ''), String(ev.entityType ?? ''), String(ev.entityId ?? ''), reason, error, payload, new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ''));
  }
}

/** A remote record the backend could not turn into an event (PullResult.skipped): kept, never silent. */
export function recordUnreadable(db: Database.Database, target: string, rec: SkippedRecord): void {
  const raw = typeof rec.raw === 'string' ? rec.raw.slice(0, 64 * 1024) : null;
  const error = rec.where ? `${rec.reason} (at ${rec.where})` : rec.reason;
  sql(db, 
    'INSERT INTO td_sync_skipped (target, remote_seq, entity_type, entity_id, reason, error, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(target, seqText(rec.remoteSeq), String(rec.entityType ?? ''), String(rec.entityId ?? ''), 'unreadable', error, raw);
}

export function recordHistory(db: Database.Database, direction: 'push' | 'pull', ev: Pick<SyncEvent, 'actionType' | 'entityType' | 'entityId'>, seq: unknown, deviceId: string): void {
  sql(db, 'INSERT INTO sync_history (direction, action_type, entity_type, entity_id, server_seq, device_id) VALUES (?, ?, ?, ?, ?, ?)').run(
    direction, String(ev.actionType), String(ev.entityType), String(ev.entityId), numericSeq(seq) ?? null, deviceId,
  );
}

export interface ConflictRow {
  id: number;
  target: string;
  entityType: string;
  entityId: string;
  remoteSeq: string | null;
  resolution: string;
  resolvedBy: string;
  local: unknown;
  remote: unknown;
  createdAt: string;
}

const parse = (s: string | null) => {
  if (s === null) return null;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
};

/** Recorded conflicts, newest first (for `td sync conflicts`). `since` is an ISO time or Date. */
export function listConflicts(store: {db: Database.Database}, options: {targetId?: string; limit?: number; since?: string | Date} = {}): ConflictRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.targetId) {
    where.push('target = ?');
    params.push(options.targetId);
  }
  if (options.since) {
    const since = options.since instanceof Date ? options.since : new Date(options.since);
    if (Number.isNaN(since.getTime())) throw new TypeError(`"since" is not a time: ${String(options.since)} (use an ISO time such as 2026-03-01T00:00:00Z)`);
    where.push('created_at >= ?');
    params.push(since.toISOString());
  }
  const limit = Math.max(1, Math.min(options.limit ?? 50, 10_000));
  const rows = store.db
    .prepare(`SELECT * FROM td_sync_conflicts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`)
    .all(...params) as Array<Record<string, string | number | null>>;
  return rows.map((r) => ({
    id: Number(r.id),
    target: String(r.target),
    entityType: String(r.entity_type),
    entityId: String(r.entity_id),
    remoteSeq: r.remote_seq === null ? null : String(r.remote_seq),
    resolution: String(r.resolution),
    resolvedBy: String(r.resolved_by),
    local: parse(r.local_data as string | null),
    remote: parse(r.remote_data as string | null),
    createdAt: String(r.created_at),
  }));
}
