/**
 * `runSync`: the one engine for every backend (DESIGN §5). Push, then pull, against one target;
 * the report says what happened. Rate limits and transient remote failures stop the run cleanly
 * (everything recorded so far is consistent, the rest is retried next time); configuration and
 * authentication errors propagate with their hints.
 */
import {isSyncError, SyncError} from 'td-sync-sdk';
import type {Store} from '../store/index.js';
import type {ResolvedTarget, SyncReport, SyncRunOptions} from './api.js';
import {acquireSyncLock} from './locking.js';
import {pendingCount} from './pending.js';
import {pullPhase} from './pull.js';
import {pushPhase, stampOnly} from './push.js';
import {emptyReport, openRun, type Run} from './run.js';
import {ensureEngineTables} from './schema.js';
import {ensureTarget, isHttp, readTdSyncState} from './targets.js';

function checkDatabase(store: Store): void {
  const rows = store.db.pragma('quick_check') as Array<{quick_check: string}>;
  const problems = rows.map((r) => r.quick_check).filter((v) => v !== 'ok');
  if (problems.length > 0) {
    throw new SyncError('permanent', `database ${store.dbPath} failed its integrity check (${problems.slice(0, 3).join('; ')}); nothing was synced`, {
      code: 'database_error', hint: 'restore .todos/issues.db from a backup (or run "td doctor") before syncing',
    });
  }
}

function stopFor(report: SyncReport, error: unknown, phase: 'push' | 'pull', now: Date): boolean {
  if (!isSyncError(error)) return false;
  if (error.kind === 'rate_limit') {
    const retryAt = (error as SyncError & {retryAt?: Date}).retryAt ?? (typeof error.details?.retryAt === 'string' ? new Date(error.details.retryAt) : undefined);
    report.stopped = {code: error.code === 'rate_limit' ? 'rate_limited' : error.code, message: error.message, hint: error.hint ?? 'wait, then run "td sync" again; nothing was lost', retryAt: retryAt?.toISOString()};
    if (retryAt) report.rateLimitWaitMs = Math.max(0, retryAt.getTime() - now.getTime());
    return true;
  }
  if (error.kind === 'transient') {
    report.stopped = {code: error.code, message: `${phase} stopped: ${error.message}`, hint: error.hint ?? 'run "td sync" again; what was recorded is kept'};
    return true;
  }
  return false;
}

export async function runSync(store: Store, target: ResolvedTarget, options: SyncRunOptions = {}): Promise<SyncReport> {
  const started = Date.now();
  const report = emptyReport(target, !!options.dryRun);
  const doPush = options.push ?? true;
  const doPull = options.pull ?? true;
  const bothOff = options.push === false && options.pull === false;
  const syncLock = acquireSyncLock(store.root);
  let run: Run | undefined;
  let phase: 'push' | 'pull' = 'push';
  try {
    checkDatabase(store);
    if (!options.dryRun) {
      ensureEngineTables(store.db);
      ensureTarget(store.db, target.targetId, target.backendName);
    }
    if (isHttp(target.backendName) && readTdSyncState(store.db)?.sync_disabled) {
      // td honours this flag everywhere (and never sets it); so do we.
      report.stopped = {code: 'sync_disabled', message: 'sync is disabled for this project (sync_state.sync_disabled = 1)', hint: 'set sync_state.sync_disabled to 0 in .todos/issues.db to sync again'};
      report.pending = pendingCount(store, target.targetId, target.backendName);
      return report;
    }
    run = await openRun(store, target, options, report);
    try {
      if (!bothOff && doPush) await pushPhase(run);
      else stampOnly(run);
      phase = 'pull';
      if (!bothOff && doPull && !report.stopped) await pullPhase(run);
    } catch (error) {
      target.hooks.onError.call({target: target.targetId, phase, error: error as Error});
      if (!stopFor(report, error, phase, run.now())) throw error;
    }
  } catch (error) {
    if (!run) target.hooks.onError.call({target: target.targetId, phase: 'load', error: error as Error});
    throw error;
  } finally {
    try {
      await run?.backend.close?.();
    } catch (e) {
      report.warnings.push(`closing the ${target.backendName} backend failed: ${(e as Error).message}`);
    }
    syncLock.release();
  }
  report.pending = pendingCount(store, target.targetId, target.backendName);
  report.durationMs = Date.now() - started;
  await target.hooks.afterSync.promise({
    target: report.target, pushed: report.pushed, pulled: report.pulled, applied: report.applied,
    conflicts: report.conflicts, skipped: report.skipped, failed: report.failed, durationMs: report.durationMs,
  });
  return report;
}
