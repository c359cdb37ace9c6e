/**
 * One mutation = one call of `inTransaction`: td's write lock + one IMMEDIATE SQLite transaction,
 * the session looked up (or created) inside it, and one clock reading for every row it writes.
 * A thrown error rolls everything back, the session row included, so a refused command leaves the
 * database exactly as it was.
 */
import type Database from 'better-sqlite3';
import type {Store} from '../store/open.js';
import {getOrCreateSession, type Session} from './session.js';

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
  return store.write(() => {
    const env = opts.env ?? process.env;
    const cwd = opts.cwd ?? process.cwd();
    const now = opts.now?.() ?? new Date();
    const session = getOrCreateSession(store.db, store.root, env, cwd, now);
    return fn({db: store.db, store, session, now, env, cwd});
  });
}
