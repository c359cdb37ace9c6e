/**
 * Bringing an old td database up to date, the way td does when it opens one, but safely:
 *
 * 1. take td's write lock (td runs its migrations under it too);
 * 2. copy the file and its -wal/-shm/-journal byte for byte (backup.ts);
 * 3. on its own connection: switch the journal to td's TRUNCATE mode (SQLite checkpoints the
 *    WAL into the file first, so nothing in it is lost), run td's migrations from the stored
 *    version to 38 (migrations.ts);
 * 4. on any failure put the original bytes back and throw a StoreError that names the step.
 *
 * The backup of a successful upgrade stays beside the database (`td doctor` lists it).
 */
import Database from 'better-sqlite3';
import {accessSync, closeSync, constants, openSync, readSync, statSync} from 'node:fs';
import {dirname} from 'node:path';
import {backupDatabase, relabelBackup, removeBackupFiles, restoreDatabase, type FileBackup} from './backup.js';
import {StoreError} from './errors.js';
import {acquireWriteLock} from './lock.js';
import {migrate, type MigrateOptions, type StepResult} from './migrations.js';
import {SCHEMA_VERSION} from './schema.js';

export interface UpgradeReport {
  /** Schema version found, and the one the file has now. */
  fromVersion: number;
  toVersion: number;
  /** Journal mode found before the upgrade (`wal` for td's older files). */
  fromJournalMode: string;
  journalMode: string;
  steps: StepResult[];
  /** Byte-exact copy of the file as it was (kept after success), if one was needed. */
  backupPath?: string;
  ms: number;
}

/** Whether the file is (or was left) in WAL mode: header bytes 18/19 = 2, or a non-empty -wal beside it. */
export function usesWal(dbPath: string): boolean {
  try {
    if (statSync(`${dbPath}-wal`).size > 0) return true;
  } catch {
    /* no -wal */
  }
  const fd = openSync(dbPath, 'r');
  try {
    const b = Buffer.alloc(2);
    if (readSync(fd, b, 0, 2, 18) < 2) return false;
    return b[0] === 2 || b[1] === 2;
  } finally {
    closeSync(fd);
  }
}

export function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function readVersion(db: Database.Database): number {
  try {
    const row = db.prepare("SELECT value FROM schema_info WHERE key = 'version'").get() as {value: string} | undefined;
    return row ? Number.parseInt(row.value, 10) || 0 : 0;
  } catch {
    return 0;
  }
}

/** Options for tests (a hook to make a given step fail). */
export type UpgradeOptions = MigrateOptions;

/**
 * Upgrade the database at `dbPath` (project `root`) to td's journal mode and schema 38. A file
 * already there is left as it is; a newer schema is never touched.
 */
export function upgradeDatabase(root: string, dbPath: string, options: UpgradeOptions = {}): UpgradeReport {
  const started = performance.now();
  if (!isWritable(dbPath) || !isWritable(dirname(dbPath))) {
    throw new StoreError(
      'database_error',
      `database ${dbPath} needs upgrading to td schema ${SCHEMA_VERSION} but ${isWritable(dbPath) ? 'its folder' : 'the file'} is read-only: make it writable (chmod u+w) and retry`,
    );
  }
  let lock;
  try {
    lock = acquireWriteLock(root);
  } catch (e) {
    const msg = (e as Error).message;
    throw new StoreError('database_error', `cannot upgrade database ${dbPath}: ${msg}`, {cause: e});
  }
  try {
    let backup: FileBackup = backupDatabase(dbPath, 'in-progress');
    let db: Database.Database | undefined;
    let changed = false; // nothing is restored when nothing was written (e.g. the WAL was busy)
    let fromVersion = 0;
    let fromJournalMode = '';
    let journalMode = '';
    let steps: StepResult[] = [];
    try {
      db = new Database(dbPath, {fileMustExist: true});
      db.pragma('busy_timeout = 5000');
      fromJournalMode = String(db.pragma('journal_mode', {simple: true}));
      fromVersion = readVersion(db);
      // Leaving WAL, SQLite first takes an exclusive lock, then checkpoints every frame into the
      // file and deletes the -wal: nothing in the WAL is lost. (An explicit wal_checkpoint first
      // would not wait for that lock and could write to the file while another process reads
      // it.) The switch is atomic: when another process holds the database it fails with nothing
      // changed, so nothing is restored under that process's feet.
      journalMode = String(db.pragma('journal_mode = TRUNCATE', {simple: true}));
      if (journalMode !== 'truncate') {
        throw new StoreError('database_error', `database ${dbPath} stayed in journal mode ${journalMode} (another process may hold it open): close other td/sidecar processes and retry`);
      }
      changed = true;
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      if (fromVersion < SCHEMA_VERSION) steps = migrate(db, fromVersion, dbPath, options);
      db.close();
      db = undefined;
    } catch (e) {
      try {
        db?.close();
      } catch {
        /* already closed */
      }
      if (changed) restoreDatabase(backup);
      removeBackupFiles(backup.backupPath);
      if (e instanceof StoreError) throw e;
      const msg = (e as Error).message ?? String(e);
      if (/locked|busy/i.test(msg)) throw new StoreError('database_error', `database ${dbPath} is locked by another process (${msg}): retry in a moment`, {cause: e});
      throw new StoreError('database_error', `upgrading database ${dbPath} failed: ${msg}`, {cause: e});
    }
    const report: UpgradeReport = {
      fromVersion,
      toVersion: Math.max(fromVersion, steps.at(-1)?.version ?? fromVersion),
      fromJournalMode,
      journalMode,
      steps,
      ms: 0,
    };
    if (steps.length > 0 || fromJournalMode === 'wal') {
      backup = relabelBackup(backup, String(fromVersion));
      report.backupPath = backup.backupPath;
    } else {
      removeBackupFiles(backup.backupPath); // another process had already upgraded it
    }
    report.ms = Math.round((performance.now() - started) * 100) / 100;
    return report;
  } finally {
    lock.release();
  }
}
