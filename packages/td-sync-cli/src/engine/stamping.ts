/**
 * Local changes for unordered targets: every journal row gets a fixed stamp time once (kept in
 * td_sync_local_stamps, so a re-push after a crash carries the same clientTimestamp), and its
 * writes enter the registers. The stamp is the row's own time, raised just above the newest stamp
 * the entity already has: an edit made after seeing a remote change wins over it even when the
 * clocks disagree (a hybrid logical clock per entity).
 */
import type Database from 'better-sqlite3';
import type {SyncEvent} from 'td-sync-sdk';
import {parseTdTime, type Store} from '../store/index.js';
import {applyUnordered, newestStamp, prepare, stampOf, stampTime} from './apply.js';
import {buildEvent, type ActionRow} from './pending.js';
import {ensureEngineTables} from './schema.js';
import {sql} from './tables.js';

/** Give `ev` (a local event) its stamp time and apply it to the registers; records the stamp. */
export function stampAndIngest(db: Database.Database, ev: SyncEvent, rowTime: Date | undefined, now: Date): string {
  let t = rowTime ?? now;
  let prep;
  try {
    prep = prepare(db, ev);
  } catch {
    prep = undefined;
  }
  if (prep) {
    const newest = newestStamp(db, prep.table, prep.id);
    if (newest) {
      const n = stampTime(newest);
      if (n.getTime() >= t.getTime()) t = new Date(n.getTime() + 1);
    }
  }
  const iso = t.toISOString();
  sql(db, 'INSERT OR REPLACE INTO td_sync_local_stamps (action_rowid, client_timestamp) VALUES (?, ?)').run(ev.clientActionId, iso);
  if (prep) {
    const stamped = {...ev, clientTimestamp: iso};
    db.exec('SAVEPOINT td_sync_stamp');
    try {
      applyUnordered(db, prep, stamped, stampOf(stamped));
      db.exec('RELEASE td_sync_stamp');
    } catch {
      // A local row td's rules cannot apply (e.g. a comment "delete"): it is stamped, not applied.
      db.exec('ROLLBACK TO td_sync_stamp');
      db.exec('RELEASE td_sync_stamp');
    }
  }
  return iso;
}

/** Stamp every journal row not stamped yet. Call inside a write transaction. Returns how many. */
export function stampLocalRows(store: Store, deviceId: string, sessionId: string, now: Date): number {
  const db = store.db;
  ensureEngineTables(db);
  const mark = Number(store.getMeta('stamped_rowid') ?? 0);
  const rows = db
    .prepare(
      `SELECT a.rowid AS rowid, a.id, a.session_id, a.action_type, a.entity_type, a.entity_id, a.new_data, a.previous_data, a.timestamp, a.undone
       FROM action_log a WHERE a.rowid > ? AND NOT EXISTS (SELECT 1 FROM td_sync_local_stamps s WHERE s.action_rowid = a.rowid) ORDER BY a.rowid`,
    )
    .all(mark) as Array<ActionRow & {undone: number}>;
  let n = 0;
  let last = mark;
  for (const row of rows) {
    last = Math.max(last, row.rowid);
    if (row.undone) continue;
    let built;
    try {
      built = buildEvent(row, deviceId, sessionId, parseTdTime(row.timestamp)?.toISOString() ?? now.toISOString());
    } catch {
      continue;
    }
    if (!('event' in built)) continue;
    stampAndIngest(db, built.event, parseTdTime(row.timestamp), now);
    n++;
  }
  store.setMeta('stamped_rowid', String(last));
  return n;
}
