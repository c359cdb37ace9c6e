/**
 * The sync engine: `runSync` for `td sync`, and the read-only queries `td sync status` and
 * `td sync conflicts` use.
 *
 * A run against one target: sync lock for the run, td's write lock per transaction only;
 * `quick_check`; backend created and validated; push (backfill before the first pull, pending
 * journal rows in rowid order, `beforePush`, batches, acks + staged backend state per batch in one
 * transaction); pull (pages from the stored cursor, `beforeApply`, conflicts and `onConflict`,
 * apply, skips, staged state and the new cursor in one transaction per page); report.
 *
 * Apply policy follows `capabilities.ordering`: `total` is td's algorithm in server order;
 * `unordered` keeps last-writer-wins registers per field (td_sync_field_stamps) so any arrival
 * order converges. The `http` target also keeps td's own bookkeeping (action_log.synced_at /
 * server_seq, sync_state, sync_history) so a project the Go td synced goes on syncing.
 *
 * Per-target bookkeeping: td_sync_targets (cursor, times), td_sync_acks (what the target has),
 * td_sync_backend_state, td_sync_conflicts and td_sync_skipped (plus td's sync_conflicts and
 * sync_skipped_events).
 */
import type {Store} from '../store/index.js';
import {readTarget, isHttp, readTdSyncState} from './targets.js';
import {pendingCount} from './pending.js';

export type {ResolvedTarget, SyncReport, SyncRunOptions, SyncIssue} from './api.js';
export {runSync} from './sync.js';
export {bootstrapFromSnapshot, snapshotThreshold, type BootstrapResult} from './bootstrap.js';
export {pendingCount, pendingEvents} from './pending.js';
export {listConflicts, type ConflictRow} from './records.js';

export interface TargetStateInfo {
  targetId: string;
  backend: string | null;
  remote: string | null;
  /** Opaque cursor of the last applied page (null: never pulled). */
  cursor: string | null;
  lastSyncAt: string | null;
  lastPushAt: string | null;
  lastPullAt: string | null;
  /** Pending local events (needs the backend name; taken from the target row or the id prefix). */
  pending: number;
  acked: number;
  conflicts: number;
  skipped: number;
  quarantined: number;
  orphaned: number;
}

const hasTable = (store: Store, name: string) => !!store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);
const count = (store: Store, sql: string, ...params: unknown[]) => {
  const table = /FROM (\w+)/.exec(sql)![1];
  return hasTable(store, table) ? Number((store.db.prepare(sql).get(...params) as {n: number}).n) : 0;
};

/** What `td sync status` shows about one target. Reads only. */
export function targetState(store: Store, targetId: string, backendName?: string): TargetStateInfo {
  const row = hasTable(store, 'td_sync_targets') ? readTarget(store.db, targetId) : undefined;
  const backend = backendName ?? row?.backend ?? (targetId.includes(':') ? targetId.slice(0, targetId.indexOf(':')) : null);
  const http = backend !== null && isHttp(backend);
  const td = http ? readTdSyncState(store.db) : undefined;
  return {
    targetId,
    backend,
    remote: row?.remote ?? null,
    cursor: row?.cursor ?? (http && td && td.last_pulled_server_seq > 0 ? String(td.last_pulled_server_seq) : null),
    lastSyncAt: row?.last_sync_at ?? td?.last_sync_at ?? null,
    lastPushAt: row?.last_push_at ?? null,
    lastPullAt: row?.last_pull_at ?? null,
    pending: backend ? pendingCount(store, targetId, backend) : 0,
    acked: count(store, 'SELECT COUNT(*) AS n FROM td_sync_acks WHERE target = ?', targetId),
    conflicts: count(store, 'SELECT COUNT(*) AS n FROM td_sync_conflicts WHERE target = ?', targetId),
    skipped: count(store, 'SELECT COUNT(*) AS n FROM td_sync_skipped WHERE target = ?', targetId),
    quarantined: count(store, "SELECT COUNT(*) AS n FROM td_sync_skipped WHERE target = ? AND reason = 'quarantined'", targetId),
    orphaned: count(store, "SELECT COUNT(*) AS n FROM td_sync_skipped WHERE target = ? AND reason = 'orphaned_parent'", targetId),
  };
}
