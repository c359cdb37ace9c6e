/**
 * Opening a td project database the way td does (spec §1.4): busy_timeout 5000, journal_mode
 * TRUNCATE (an old WAL database is converted), synchronous NORMAL, foreign_keys ON; a new database
 * gets td's v38 DDL; an older one is migrated under the write lock; a newer one opens untouched.
 */
import Database from 'better-sqlite3';
import {closeSync, existsSync, mkdirSync, openSync, readSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {StoreError} from './errors.js';
import {newId} from './ids.js';
import {acquireWriteLock, withWriteLock} from './lock.js';
import {upgradeDatabase, usesWal, isWritable, type UpgradeReport} from './upgrade.js';
import {DB_FILE, TODOS_DIR, databasePath, findProjectRoot, startDirectory} from './project.js';
import {SCHEMA_VERSION, TD_SYNC_DDL, V38_DDL} from './schema.js';

const SQLITE_HEADER = 'SQLite format 3\u0000';

/** Refuse a file that is not a SQLite database before SQLite touches it (nothing is written). */
export function checkDatabaseFile(path: string): void {
  try {
    checkHeader(path);
  } catch (e) {
    if (e instanceof StoreError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new StoreError('database_error', `database ${path} is a folder, not a file: move it away and run 'td init'`, {cause: e});
    throw new StoreError('database_error', `cannot read database ${path} (${(e as Error).message}): check its permissions`, {cause: e});
  }
}

/** What the first 100 bytes and the file size say: undefined when consistent, else the shortfall. */
function readHeader(path: string): {wal: boolean; truncated?: {size: number; expected: number}} {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(100);
    readSync(fd, buf, 0, 100, 0);
    if (buf.subarray(0, 16).toString('latin1') !== SQLITE_HEADER) {
      throw new StoreError('database_error', `database ${path} is not a SQLite database (bad header): restore it from a backup`);
    }
    const wal = buf[18] === 2 || buf[19] === 2;
    const pageSize = buf.readUInt16BE(16) === 1 ? 65536 : buf.readUInt16BE(16);
    const pages = buf.readUInt32BE(28);
    // The in-header page count is only valid when the change counter matches "version-valid-for".
    const sizeValid = buf.readUInt32BE(24) === buf.readUInt32BE(92);
    if (sizeValid && pageSize > 0 && pages > 0 && size < pageSize * pages) return {wal, truncated: {size, expected: pageSize * pages}};
    return {wal};
  } finally {
    closeSync(fd);
  }
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function checkHeader(path: string): void {
  const size = statSync(path).size;
  if (size === 0) return; // td treats an empty file as a new database
  if (size < 100) throw new StoreError('database_error', `database ${path} is truncated (${size} bytes): restore it from a backup`);
  let header = readHeader(path);
  if (!header.truncated) return;
  // A file shorter than its header says is not necessarily damaged: another process may be between
  // writing page 1 and extending the file, and a crash may have left a hot journal that SQLite
  // plays back on open. Look again before refusing.
  try {
    if (statSync(`${path}-journal`).size > 0) return;
  } catch {
    /* no journal */
  }
  if (!header.wal) {
    // Under SQLite's shared lock no writer is half-way through a commit.
    let db: Database.Database | undefined;
    try {
      db = new Database(path, {readonly: true, fileMustExist: true});
      db.pragma('busy_timeout = 5000');
      db.exec('BEGIN');
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      header = readHeader(path);
      db.exec('ROLLBACK');
    } catch (e) {
      if (e instanceof StoreError) throw e;
      if (/locked|busy/i.test((e as Error).message)) throw wrapOpenError(path, e);
      // unreadable as well: report the shortfall below
    } finally {
      db?.close();
    }
  } else {
    // WAL files: a checkpoint in another process writes the file without a lock we can take
    // here without creating -wal/-shm files; give it a moment.
    for (let wait = 10; header.truncated && wait <= 640; wait *= 2) {
      sleepSync(wait);
      header = readHeader(path);
    }
  }
  if (header.truncated) {
    const {size: got, expected} = header.truncated;
    throw new StoreError('database_error', `database ${path} is truncated (${got} of ${expected} bytes): restore it from a backup`);
  }
}

export interface OpenOptions {
  /** `--work-dir`; defaults to TD_WORK_DIR, then cwd. */
  workDir?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Open read-only (no pragmas that write). An old database (older schema, or td's former WAL
   * mode) is still upgraded first, as td upgrades on every open, so readers see td's v38 columns.
   */
  readonly?: boolean;
  /** With `readonly`: never upgrade either, read the file exactly as it is (`td doctor`). */
  inspect?: boolean;
}

export function applyPragmas(db: Database.Database): void {
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = TRUNCATE');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}

export function readVersion(db: Database.Database): number {
  try {
    const row = db.prepare("SELECT value FROM schema_info WHERE key = 'version'").get() as {value: string} | undefined;
    return row ? Number.parseInt(row.value, 10) || 0 : 0;
  } catch {
    return 0;
  }
}

export function wrapOpenError(path: string, e: unknown): StoreError {
  const msg = (e as Error).message ?? String(e);
  if (/not a database|malformed|corrupt/i.test(msg)) return new StoreError('database_error', `database ${path} is corrupt (${msg}): restore it from a backup`, {cause: e});
  if (/locked|busy/i.test(msg)) return new StoreError('database_error', `database ${path} is locked by another process (${msg}): retry in a moment`, {cause: e});
  if (/readonly|read-only|permission/i.test(msg)) return new StoreError('database_error', `database ${path} is read-only (${msg}): check the file's permissions`, {cause: e});
  return new StoreError('database_error', `cannot open database ${path}: ${msg}`, {cause: e});
}

/** A database with no tables at all (an empty file, as td treats a new one). */
export function isEmptyDatabase(db: Database.Database): boolean {
  return !db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' LIMIT 1").get();
}

/** The report of an upgrade that changed something (another process may have done it first). */
const upgraded = (r: UpgradeReport | undefined) => (r && (r.steps.length > 0 || r.fromJournalMode === 'wal') ? r : undefined);

/** A read-only connection (busy_timeout only, as td's `mode=ro` opens); errors become StoreErrors. */
function openReadOnly(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, {readonly: true, fileMustExist: true});
    db.pragma('busy_timeout = 5000');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (e) {
    db?.close();
    throw wrapOpenError(path, e);
  }
}

/** A read-write connection with td's pragmas; errors become StoreErrors. */
function openReadWrite(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, {fileMustExist: true});
    applyPragmas(db);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (e) {
    db?.close();
    throw wrapOpenError(path, e);
  }
}

export class Store {
  readonly root: string;
  readonly dbPath: string;
  readonly db: Database.Database;
  readonly readonly: boolean;
  /** What opening this database upgraded (schema steps, WAL conversion, backup), if anything. */
  migration?: UpgradeReport;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(root: string, db: Database.Database, readonly: boolean) {
    this.root = root;
    this.dbPath = databasePath(root);
    this.db = db;
    this.readonly = readonly;
  }

  /** Resolve the project from a working directory and open its database. */
  static open(options: OpenOptions = {}): Store {
    const env = options.env ?? process.env;
    const root = findProjectRoot(startDirectory(options.workDir, env), env);
    return Store.openAt(root, options);
  }

  /** Open the database of a known project root. */
  static openAt(root: string, options: OpenOptions = {}): Store {
    const path = databasePath(root);
    if (!existsSync(path)) throw new StoreError('database_error', "database not found: run 'td init' first");
    checkDatabaseFile(path);
    if (options.readonly) {
      let migration: UpgradeReport | undefined;
      // WAL is checked on the bytes first: even a read-only connection would create -wal/-shm files.
      if (!options.inspect && usesWal(path)) migration = upgradeDatabase(root, path);
      let db = openReadOnly(path);
      if (!options.inspect && !migration && readVersion(db) < SCHEMA_VERSION && !isEmptyDatabase(db)) {
        db.close();
        migration = upgradeDatabase(root, path);
        db = openReadOnly(path);
      }
      const store = new Store(root, db, true);
      store.migration = upgraded(migration);
      return store;
    }
    // An old database (older schema, or td's former WAL mode) is upgraded first, on its own
    // connection, under the write lock and after a byte-exact backup (upgrade.ts).
    let migration: UpgradeReport | undefined;
    let db: Database.Database | undefined;
    if (!usesWal(path)) {
      db = openReadWrite(path);
      const version = readVersion(db);
      if (version < SCHEMA_VERSION && !isEmptyDatabase(db)) {
        db.close();
        db = undefined;
      }
    }
    if (!db) {
      migration = upgradeDatabase(root, path);
      db = openReadWrite(path);
    }
    const store = new Store(root, db, false);
    store.migration = upgraded(migration);
    try {
      store.ensureSchema();
    } catch (e) {
      db.close();
      throw e instanceof StoreError ? e : wrapOpenError(path, e);
    }
    return store;
  }

  /** `td init`: create `.todos/` and a v38 database. Returns whether it was created. */
  static init(root: string): {store: Store; created: boolean} {
    const dir = join(root, TODOS_DIR);
    const existed = existsSync(join(dir, DB_FILE));
    mkdirSync(dir, {recursive: true});
    if (!existed) {
      const lock = acquireWriteLock(root);
      try {
        const db = new Database(join(dir, DB_FILE));
        applyPragmas(db);
        db.exec('BEGIN');
        db.exec(V38_DDL);
        db.exec(TD_SYNC_DDL);
        db.exec('COMMIT');
        db.close();
      } finally {
        lock.release();
      }
    }
    return {store: Store.openAt(root), created: !existed};
  }

  schemaVersion(): number {
    return readVersion(this.db);
  }

  /**
   * An empty file becomes a v38 database (td treats it as new); our own tables are created when
   * missing. Older schemas were upgraded before this connection was opened.
   */
  private ensureSchema(): void {
    if (isEmptyDatabase(this.db)) {
      withWriteLock(this.root, () => {
        if (!isEmptyDatabase(this.db)) return;
        this.db.transaction(() => this.db.exec(V38_DDL)).immediate();
      });
    }
    const hasOurs = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='td_sync_backend_state'").get();
    if (!hasOurs) {
      if (!isWritable(this.dbPath)) return; // read-only file: reads work, writes fail with a clear error
      this.db.exec(TD_SYNC_DDL);
    }
  }

  /** A cached prepared statement (prepared once per SQL text). */
  stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Run `fn` under td's write lock, inside one IMMEDIATE transaction. */
  write<T>(fn: () => T): T {
    try {
      return withWriteLock(this.root, () => this.db.transaction(fn).immediate());
    } catch (e) {
      throw this.explainWriteError(e);
    }
  }

  /** SQLite's terse write failures (read-only file, busy database) become errors that say what to do. */
  private explainWriteError(e: unknown): unknown {
    const code = (e as {code?: unknown}).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      return new StoreError('database_error', `cannot write to ${join(this.root, TODOS_DIR)} (${(e as Error).message}): check the permissions of the folder and of ${DB_FILE}`, {cause: e});
    }
    if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return e;
    if (code.startsWith('SQLITE_READONLY')) {
      return new StoreError('database_error', `database ${this.dbPath} is read-only (${(e as Error).message}): check the permissions of the file and of .todos/`, {cause: e});
    }
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new StoreError('database_error', `database ${this.dbPath} is locked by another process (${(e as Error).message}): retry in a moment`, {cause: e});
    }
    return e;
  }

  /** Run async work under the write lock (the engine: network calls between transactions). */
  async withWriteLockAsync<T>(fn: () => Promise<T>, timeoutMs?: number): Promise<T> {
    const lock = acquireWriteLock(this.root, timeoutMs);
    try {
      return await fn();
    } finally {
      lock.release();
    }
  }

  getMeta(key: string): string | undefined {
    return (this.stmt('SELECT value FROM td_sync_meta WHERE key = ?').get(key) as {value: string} | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt('INSERT INTO td_sync_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /**
   * This install's device id for sync. Per project database (two projects on one machine are two
   * devices); `TD_DEVICE_ID` overrides it.
   */
  deviceId(env: NodeJS.ProcessEnv = process.env): string {
    if (env.TD_DEVICE_ID) return env.TD_DEVICE_ID;
    let id = this.getMeta('device_id');
    if (!id) {
      id = newId.device();
      this.setMeta('device_id', id);
    }
    return id;
  }

  close(): void {
    try {
      this.db.close();
    } catch {
      /* already closed */
    }
  }
}
