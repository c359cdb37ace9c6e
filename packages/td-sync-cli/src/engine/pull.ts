/**
 * Pull phase: pages from the stored cursor; `beforeApply`; per page one transaction holding every
 * applied row, conflict, skipped event, the backend's staged state and the new cursor (for http
 * also td's sync_state watermark and sync_history). A transient failure of any event rolls the
 * whole page back and keeps the cursor (spec §6.4).
 */
import {unwrapIssue, type Conflict, type JsonObject, type PullResult, type Resolution, type SyncEvent} from 'td-sync-sdk';
import {newId, parseTdTime, utcNano} from '../store/index.js';
import {applyTotal, ingest, materialize, newestStamp, overwritesLocal, prepare, registerWrites, stampOf, type Prepared} from './apply.js';
import {classifyFailure} from './classify.js';
import {buildEvent, pendingRowsFor} from './pending.js';
import {recordConflict, recordHistory, recordSkip} from './records.js';
import type {Run} from './run.js';
import {ensureEngineTables} from './schema.js';
import {stampAndIngest, stampLocalRows} from './stamping.js';
import {ENTITY_LABEL, readRow, rowToJson, toSqlValue} from './tables.js';
import {ensureTdSyncState, loadCursor, remoteOf, storeCursor} from './targets.js';
import {numericSeq} from './records.js';

/** A plugin's hook threw: the page is rolled back and the run fails (it is not an event's fault). */
class HookFailure extends Error {
  constructor(hook: string, tap: string | undefined, cause: unknown) {
    super(`the ${hook} hook failed${tap ? ` in tap "${tap}"` : ''}: ${(cause as Error)?.message ?? cause}; nothing from this page was applied`, {cause});
    this.name = 'HookFailure';
  }
}

class PageRolledBack extends Error {
  constructor(readonly failures: Array<{ev: SyncEvent; error: unknown}>) {
    const first = failures[0];
    super(`${failures.length} remote event(s) failed (first: seq=${String(first.ev.remoteSeq ?? '?')}: ${(first.error as Error)?.message ?? first.error}); batch rolled back and sync cursor preserved`);
  }
}

/** Which tap resolved the last onConflict call (tapable interceptors, registered once per hook). */
const resolverTrack = new WeakMap<object, {last?: string}>();
function trackResolver(hook: Run['hooks']['onConflict']): {last?: string} {
  let t = resolverTrack.get(hook);
  if (!t) {
    const track: {last?: string} = {};
    hook.intercept({
      call: () => {
        track.last = undefined;
      },
      tap: (tap) => {
        track.last = tap.name;
      },
    });
    resolverTrack.set(hook, track);
    t = track;
  }
  return t;
}

function modifiedSince(local: Record<string, unknown>, since: Date | undefined): boolean {
  if (!since) return false;
  for (const k of ['updated_at', 'timestamp', 'created_at']) {
    const v = local[k];
    if (typeof v !== 'string') continue;
    const d = parseTdTime(v);
    if (d) return d.getTime() > since.getTime();
  }
  return true;
}

function validResolution(r: unknown): r is Resolution {
  if (!r || typeof r !== 'object') return false;
  const w = (r as Resolution).winner;
  if (w === 'remote' || w === 'local') return true;
  return w === 'merge' && typeof (r as {row?: unknown}).row === 'object' && (r as {row?: unknown}).row !== null;
}

interface PageSummary {
  applied: number;
  conflicts: number;
  skipped: number;
}

/** A new local journal row carrying the row a conflict resolution chose, so it reaches every peer. */
function journalChosen(run: Run, prep: Prepared, row: Record<string, unknown>): void {
  const db = run.store.db;
  const data = rowToJson(db, prep.table, row);
  const info = db
    .prepare("INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, previous_data, new_data, timestamp, undone) VALUES (?, ?, 'update', ?, ?, '', ?, ?, 0)")
    .run(newId.action(), run.sessionId, ENTITY_LABEL[prep.table], prep.id, JSON.stringify(data), utcNano(run.now()));
  if (!run.unordered) return;
  const rowid = Number(info.lastInsertRowid);
  const built = buildEvent(
    {rowid, id: 'al-resolution', session_id: run.sessionId, action_type: 'update', entity_type: ENTITY_LABEL[prep.table], entity_id: prep.id, new_data: JSON.stringify(data), previous_data: '', timestamp: utcNano(run.now())},
    run.deviceId, run.sessionId, run.now().toISOString(),
  );
  if ('event' in built) stampAndIngest(db, built.event, run.now(), run.now());
}

/** Write a merged row over the local one (total order; unordered goes through the journal). */
function writeMerged(run: Run, prep: Prepared, row: JsonObject): Record<string, unknown> {
  const db = run.store.db;
  const cols = Object.keys(row).filter((c) => c !== 'id' && prep.info.columns.has(c)).sort();
  if (cols.length > 0) {
    db.prepare(`UPDATE ${prep.table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(
      ...cols.map((c) => toSqlValue(prep.table, prep.info.columns.get(c)!, row[c])), prep.id,
    );
  }
  return readRow(db, prep.table, prep.id) ?? {...row, id: prep.id};
}

/** Local events of this entity not yet acknowledged by the target (rows that cannot be read are left out). */
function localPending(run: Run, prep: Prepared): SyncEvent[] {
  const out: SyncEvent[] = [];
  for (const row of pendingRowsFor(run.store.db, run.target.targetId, run.target.backendName, prep.id)) {
    try {
      const b = buildEvent(row, run.deviceId, run.sessionId);
      if ('event' in b && b.event.entityType === prep.table) out.push(b.event);
    } catch {
      /* a broken local row is reported by the push phase, never blamed on the remote event */
    }
  }
  return out;
}

async function applyOne(run: Run, ev: SyncEvent, summary: PageSummary, failures: Array<{ev: SyncEvent; error: unknown}>): Promise<void> {
  const db = run.store.db;
  const target = run.target.targetId;
  const self = ev.deviceId === run.deviceId;
  db.exec('SAVEPOINT td_sync_event');
  try {
    const prep = prepare(db, ev);
    const local = readRow(db, prep.table, prep.id);
    let resolution: Resolution | undefined;
    let resolvedBy = 'default';
    let conflict = false;
    let localSnapshot: JsonObject | null = null;
    if (!self && local && overwritesLocal(prep, ev, local)) {
      const pending = localPending(run, prep);
      if (pending.length > 0 || modifiedSince(local, run.lastSyncAt)) {
        conflict = true;
        localSnapshot = rowToJson(db, prep.table, local);
        const c: Conflict = {target, entityType: prep.table, entityId: prep.id, local: localSnapshot, localPending: pending, remote: ev};
        const track = trackResolver(run.hooks.onConflict);
        let r: Resolution | undefined;
        try {
          r = await run.hooks.onConflict.promise(c, run.runContext);
        } catch (e) {
          throw new HookFailure('onConflict', track.last, e);
        }
        if (r !== undefined && r !== null) {
          if (validResolution(r)) {
            resolution = r;
            resolvedBy = track.last ?? 'plugin';
          } else run.report.warnings.push(`an onConflict tap returned an invalid resolution for ${prep.table}/${prep.id}; the default policy was used`);
        }
      }
    }

    let orphan: string | undefined;
    let winner: string;
    if (run.unordered) {
      ensureEngineTables(db);
      const stamp = stampOf(ev);
      const newestBefore = newestStamp(db, prep.table, prep.id);
      const writes = registerWrites(prep, ev);
      const changed = ingest(db, prep.table, prep.id, writes, stamp);
      const result = changed ? materialize(db, prep.table, prep.id) : 'untouched';
      if (result === 'waiting_parent') orphan = `orphaned ${prep.table}/${prep.id}: a parent row is missing; it will appear when the parent arrives`;
      winner = !newestBefore || stamp > newestBefore ? 'remote' : 'local';
    } else if (resolution?.winner === 'local') {
      winner = 'local';
    } else {
      const out = applyTotal(db, prep, ev);
      if (out.kind === 'orphan') orphan = out.detail;
      winner = 'remote';
    }
    if (resolution?.winner === 'remote' && winner === 'local' && local) {
      // Unordered: the tap wants the remote version although its stamp is older; make it the newest.
      const intended = ev.actionType === 'create' || !prep.prevData ? {...local, ...(unwrapFor(prep) ?? {})} : {...local, ...remoteChanges(prep)};
      winner = 'remote';
      journalChosen(run, prep, intended);
    } else if (resolution?.winner === 'local') {
      winner = 'local';
      const current = readRow(db, prep.table, prep.id);
      if (run.unordered || current) journalChosen(run, prep, run.unordered ? {...local!} : current!);
    } else if (resolution?.winner === 'merge') {
      winner = 'merge';
      const merged = {...local!, ...resolution.row, id: prep.id};
      const written = run.unordered ? merged : writeMerged(run, prep, resolution.row);
      journalChosen(run, prep, written);
    }
    if (conflict) {
      summary.conflicts++;
      recordConflict(db, {target, event: ev, local: localSnapshot, resolution: winner, resolvedBy});
    }
    if (orphan) {
      summary.skipped++;
      recordSkip(db, target, ev, 'orphaned_parent', orphan);
    } else summary.applied++;
    db.exec('RELEASE td_sync_event');
  } catch (error) {
    db.exec('ROLLBACK TO td_sync_event');
    db.exec('RELEASE td_sync_event');
    if (error instanceof HookFailure) throw error;
    if (classifyFailure(error) === 'permanent') {
      summary.skipped++;
      recordSkip(db, target, ev, 'quarantined', String((error as Error)?.message ?? error));
      run.logger.warn(`quarantined remote event ${ev.entityType}/${ev.entityId}: ${(error as Error)?.message ?? error}`);
    } else failures.push({ev, error});
  }
  if (run.http) recordHistory(db, 'pull', ev, ev.remoteSeq, String(ev.deviceId ?? ''));
}

const unwrapFor = (prep: Prepared) => (prep.table === 'issues' ? unwrapIssue(prep.newData) : prep.newData);

/** What an update changes (previous -> new), with removed keys as null. */
function remoteChanges(prep: Prepared): JsonObject {
  const prev = (prep.table === 'issues' ? unwrapIssue(prep.prevData) : prep.prevData) ?? {};
  const next = unwrapFor(prep) ?? {};
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(next)) if (JSON.stringify(prev[k]) !== JSON.stringify(v)) out[k] = v;
  for (const k of Object.keys(prev)) if (!(k in next)) out[k] = null;
  delete out.id;
  return out;
}

function checkPage(page: PullResult): PullResult {
  if (!page || !Array.isArray(page.events) || typeof page.hasMore !== 'boolean' || !(page.cursor === null || typeof page.cursor === 'string')) {
    throw new TypeError('backend pull() must return {events: [], cursor: string | null, hasMore: boolean}');
  }
  return page;
}

function commitCursor(run: Run, cursor: string | null): void {
  const db = run.store.db;
  storeCursor(db, run.target.targetId, cursor, run.now());
  if (run.http) {
    ensureTdSyncState(db, run.target.config, remoteOf(run.target.targetId, run.target.backendName));
    const seq = numericSeq(cursor);
    if (seq !== undefined) db.prepare('UPDATE sync_state SET last_pulled_server_seq = ?, last_sync_at = CURRENT_TIMESTAMP').run(seq);
    else db.prepare('UPDATE sync_state SET last_sync_at = CURRENT_TIMESTAMP').run();
  }
  run.state.flush();
}

export async function pullPhase(run: Run): Promise<void> {
  if (!run.caps.bidirectional) return;
  let cursor = loadCursor(run.store.db, run.target.targetId, run.target.backendName);
  const limit = Math.max(1, Math.min(run.options.pageSize ?? run.caps.maxPullPage, 1000, run.caps.maxPullPage));
  run.progress.start('pull');
  try {
    for (;;) {
      if (run.signal.aborted) {
        run.report.stopped = {code: 'aborted', message: 'sync was interrupted; every applied page is recorded', hint: 'run "td sync" again'};
        return;
      }
      const page = checkPage(await run.backend.pull({cursor, limit}));
      run.report.pulled += page.events.length;
      if (run.dryRun) {
        if (page.events.length === 0 || !page.hasMore || page.cursor === cursor) return;
        cursor = page.cursor;
        continue;
      }
      if (page.events.length === 0) {
        if (page.cursor !== cursor) {
          run.writer.tx(() => commitCursor(run, page.cursor));
          run.state.committed();
        }
        return;
      }
      const events = await run.hooks.beforeApply.promise([...page.events], run.runContext);
      if (!Array.isArray(events)) throw new TypeError('a beforeApply tap returned something other than an array of events');
      const summary: PageSummary = {applied: 0, conflicts: 0, skipped: 0};
      const failures: Array<{ev: SyncEvent; error: unknown}> = [];
      try {
        await run.writer.txAsync(async () => {
          // Local rows written while this run waited on the network get their stamps first.
          if (run.unordered) stampLocalRows(run.store, run.deviceId, run.sessionId, run.now());
          for (const ev of events) await applyOne(run, ev, summary, failures);
          if (failures.length > 0) throw new PageRolledBack(failures);
          commitCursor(run, page.cursor);
        });
      } catch (e) {
        if (e instanceof PageRolledBack) {
          run.report.failed += failures.length;
          run.report.stopped = {code: 'pull_rolled_back', message: e.message, hint: 'nothing of that page was applied; run "td sync" again (the failure looked temporary)'};
          run.hooks.onError.call({target: run.target.targetId, phase: 'apply', error: e});
          return;
        }
        throw e;
      }
      run.state.committed();
      run.report.applied += summary.applied;
      run.report.conflicts += summary.conflicts;
      run.report.skipped += summary.skipped;
      run.progress.tick(page.events.length);
      await run.hooks.afterApply.promise({target: run.target.targetId, pulled: page.events.length, ...summary}, run.runContext);
      cursor = page.cursor;
      if (!page.hasMore) return;
    }
  } finally {
    run.progress.done();
  }
}

