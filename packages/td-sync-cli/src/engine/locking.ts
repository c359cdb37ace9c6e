/**
 * How the engine holds locks. A run holds its own sync lock (`.todos/td-sync.lock`, so two syncs of
 * one project never overlap) for its whole duration, but td's write lock (`.todos/db.lock`) only
 * around each SQL transaction: network calls happen unlocked, so local `td` commands do not wait
 * for the remote.
 */
import {closeSync, openSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {TransientError} from 'td-sync-sdk';
import {acquireWriteLock, TODOS_DIR, type Store} from '../store/index.js';

const require = createRequire(import.meta.url);
const fsExt = require('fs-ext') as {flockSync(fd: number, flags: 'ex' | 'exnb' | 'un'): void};

export function acquireSyncLock(root: string): {release(): void} {
  const fd = openSync(join(root, TODOS_DIR, 'td-sync.lock'), 'a+', 0o600);
  try {
    fsExt.flockSync(fd, 'exnb');
  } catch (e) {
    closeSync(fd);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
      throw new TransientError('another "td sync" of this project is running', {code: 'sync_in_progress', hint: 'wait for it to finish, then run "td sync" again'});
    }
    throw e;
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      try {
        fsExt.flockSync(fd, 'un');
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** Lock timeouts and SQLITE_BUSY are temporary: the run stops cleanly and the next one goes on. */
function busy(e: unknown): unknown {
  const err = e as {code?: string; message?: string};
  if (err?.code === 'lock_timeout' || err?.code === 'SQLITE_BUSY' || /database is locked/i.test(err?.message ?? '')) {
    return new TransientError(`the project database is busy (${err.message}); nothing of this step was recorded`, {
      code: 'database_busy', hint: 'another td command is writing; run "td sync" again in a moment', cause: e,
    });
  }
  return e;
}

function lockNow(root: string, timeoutMs: number): {release(): void} {
  try {
    return acquireWriteLock(root, timeoutMs);
  } catch (e) {
    throw busy(e);
  }
}

/** Transactions under td's write lock, aware of whether the lock is already held by this run. */
export class Writer {
  private depth = 0;
  constructor(readonly store: Store, private readonly lockTimeoutMs = 5000) {}

  get locked(): boolean {
    return this.depth > 0;
  }

  /** A synchronous IMMEDIATE transaction (nested: a savepoint). */
  tx<T>(fn: () => T): T {
    if (this.depth > 0) return this.store.db.transaction(fn)();
    const lock = lockNow(this.store.root, this.lockTimeoutMs);
    this.depth++;
    try {
      return this.store.db.transaction(fn).immediate();
    } catch (e) {
      throw busy(e);
    } finally {
      this.depth--;
      lock.release();
    }
  }

  /**
   * An async transaction (hooks are awaited inside it): BEGIN IMMEDIATE ... COMMIT, rolled back if
   * `fn` throws. Holds the write lock for its duration.
   */
  async txAsync<T>(fn: () => Promise<T>): Promise<T> {
    const db = this.store.db;
    const lock = this.depth === 0 ? lockNow(this.store.root, this.lockTimeoutMs) : undefined;
    this.depth++;
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      this.depth--;
      lock?.release();
      throw busy(e);
    }
    try {
      const result = await fn();
      db.exec('COMMIT');
      return result;
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    } finally {
      this.depth--;
      lock?.release();
    }
  }
}
