/**
 * One mutation = one call of `inTransaction`: td's write lock + one IMMEDIATE SQLite transaction,
 * the session looked up (or created) inside it, and one clock reading for every row it writes.
 * A thrown error rolls everything back, the session row included, so a refused command leaves the
 * database exactly as it was.
 */
import type Database from 'better-sqlite3';
import type {Store} from '../store/open.js';
import {TaskError} from './errors.js';
import {getOrCreateSession, type Session} from './session.js';
import {isTaskError} from './util.js';

export interface TaskOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Clock for tests. */
  now?: () => Date;
}

export interface Tx {
  db: Database.Database;
  store: Store;
  session: Session;
  now: Date;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function inTransaction<T>(store: Store, opts: TaskOptions, fn: (tx: Tx) => T): T {
  try {
    return store.write(() => {
    const env = opts.env ?? process.env;
    const cwd = opts.cwd ?? process.cwd();
    const now = opts.now?.() ?? new Date();
    const session = getOrCreateSession(store.db, store.root, env, cwd, now);
    return fn({db: store.db, store, session, now, env, cwd});
    });
  } catch (e) {
    throw asTaskError(e);
  }
}

/**
 * Lock timeouts, SQLite failures (busy, read-only, corrupt, constraint) become td's
 * `database_error`; TaskErrors and anything carrying an outcome pass through unchanged.
 */
export function asTaskError(e: unknown): unknown {
  if (!(e instanceof Error) || isTaskError(e) || e.message === 'rollback') return e;
  const code = (e as {code?: unknown}).code;
  if (code === 'lock_timeout') return new TaskError('database_error', `${e.message}\nAnother td process holds the project's write lock: retry in a moment`);
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return new TaskError('database_error', `database error (${code}): ${e.message}`);
  return e;
}
