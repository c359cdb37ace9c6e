/**
 * Push phase: backfill (before the first pull), stamping of local rows (unordered targets),
 * pending events in rowid order, `beforePush`, batches of capabilities.maxPushBatch, and per batch
 * one transaction that records acks (td_sync_acks; for http also action_log.synced_at/server_seq,
 * sync_state and sync_history) together with the backend's staged state.
 */
import type {PushResult, SyncEvent} from 'td-sync-sdk';
import {orphanBackfill, staleIssueBackfill} from './backfill.js';
import {callHook} from './hook-calls.js';
import {buildEvent, localStampLookup, pendingRows} from './pending.js';
import {numericSeq, recordHistory, seqText} from './records.js';
import {carries, type Run} from './run.js';
import {stampLocalRows} from './stamping.js';
import {ensureTdSyncState, hasPulled, hasPushed, markPushed, remoteOf} from './targets.js';

const ROLLBACK = Symbol('dry-run rollback');

/** Backfill + stamping + collection, in one transaction (rolled back in a dry run). */
function collect(run: Run): SyncEvent[] {
  const {store} = run;
  const work = () => {
    // Backfill runs until the target's first pull (td); a push-only target backfills before its first push.
    const started = run.caps.bidirectional ? hasPulled(store.db, run.target.targetId, run.target.backendName) : hasPushed(store.db, run.target.targetId);
    if (!started) {
      const n = orphanBackfill(store.db, run.sessionId, run.now()) + staleIssueBackfill(store.db, run.sessionId);
      if (n > 0) run.logger.info(`backfilled ${n} journal row(s) for rows td wrote without one`, {count: n});
    }
    if (run.unordered && !run.dryRun) stampLocalRows(store, run.deviceId, run.sessionId, run.now());
    const stamps = localStampLookup(store.db);
    const events: SyncEvent[] = [];
    const notCarried = new Map<string, number>();
    const unknown = new Map<string, number>();
    for (const row of pendingRows(store.db, run.target.targetId, run.target.backendName)) {
      const built = buildEvent(row, run.deviceId, run.sessionId, stamps(row.rowid));
      if (!('event' in built)) {
        if (built.skip === 'entity_type') unknown.set(row.entity_type, (unknown.get(row.entity_type) ?? 0) + 1);
        continue;
      }
      if (!carries(run.caps, built.event.entityType)) {
        notCarried.set(built.event.entityType, (notCarried.get(built.event.entityType) ?? 0) + 1);
        continue;
      }
      events.push(built.event);
    }
    // Stranded events are said out loud (a silent backlog is how td users lost work before).
    const list = (m: Map<string, number>) => [...m].map(([k, n]) => `${k} (${n})`).join(', ');
    const held = [...notCarried.values()].reduce((a, b) => a + b, 0);
    if (held > 0) {
      run.report.heldBack = (run.report.heldBack ?? 0) + held;
      run.report.warnings.push(`${held} event(s) stay pending: the ${run.target.backendName} backend does not carry ${list(notCarried)}`);
    }
    if (unknown.size > 0) run.report.warnings.push(`journal rows with entity types td does not sync stay pending: ${list(unknown)}`);
    return events;
  };
  if (!run.dryRun) return run.writer.tx(work);
  let out: SyncEvent[] = [];
  try {
    run.writer.tx(() => {
      out = work();
      throw ROLLBACK;
    });
  } catch (e) {
    if (e !== ROLLBACK) throw e;
  }
  return out;
}

/** Local rows stamped for unordered targets even when this run does not push. */
export function stampOnly(run: Run): void {
  if (run.unordered && !run.dryRun) run.writer.tx(() => stampLocalRows(run.store, run.deviceId, run.sessionId, run.now()));
}

async function beforePush(run: Run, events: SyncEvent[]): Promise<SyncEvent[]> {
  const result = await callHook('beforePush', run.hooks.beforePush, () => run.hooks.beforePush.promise(events.map((e) => structuredClone(e)), run.runContext));
  if (!Array.isArray(result)) throw new TypeError('a beforePush tap returned something other than an array of events');
  const known = new Set(events.map((e) => e.clientActionId));
  const seen = new Set<number>();
  const out: SyncEvent[] = [];
  for (const ev of result) {
    if (!ev || !known.has(ev.clientActionId) || seen.has(ev.clientActionId)) {
      run.report.warnings.push(`a beforePush tap returned an event that is not pending here (clientActionId ${ev?.clientActionId}); it was not pushed`);
      continue;
    }
    seen.add(ev.clientActionId);
    out.push(ev);
  }
  const dropped = events.length - out.length;
  if (dropped > 0) {
    run.report.heldBack = (run.report.heldBack ?? 0) + dropped;
    run.report.warnings.push(`a beforePush tap held back ${dropped} event(s); they stay pending`);
  }
  return out;
}

function checkResult(result: PushResult): PushResult {
  if (!result || !Array.isArray(result.acks) || !Array.isArray(result.rejections)) {
    throw new TypeError('backend push() must return {acks: [], rejections: []}');
  }
  return result;
}

function recordBatch(run: Run, batch: SyncEvent[], result: PushResult): number {
  const db = run.store.db;
  const byId = new Map(batch.map((e) => [e.clientActionId, e]));
  const acked: Array<{ev: SyncEvent; seq: unknown; duplicate: boolean}> = [];
  for (const a of result.acks) {
    const ev = byId.get(a.clientActionId);
    if (ev) acked.push({ev, seq: a.remoteSeq, duplicate: false});
  }
  for (const r of result.rejections) {
    const ev = byId.get(r.clientActionId);
    if (!ev) continue;
    const isDup = r.reason === 'duplicate' && (run.http ? numericSeq(r.remoteSeq) !== undefined : true);
    if (isDup) acked.push({ev, seq: r.remoteSeq, duplicate: true});
    else {
      run.report.rejected++;
      if (run.report.warnings.length < 20) run.report.warnings.push(`${run.target.backendName} rejected ${ev.entityType}/${ev.entityId} (${r.reason}${r.message ? `: ${r.message}` : ''}); it stays pending`);
    }
  }
  run.writer.tx(() => {
    const ack = db.prepare('INSERT OR REPLACE INTO td_sync_acks (target, action_rowid, remote_seq) VALUES (?, ?, ?)');
    for (const a of acked) ack.run(run.target.targetId, a.ev.clientActionId, seqText(a.seq));
    if (run.http && acked.length > 0) {
      const mark = db.prepare('UPDATE action_log SET synced_at = CURRENT_TIMESTAMP, server_seq = ? WHERE rowid = ?');
      for (const a of acked) mark.run(numericSeq(a.seq) ?? null, a.ev.clientActionId);
      ensureTdSyncState(db, run.target.config, remoteOf(run.target.targetId, run.target.backendName));
      const maxRowid = Math.max(...acked.map((a) => a.ev.clientActionId));
      db.prepare('UPDATE sync_state SET last_pushed_action_id = ?, last_sync_at = CURRENT_TIMESTAMP').run(maxRowid);
      for (const a of acked) if (!a.duplicate) recordHistory(db, 'push', a.ev, a.seq, run.deviceId);
    }
    if (acked.length > 0) markPushed(db, run.target.targetId, run.now());
    run.state.flush();
  });
  run.state.committed();
  return acked.length;
}

export async function pushPhase(run: Run): Promise<void> {
  const pending = collect(run);
  if (pending.length === 0) return;
  const events = await beforePush(run, pending);
  if (run.dryRun) {
    run.report.pushed = events.length;
    return;
  }
  const size = Math.max(1, run.caps.maxPushBatch);
  run.progress.start('push', events.length);
  try {
    for (let i = 0; i < events.length; i += size) {
      if (run.signal.aborted) {
        run.report.stopped = {code: 'aborted', message: 'sync was interrupted; what was acknowledged is recorded', hint: 'run "td sync" again'};
        return;
      }
      const batch = events.slice(i, i + size);
      const result = checkResult(await run.backend.push(batch));
      run.report.pushed += recordBatch(run, batch, result);
      await callHook('afterPush', run.hooks.afterPush, () => run.hooks.afterPush.promise(result, run.runContext));
      run.progress.tick(batch.length);
    }
  } finally {
    run.progress.done();
  }
}

