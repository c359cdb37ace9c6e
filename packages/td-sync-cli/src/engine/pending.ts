/**
 * Outbound events (spec §5.1, §5.4): action_log rows this target has not acknowledged, in rowid
 * order, each turned into a SyncEvent with td's payload wrapper and local-only fields scrubbed.
 * For the `http` target "pending" is td's own `synced_at IS NULL AND undone = 0`.
 */
import type Database from 'better-sqlite3';
import {normalizeAction, normalizeEntityType, PermanentError, type EventPayload, type JsonObject, type SyncEvent} from 'td-sync-sdk';
import {newId, parseTdTime, type Store} from '../store/index.js';
import {scrub, sql} from './tables.js';
import {isHttp} from './targets.js';

export interface ActionRow {
  rowid: number;
  id: string | null;
  session_id: string;
  action_type: string;
  entity_type: string;
  entity_id: string | null;
  new_data: string | null;
  previous_data: string | null;
  timestamp: string;
}

const COLS = 'a.rowid AS rowid, a.id, a.session_id, a.action_type, a.entity_type, a.entity_id, a.new_data, a.previous_data, a.timestamp';

const hasAcksTable = (db: Database.Database) => !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'td_sync_acks'").get();

export function pendingWhere(backendName: string, withAcks = true): string {
  if (!withAcks && !isHttp(backendName)) return 'a.undone = 0'; // a database td-sync never wrote to (opened read-only)
  return isHttp(backendName)
    ? 'a.synced_at IS NULL AND a.undone = 0'
    : 'a.undone = 0 AND NOT EXISTS (SELECT 1 FROM td_sync_acks k WHERE k.target = @target AND k.action_rowid = a.rowid)';
}

export function pendingRows(db: Database.Database, targetId: string, backendName: string): ActionRow[] {
  const acks = hasAcksTable(db);
  const params = isHttp(backendName) || !acks ? {} : {target: targetId};
  return db.prepare(`SELECT ${COLS} FROM action_log a WHERE ${pendingWhere(backendName, acks)} ORDER BY a.rowid`).all(params) as ActionRow[];
}

/** What the push phase's scan reads of a pending row: no payload text, a verdict on it instead. */
export interface ScannedRow {
  rowid: number;
  id: string | null;
  entity_type: string;
  entity_id: string | null;
  timestamp: string;
  /** 1 when new_data and previous_data are each empty, or valid JSON holding an object or null. */
  json_ok: number;
}

/** SQLite's verdict on one payload column (CASE keeps json_type from seeing malformed text). */
const jsonOk = (col: string) => `CASE WHEN ${col} IS NULL OR ${col} = '' THEN 1 WHEN json_valid(${col}) THEN json_type(${col}) IN ('object', 'null') ELSE 0 END`;

/**
 * Pending rows for the push phase's up-front scan, in rowid order: SQLite checks the payload JSON
 * (json_valid, in C) instead of JavaScript parsing every payload only to drop it. A row SQLite finds
 * wrong is read in full and built, so the error a user sees is buildEvent's.
 */
export function scanPendingRows(db: Database.Database, targetId: string, backendName: string): IterableIterator<ScannedRow> {
  const acks = hasAcksTable(db);
  const params = isHttp(backendName) || !acks ? {} : {target: targetId};
  return db
    .prepare(`SELECT a.rowid AS rowid, a.id, a.entity_type, a.entity_id, a.timestamp, (${jsonOk('a.new_data')}) AND (${jsonOk('a.previous_data')}) AS json_ok FROM action_log a WHERE ${pendingWhere(backendName, acks)} ORDER BY a.rowid`)
    .iterate(params) as IterableIterator<ScannedRow>;
}

/** One journal row in full, by rowid. */
export function actionRow(db: Database.Database, rowid: number): ActionRow | undefined {
  return sql(db, `SELECT ${COLS} FROM action_log a WHERE a.rowid = ?`).get(rowid) as ActionRow | undefined;
}

/** Pending rows in rowid order, iterated one at a time (nothing is held in memory). */
export function iteratePendingRows(db: Database.Database, targetId: string, backendName: string): IterableIterator<ActionRow> {
  const acks = hasAcksTable(db);
  const params = isHttp(backendName) || !acks ? {} : {target: targetId};
  return db.prepare(`SELECT ${COLS} FROM action_log a WHERE ${pendingWhere(backendName, acks)} ORDER BY a.rowid`).iterate(params) as IterableIterator<ActionRow>;
}

/**
 * One chunk of pending rows: rowid in (after, upTo], rowid order, at most `limit` rows. The push
 * phase walks the pending rows with it so that only one chunk is in memory at a time.
 */
export function pendingRowsChunk(db: Database.Database, targetId: string, backendName: string, after: number, upTo: number, limit: number): ActionRow[] {
  const acks = hasAcksTable(db);
  const params = {...(isHttp(backendName) || !acks ? {} : {target: targetId}), after, upTo, limit};
  return sql(db, `SELECT ${COLS} FROM action_log a WHERE a.rowid > @after AND a.rowid <= @upTo AND ${pendingWhere(backendName, acks)} ORDER BY a.rowid LIMIT @limit`).all(params) as ActionRow[];
}

/** Pending rows of one entity (for conflict detection). */
export function pendingRowsFor(db: Database.Database, targetId: string, backendName: string, entityId: string): ActionRow[] {
  const params = isHttp(backendName) ? {id: entityId} : {target: targetId, id: entityId};
  return sql(db, `SELECT ${COLS} FROM action_log a WHERE a.entity_id = @id AND ${pendingWhere(backendName)} ORDER BY a.rowid`).all(params) as ActionRow[];
}

/**
 * The session id events are pushed under. td uses the pushing CLI session; we keep one stable id per
 * project (or TD_SESSION_ID) so that a re-push after a crash has the same identity and is deduplicated.
 */
export function syncSessionId(store: Store, env: NodeJS.ProcessEnv = process.env, persist = true): string {
  if (env.TD_SESSION_ID) return env.TD_SESSION_ID;
  let id = store.getMeta('sync_session_id');
  if (!id) {
    id = newId.session();
    if (persist && !store.readonly) store.setMeta('sync_session_id', id);
  }
  return id;
}

function parseData(raw: string | null, row: ActionRow, column: string): JsonObject | null {
  if (raw === null || raw === '') return null;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw badRow(row, `its ${column} is not valid JSON (${(e as Error).message})`);
  }
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw badRow(row, `its ${column} is not a JSON object`);
  return v as JsonObject;
}

function badRow(row: ActionRow, why: string): PermanentError {
  return new PermanentError(`pending action_log row ${row.id} (rowid ${row.rowid}) cannot be pushed: ${why}; nothing was pushed`, {
    code: 'pending_row_invalid',
    hint: `repair or remove that row in .todos/issues.db (td refuses it too), then run "td sync" again`,
    details: {rowid: row.rowid, id: row.id},
  });
}

export type BuildResult = {event: SyncEvent} | {skip: 'no_id' | 'entity_type'};

/** One pending row -> event. Throws (whole push aborts, as in td) on bad JSON or an unreadable timestamp. */
export function buildEvent(row: ActionRow, deviceId: string, sessionId: string, stampTime?: string): BuildResult {
  if (!row.id || !row.entity_id) return {skip: 'no_id'};
  const entityType = normalizeEntityType(row.entity_type ?? '');
  if (!entityType) return {skip: 'entity_type'};
  const newData = parseData(row.new_data, row, 'new_data');
  const previousData = parseData(row.previous_data, row, 'previous_data');
  let clientTimestamp = stampTime;
  if (!clientTimestamp) {
    const t = parseTdTime(row.timestamp);
    if (!t) throw badRow(row, `its timestamp ${JSON.stringify(row.timestamp)} matches no td layout`);
    clientTimestamp = t.toISOString();
  }
  const payload: EventPayload = {schemaVersion: 1, newData: scrub(entityType, newData), previousData: scrub(entityType, previousData)};
  return {
    event: {
      clientActionId: row.rowid,
      deviceId,
      sessionId,
      actionType: normalizeAction(row.action_type),
      entityType,
      entityId: row.entity_id,
      payload,
      clientTimestamp,
      sourceAction: row.action_type,
    },
  };
}

/** Pending events of a target as they would be pushed (no capability filter, no hooks). */
export function pendingEvents(store: Store, targetId: string, backendName: string, env: NodeJS.ProcessEnv = process.env): SyncEvent[] {
  const deviceId = store.deviceId(env);
  const sessionId = syncSessionId(store, env, false);
  const out: SyncEvent[] = [];
  const stamps = localStampLookup(store.db);
  for (const row of pendingRows(store.db, targetId, backendName)) {
    try {
      const r = buildEvent(row, deviceId, sessionId, stamps(row.rowid));
      if ('event' in r) out.push(r.event);
    } catch {
      /* an unpushable row is reported by td sync itself */
    }
  }
  return out;
}

/** Number of pending rows that would be pushed to this target (rows that cannot normalise stay out). */
export function pendingCount(store: Store, targetId: string, backendName: string): number {
  const rows = pendingRows(store.db, targetId, backendName);
  return rows.filter((r) => r.id && r.entity_id && normalizeEntityType(r.entity_type ?? '')).length;
}

/** The fixed client timestamp of a stamped local row (unordered targets), if the table exists. */
export function localStampLookup(db: Database.Database): (rowid: number) => string | undefined {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='td_sync_local_stamps'").get();
  if (!has || !db.prepare('SELECT 1 FROM td_sync_local_stamps LIMIT 1').get()) return () => undefined;
  // Callers ask in rowid order: read the stamps a range of STAMP_RANGE rowids at a time (one query
  // per range instead of one per journal row).
  const range = db.prepare('SELECT action_rowid AS r, client_timestamp AS t FROM td_sync_local_stamps WHERE action_rowid >= ? AND action_rowid < ?');
  let from = 0;
  let to = 0;
  let loaded = new Map<number, string>();
  return (rowid) => {
    if (rowid < from || rowid >= to) {
      from = rowid;
      to = rowid + STAMP_RANGE;
      loaded = new Map((range.all(from, to) as Array<{r: number; t: string}>).map((x) => [x.r, x.t]));
    }
    return loaded.get(rowid);
  };
}

const STAMP_RANGE = 2000;
