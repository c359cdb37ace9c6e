/**
 * `td doctor`: the health of a project's database, read without changing anything (a read-only
 * connection, no migration): where it is, its schema version and journal mode, SQLite's own
 * checks, rows per synced table, pending events (td's definition and per sync target), backups.
 */
import type Database from 'better-sqlite3';
import {existsSync} from 'node:fs';
import {ENTITY_TYPES} from 'td-sync-sdk';
import {listBackups, type BackupInfo} from './backup.js';
import {StoreError} from './errors.js';
import {OLDEST_MIGRATABLE} from './migrations.js';
import {Store} from './open.js';
import {databasePath} from './project.js';
import {SCHEMA_VERSION} from './schema.js';
import {usesWal} from './upgrade.js';

/** Tables whose rows travel through sync (the SDK's entity types, spec §2.2), plus the journal. */
export const SYNCED_TABLES: readonly string[] = [...ENTITY_TYPES, 'action_log'];

export interface TargetPending {
  target: string;
  backend: string;
  remote: string;
  pending: number;
  last_sync_at: string | null;
}

export interface DoctorReport {
  ok: boolean;
  project_root: string;
  db_path: string;
  schema_version: number | null;
  expected_schema_version: number;
  /** An older schema is migrated by the next td command that opens the database. */
  needs_migration: boolean;
  journal_mode: string | null;
  quick_check: string | null;
  integrity_check?: string | null;
  foreign_key_violations: number | null;
  tables: Record<string, number | null>;
  pending_events: {td: number | null; targets: TargetPending[]};
  backups: BackupInfo[];
  problems: string[];
}

const tableExists = (db: Database.Database, name: string) => !!db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?").get(name);

/** SQLite's check rows joined into one line (`ok` when clean). */
function checkResult(db: Database.Database, pragma: 'quick_check' | 'integrity_check'): string {
  const rows = db.pragma(`${pragma}(20)`) as Array<Record<string, string>>;
  return rows.map((r) => Object.values(r)[0]).join('; ');
}

/** Inspect the database of the project at `root`. Never throws for a bad database: it reports it. */
export function diagnoseProject(root: string, options: {full?: boolean} = {}): DoctorReport {
  const dbPath = databasePath(root);
  const report: DoctorReport = {
    ok: false,
    project_root: root,
    db_path: dbPath,
    schema_version: null,
    expected_schema_version: SCHEMA_VERSION,
    needs_migration: false,
    journal_mode: null,
    quick_check: null,
    integrity_check: options.full ? null : undefined,
    foreign_key_violations: null,
    tables: {},
    pending_events: {td: null, targets: []},
    backups: listBackups(dbPath),
    problems: [],
  };
  if (!existsSync(dbPath)) {
    report.problems.push(`no database at ${dbPath}: run 'td init' first`);
    return report;
  }
  let store: Store;
  try {
    store = Store.openAt(root, {readonly: true, inspect: true});
  } catch (e) {
    report.problems.push(e instanceof StoreError ? e.message : `cannot open ${dbPath}: ${(e as Error).message}`);
    return report;
  }
  const db = store.db;
  try {
    report.schema_version = store.schemaVersion();
    // Rollback journal modes are per connection (td's connections use TRUNCATE); only WAL is a
    // property of the file, which td converts on open.
    report.journal_mode = usesWal(dbPath) ? 'wal' : 'truncate';
    report.quick_check = checkResult(db, 'quick_check');
    if (report.quick_check !== 'ok') report.problems.push(`PRAGMA quick_check: ${report.quick_check}`);
    if (options.full) {
      report.integrity_check = checkResult(db, 'integrity_check');
      if (report.integrity_check !== 'ok') report.problems.push(`PRAGMA integrity_check: ${report.integrity_check}`);
    }
    report.foreign_key_violations = (db.pragma('foreign_key_check') as unknown[]).length;
    const version = report.schema_version;
    if (version < SCHEMA_VERSION) {
      report.needs_migration = true;
      if (version < OLDEST_MIGRATABLE) report.problems.push(`schema ${version} is older than ${OLDEST_MIGRATABLE}: open the project once with a current Go td to migrate it`);
    }
    for (const t of SYNCED_TABLES) {
      report.tables[t] = tableExists(db, t) ? (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as {n: number}).n : null;
    }
    if (tableExists(db, 'action_log')) {
      report.pending_events.td = (db.prepare('SELECT count(*) AS n FROM action_log WHERE synced_at IS NULL AND undone = 0').get() as {n: number}).n;
    }
    if (tableExists(db, 'td_sync_targets') && tableExists(db, 'action_log')) {
      const targets = db.prepare('SELECT target, backend, remote, last_sync_at FROM td_sync_targets ORDER BY target').all() as Array<Omit<TargetPending, 'pending'>>;
      const pending = db.prepare(
        'SELECT count(*) AS n FROM action_log a WHERE a.undone = 0 AND NOT EXISTS (SELECT 1 FROM td_sync_acks k WHERE k.target = ? AND k.action_rowid = a.rowid)',
      );
      report.pending_events.targets = targets.map((t) => ({...t, pending: (pending.get(t.target) as {n: number}).n}));
    }
  } catch (e) {
    report.problems.push(`reading ${dbPath} failed: ${(e as Error).message}`);
  } finally {
    store.close();
  }
  report.ok = report.problems.length === 0;
  return report;
}
