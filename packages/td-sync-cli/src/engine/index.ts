/**
 * The sync engine: `runSync` for `td sync`, and the read-only queries `td sync status` and
 * `td sync conflicts` use.
 */
import type {Store} from '../store/index.js';
import {readTarget, isHttp, readTdSyncState} from './targets.js';
import {pendingCount} from './pending.js';

export type {ResolvedTarget, SyncReport, SyncRunOptions, SyncIssue} from './api.js';
export {runSync} from './sync.js';
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
