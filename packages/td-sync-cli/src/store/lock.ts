/**
 * td's cross-process write lock: an exclusive flock on `.todos/db.lock` (the same lock the Go td
 * takes, so the two CLIs serialise against each other), 5 s deadline, 5 -> 50 ms back-off, holder
 * written as `pid:<pid>\ntime:<RFC3339>\n` and truncated on release.
 */
import {closeSync, ftruncateSync, openSync, readFileSync, writeSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {TODOS_DIR} from './project.js';

const require = createRequire(import.meta.url);
const fsExt = require('fs-ext') as {flockSync(fd: number, flags: 'ex' | 'exnb' | 'un'): void};

export class LockTimeoutError extends Error {
  readonly code = 'lock_timeout';
  constructor(message: string) {
    super(message);
    this.name = 'LockTimeoutError';
  }
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describeHolder(lockPath: string): string {
  try {
    const text = readFileSync(lockPath, 'utf8');
    const pid = Number(/pid:(\d+)/.exec(text)?.[1]);
    const since = /time:(\S+)/.exec(text)?.[1] ?? '?';
    if (!pid) return '';
    return `\nholder: pid:${pid} since ${since}${pidAlive(pid) ? '' : ' (STALE - process dead)'}`;
  } catch {
    return '';
  }
}

export interface WriteLock {
  release(): void;
}

/** Take the project's write lock, waiting up to `timeoutMs`. Not re-entrant (as in td). */
export function acquireWriteLock(root: string, timeoutMs = 5000): WriteLock {
  const lockPath = join(root, TODOS_DIR, 'db.lock');
  const fd = openSync(lockPath, 'a+', 0o600);
  const deadline = Date.now() + timeoutMs;
  let wait = 5;
  for (;;) {
    try {
      fsExt.flockSync(fd, 'exnb');
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') {
        closeSync(fd);
        throw e;
      }
      if (Date.now() >= deadline) {
        closeSync(fd);
        throw new LockTimeoutError(`write lock timeout after ${Math.round(timeoutMs / 1000)}s${describeHolder(lockPath)}`);
      }
      sleepSync(wait);
      wait = Math.min(wait * 2, 50);
    }
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `pid:${process.pid}\ntime:${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}\n`, 0);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      try {
        ftruncateSync(fd, 0);
        fsExt.flockSync(fd, 'un');
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** Run `fn` under the write lock. */
export function withWriteLock<T>(root: string, fn: () => T, timeoutMs?: number): T {
  const lock = acquireWriteLock(root, timeoutMs);
  try {
    return fn();
  } finally {
    lock.release();
  }
}
