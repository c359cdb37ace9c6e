/**
 * The engine's own tables (besides the store's td_sync_* bookkeeping): per-field stamps for
 * backends with `ordering: 'unordered'`, and the fixed stamp time of each local journal row.
 * Created on demand with IF NOT EXISTS; td ignores them.
 */
import type Database from 'better-sqlite3';

export const ENGINE_DDL = `
CREATE TABLE IF NOT EXISTS td_sync_field_stamps (
  entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL,
  stamp TEXT NOT NULL, value TEXT,
  PRIMARY KEY (entity_type, entity_id, field)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_td_sync_field_stamps_value ON td_sync_field_stamps(entity_type, field, value);
CREATE TABLE IF NOT EXISTS td_sync_local_stamps (
  action_rowid INTEGER PRIMARY KEY, client_timestamp TEXT NOT NULL);
`;

const done = new WeakSet<Database.Database>();

export function ensureEngineTables(db: Database.Database): void {
  if (done.has(db)) return;
  db.exec(ENGINE_DDL);
  done.add(db);
}
