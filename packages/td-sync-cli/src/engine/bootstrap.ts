/**
 * td's snapshot bootstrap (spec: data model §6.7, http protocol §12.2 step 2): a project's first
 * pull from a remote that already holds many events starts from a copy of the whole remote (a td
 * database the backend downloads) instead of replaying every event.
 *
 * Why this runs before `runSync` and not inside it: the swap replaces `.todos/issues.db`, and a
 * `Store` keeps its connection for life (`Store.db` is read-only), so the caller's Store is closed
 * here and a new one (migrations run on open) is handed back for the rest of the run. The `td sync`
 * command calls this, then `runSync` on the returned Store with the pull turned off when the
 * bootstrap ran.
 *
 * Every failure other than "not needed" is a warning and the run falls back to a normal pull; a
 * failure after the swap puts the backup back.
 */
import {copyFileSync, existsSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import Database from 'better-sqlite3';
import {acquireWriteLock, Store} from '../store/index.js';
import type {ResolvedTarget, SyncReport, SyncRunOptions} from './api.js';
import {pendingCount} from './pending.js';
import {emptyReport, openRun, type Run} from './run.js';
import {acquireSyncLock} from './locking.js';
import {ensureEngineTables} from './schema.js';
import {ensureTarget, hasPulled, isHttp, readTdSyncState, storeCursor} from './targets.js';

export const DEFAULT_SNAPSHOT_THRESHOLD = 100;
export const BACKUP_SUFFIX = '.pre-snapshot-backup';
const STAGED_SUFFIX = '.snapshot-staged';
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** td_sync_meta rows that belong to this install, not to the data: kept across the swap. */
const KEPT_META = ['device_id', 'sync_session_id'];

export interface BootstrapOptions extends Pick<SyncRunOptions, 'env' | 'logger' | 'signal' | 'now' | 'lockTimeoutMs'> {
  /** `sync.snapshot_threshold` from td's config (TD_SYNC_SNAPSHOT_THRESHOLD wins over it). */
  configThreshold?: number;
  /** Progress lines td prints on stdout ("bootstrapping from snapshot (server has N events)..."). */
  say?: (line: string) => void;
}

export interface BootstrapResult {
  /** The Store to go on with: a new one when the database was replaced (the old one is closed). */
  store: Store;
  /** Set when the snapshot was swapped in: skip the regular pull for this run. */
  bootstrapped?: {seq: string; events: number};
  /** Why it did not run, when that is worth saying (td's wording), and failures it fell back from. */
  warnings: string[];
}

/** TD_SYNC_SNAPSHOT_THRESHOLD > sync.snapshot_threshold > 100; 0 or less disables. */
export function snapshotThreshold(env: NodeJS.ProcessEnv, configThreshold?: number): number {
  const raw = env.TD_SYNC_SNAPSHOT_THRESHOLD?.trim();
  if (raw && /^-?\d+$/.test(raw)) return Number(raw);
  if (typeof configThreshold === 'number' && Number.isInteger(configThreshold)) return configThreshold;
  return DEFAULT_SNAPSHOT_THRESHOLD;
}

/**
 * Bootstrap `store`'s project from the target's snapshot when td would: first pull, threshold > 0,
 * nothing pending, the remote holding at least threshold events, the backend offering snapshots.
 * The caller must not use `store` afterwards unless it is the one returned.
 */
export async function bootstrapFromSnapshot(store: Store, target: ResolvedTarget, options: BootstrapOptions = {}): Promise<BootstrapResult> {
  const env = options.env ?? process.env;
  const warnings: string[] = [];
  const threshold = snapshotThreshold(env, options.configThreshold);
  if (threshold <= 0 || store.readonly) return {store, warnings};
  ensureEngineTables(store.db);
  ensureTarget(store.db, target.targetId, target.backendName);
  if (hasPulled(store.db, target.targetId, target.backendName)) return {store, warnings};
  if (isHttp(target.backendName) && readTdSyncState(store.db)?.sync_disabled) return {store, warnings};

  // td checks the local database first; a damaged one is runSync's to report, not to replace.
  const rows = store.db.pragma('quick_check') as Array<{quick_check: string}>;
  if (rows.some((r) => r.quick_check !== 'ok')) return {store, warnings};
  // Two `td sync` at once must not both swap: hold the sync lock (runSync takes it again after).
  let syncLock: {release(): void};
  try {
    syncLock = acquireSyncLock(store.root);
  } catch {
    return {store, warnings};
  }
  try {
    return await bootstrapLocked(store, target, options, threshold, warnings);
  } finally {
    syncLock.release();
  }
}

async function bootstrapLocked(store: Store, target: ResolvedTarget, options: BootstrapOptions, threshold: number, warnings: string[]): Promise<BootstrapResult> {
  const env = options.env ?? process.env;
  const logger = options.logger;
  let run: Run | undefined;
  const report: SyncReport = emptyReport(target, false);
  try {
    run = await openRun(store, target, {env, logger, signal: options.signal, now: options.now, lockTimeoutMs: options.lockTimeoutMs}, report);
  } catch {
    // Not ours to report: runSync creates the backend again and says what is wrong with it.
    return {store, warnings};
  }
  try {
    if (typeof run.backend.snapshot !== 'function') return {store, warnings};
    if (pendingCount(store, target.targetId, target.backendName) > 0) {
      warnings.push('bootstrap skipped: local changes pending push');
      return {store, warnings};
    }
    const status = await run.backend.status();
    const events = status.details?.eventCount;
    if (typeof events !== 'number' || events < threshold) return {store, warnings};
    const line = `bootstrapping from snapshot (server has ${events} events)...`;
    if (options.say) options.say(line);
    else logger?.info(line);
    const snapshot = await run.backend.snapshot();
    if (!snapshot) return {store, warnings};
    const staged = store.dbPath + STAGED_SUFFIX;
    try {
      stage(staged, snapshot.data);
      const swapped = swapIn(store, staged, snapshot.cursor, target, options);
      return {store: swapped, bootstrapped: {seq: snapshot.cursor, events}, warnings};
    } finally {
      for (const side of ['', '-wal', '-shm', '-journal']) rmSync(staged + side, {force: true});
    }
  } catch (error) {
    const message = `bootstrap failed, falling back to normal pull: ${(error as Error).message}`;
    logger?.debug(message);
    warnings.push(message);
    return {store: liveStore(store), warnings};
  } finally {
    try {
      await run?.backend.close?.();
    } catch {
      /* the regular run opens its own backend */
    }
  }
}

/** Write the bytes to the staged file and check them as td does: SQLite header, quick_check, td tables. */
function stage(path: string, data: Uint8Array): void {
  const bytes = Buffer.from(data);
  if (bytes.length < 100 || !bytes.subarray(0, 16).equals(SQLITE_MAGIC)) {
    throw new Error(`the snapshot is not a SQLite database (${bytes.length} bytes, no "SQLite format 3" header)`);
  }
  // A snapshot written in WAL mode arrives without its -wal file, so the file alone is the whole
  // database: mark it rollback-journal (header bytes 18/19 = 1, as SQLite itself does when leaving
  // WAL) so that opening it creates no -wal/-shm side files next to issues.db.
  if (bytes[18] === 2 || bytes[19] === 2) bytes[18] = bytes[19] = 1;
  rmSync(path, {force: true});
  writeFileSync(path, bytes, {mode: 0o644});
  let db: Database.Database | undefined;
  try {
    db = new Database(path, {readonly: true, fileMustExist: true});
    const rows = db.pragma('quick_check') as Array<{quick_check: string}>;
    const problems = rows.map((r) => r.quick_check).filter((v) => v !== 'ok');
    if (problems.length > 0) throw new Error(`the snapshot failed its integrity check (${problems.slice(0, 3).join('; ')})`);
    for (const table of ['issues', 'sync_state', 'action_log']) {
      if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table)) {
        throw new Error(`the snapshot is not a td database (no "${table}" table)`);
      }
    }
  } catch (e) {
    const msg = (e as Error).message;
    throw /snapshot/.test(msg) ? e : new Error(`the snapshot cannot be read as a database (${msg})`);
  } finally {
    db?.close();
  }
}

/**
 * Under td's write lock: back the database up, refuse when -wal/-shm side files exist (another
 * process has it open in WAL mode), rename the staged file over it. Then reopen (migrations run)
 * and write the cursor (td: sync_state; every target: td_sync_targets). A failure after the rename
 * puts the backup back.
 */
function swapIn(store: Store, staged: string, cursor: string, target: ResolvedTarget, options: BootstrapOptions): Store {
  const dbPath = store.dbPath;
  const root = store.root;
  const backup = dbPath + BACKUP_SUFFIX;
  const previous = readTdSyncState(store.db);
  const projectId = previous?.project_id ?? String(target.config.projectId ?? target.config.project ?? '');
  const meta = new Map(KEPT_META.map((k) => [k, store.getMeta(k)] as const).filter((e): e is [string, string] => e[1] !== undefined));

  const lock = acquireWriteLock(root, options.lockTimeoutMs);
  try {
    for (const side of ['-wal', '-shm']) {
      if (existsSync(dbPath + side)) throw new Error(`${dbPath}${side} exists (another process has the database open); close it and run "td sync" again`);
    }
    store.close();
    copyFileSync(dbPath, backup);
    renameSync(staged, dbPath);
  } finally {
    lock.release();
  }

  try {
    const fresh = Store.openAt(root);
    try {
      fresh.write(() => {
        const now = (options.now ?? (() => new Date()))();
        for (const [k, v] of meta) fresh.setMeta(k, v);
        if (isHttp(target.backendName)) {
          fresh.db.prepare('DELETE FROM sync_state').run();
          fresh.db
            .prepare('INSERT INTO sync_state (project_id, last_pushed_action_id, last_pulled_server_seq, last_sync_at, sync_disabled) VALUES (?, 0, ?, CURRENT_TIMESTAMP, 0)')
            .run(projectId, Number(cursor));
        }
        ensureEngineTables(fresh.db);
        ensureTarget(fresh.db, target.targetId, target.backendName);
        storeCursor(fresh.db, target.targetId, cursor, now);
      });
    } catch (e) {
      fresh.close();
      throw e;
    }
    return fresh;
  } catch (e) {
    restoreBackup(root, dbPath, backup, options.lockTimeoutMs);
    throw e;
  }
}

function restoreBackup(root: string, dbPath: string, backup: string, lockTimeoutMs?: number): void {
  const lock = acquireWriteLock(root, lockTimeoutMs);
  try {
    for (const side of ['-wal', '-shm', '-journal']) rmSync(dbPath + side, {force: true});
    copyFileSync(backup, dbPath);
  } finally {
    lock.release();
  }
}

/** After a failure: the caller's Store if it is still open, else the (restored) database reopened. */
function liveStore(store: Store): Store {
  return store.db.open ? store : Store.openAt(store.root);
}
