/**
 * Pull phase: pages from the stored cursor; `beforeApply`; per page one transaction holding every
 * applied row, conflict, skipped event, the backend's staged state and the new cursor (for http
 * also td's sync_state watermark and sync_history). A transient failure of any event rolls the
 * whole page back and keeps the cursor (spec §6.4).
 */
import type {PullResult, SyncEvent} from 'td-sync-sdk';
import {applyTotal, ingest, materialize, newestStamp, prepare, registerWrites, stampOf, type Prepared} from './apply.js';
import {classifyFailure} from './classify.js';
import {applyResolution, findConflict, NO_CONFLICT, resolveConflict, type ConflictCheck} from './conflicts.js';
import {callHook, isHookFailure} from './hook-calls.js';
import {numericSeq, recordConflict, recordHistory, recordSkip, recordUnreadable} from './records.js';
import type {Run} from './run.js';
import {ensureEngineTables} from './schema.js';
import {stampLocalRows} from './stamping.js';
import {readRow} from './tables.js';
import {ensureTdSyncState, loadCursor, remoteOf, storeCursor} from './targets.js';

class PageRolledBack extends Error {
  constructor(readonly failures: Array<{ev: SyncEvent; error: unknown}>) {
    const first = failures[0];
    super(`${failures.length} remote event(s) failed (first: seq=${String(first.ev.remoteSeq ?? '?')}: ${(first.error as Error)?.message ?? first.error}); batch rolled back and sync cursor preserved`);
  }
}

interface PageSummary {
  applied: number;
  conflicts: number;
  skipped: number;
}

/**
 * The engine's own policy for one event: td's rules in server order, or the stamp registers for
 * unordered backends (where the event is always taken in; a tap's decision is applied on top).
 * `keepLocal` (total order): the tap chose the local version, so the event is not applied.
 */
function applyByPolicy(run: Run, prep: Prepared, ev: SyncEvent, keepLocal: boolean, local: Record<string, unknown> | undefined): {winner: 'remote' | 'local'; orphan?: string} {
  const db = run.store.db;
  if (run.unordered) {
    ensureEngineTables(db);
    const stamp = stampOf(ev);
    const newestBefore = newestStamp(db, prep.table, prep.id);
    const changed = ingest(db, prep.table, prep.id, registerWrites(prep, ev), stamp);
    const result = changed ? materialize(db, prep.table, prep.id) : 'untouched';
    const winner = !newestBefore || stamp > newestBefore ? 'remote' : 'local';
    if (result === 'waiting_parent') return {winner, orphan: `orphaned ${prep.table}/${prep.id}: a parent row is missing; it will appear when the parent arrives`};
    return {winner};
  }
  if (keepLocal) return {winner: 'local'};
  const out = applyTotal(db, prep, ev, {row: local});
  if (out.kind === 'orphan') return {winner: 'remote', orphan: out.detail};
  // The project also syncs with an unordered target: keep its registers aware of this change, so a
  // later event from that target does not bring back older values.
  if (run.hasRegisters) {
    try {
      ingest(db, prep.table, prep.id, registerWrites(prep, ev), stampOf(ev));
    } catch {
      /* what td's rules accepted stays applied; the registers just do not learn this one */
    }
  }
  return {winner: 'remote'};
}

/** Per-event savepoint statements, prepared once per connection (an event is applied whole or not at all). */
const savepoints = new WeakMap<object, {begin: {run(): unknown}; release: {run(): unknown}; rollback: {run(): unknown}}>();
function savepointOf(run: Run) {
  const db = run.store.db;
  let s = savepoints.get(db);
  if (!s) {
    s = {begin: db.prepare('SAVEPOINT td_sync_event'), release: db.prepare('RELEASE td_sync_event'), rollback: db.prepare('ROLLBACK TO td_sync_event')};
    savepoints.set(db, s);
  }
  return s;
}

/**
 * Does applying this event take more than one write statement? Then it runs inside a savepoint, so
 * that a failure part-way leaves nothing of it. A single statement is atomic in SQLite by itself,
 * and a savepoint is not free: every page the event touches is copied to the savepoint journal
 * first (for td's indexed tables that was a third of the apply time).
 * Single statement: a create or update of any table but dependencies (INSERT OR REPLACE, or an
 * UPDATE that, when it changes nothing, is followed by that INSERT), a soft delete, a restore —
 * under td's rules, with no conflict to resolve and no registers to keep.
 */
function needsSavepoint(run: Run, prep: Prepared, ev: SyncEvent, conflict: boolean): boolean {
  if (conflict || run.unordered || run.hasRegisters) return true;
  if (ev.actionType === 'delete') return true;
  return prep.table === 'issue_dependencies';
}

/**
 * Apply one pulled event (in a savepoint when it takes several statements). Synchronous unless the
 * event is a conflict (then the onConflict taps are awaited): the tight loop over a page must not
 * pay a promise per event.
 */
function applyOne(run: Run, ev: SyncEvent, summary: PageSummary, failures: Array<{ev: SyncEvent; error: unknown}>): Promise<void> | undefined {
  let prep: Prepared;
  let local: Record<string, unknown> | undefined;
  let conflict: ReturnType<typeof findConflict>;
  try {
    prep = prepare(run.store.db, ev);
    local = readRow(run.store.db, prep.table, prep.id);
    conflict = findConflict(run, prep, ev, local, ev.deviceId === run.deviceId);
  } catch (error) {
    return void failOne(run, ev, summary, failures, error, false);
  }
  const guarded = needsSavepoint(run, prep, ev, !!conflict);
  if (guarded) savepointOf(run).begin.run();
  if (!conflict) return void finishOne(run, ev, summary, failures, prep, local, NO_CONFLICT, guarded);
  const c = conflict;
  return resolveConflict(run, prep, c).then(
    (check) => finishOne(run, ev, summary, failures, prep, local, check, guarded),
    (error) => failOne(run, ev, summary, failures, error, guarded),
  );
}

function finishOne(run: Run, ev: SyncEvent, summary: PageSummary, failures: Array<{ev: SyncEvent; error: unknown}>, prep: Prepared, local: Record<string, unknown> | undefined, check: ConflictCheck, guarded: boolean): void {
  const db = run.store.db;
  try {
    const {conflict, resolution, resolvedBy, localSnapshot} = check;
    const {winner: byDefault, orphan} = applyByPolicy(run, prep, ev, resolution?.winner === 'local', local);
    const winner = applyResolution(run, prep, ev, local, resolution, byDefault);
    if (conflict) {
      summary.conflicts++;
      recordConflict(db, {target: run.target.targetId, event: ev, local: localSnapshot, resolution: winner, resolvedBy});
    }
    if (orphan) {
      summary.skipped++;
      recordSkip(db, run.target.targetId, ev, 'orphaned_parent', orphan);
    } else summary.applied++;
    if (guarded) savepointOf(run).release.run();
  } catch (error) {
    return failOne(run, ev, summary, failures, error, guarded);
  }
  if (run.http) recordHistory(db, 'pull', ev, ev.remoteSeq, String(ev.deviceId ?? ''));
}

/** Undo the event's savepoint (if it had one); quarantine a permanent failure, keep a transient one for the page. */
function failOne(run: Run, ev: SyncEvent, summary: PageSummary, failures: Array<{ev: SyncEvent; error: unknown}>, error: unknown, guarded: boolean): void {
  const db = run.store.db;
  if (guarded) {
    const sp = savepointOf(run);
    sp.rollback.run();
    sp.release.run();
  }
  if (isHookFailure(error)) throw error;
  if (classifyFailure(error) === 'permanent') {
    summary.skipped++;
    recordSkip(db, run.target.targetId, ev, 'quarantined', String((error as Error)?.message ?? error));
    run.logger.warn(`quarantined remote event ${ev.entityType}/${ev.entityId}: ${(error as Error)?.message ?? error}`);
  } else failures.push({ev, error});
  if (run.http) recordHistory(db, 'pull', ev, ev.remoteSeq, String(ev.deviceId ?? ''));
}

function checkPage(page: PullResult): PullResult {
  if (!page || !Array.isArray(page.events) || typeof page.hasMore !== 'boolean' || !(page.cursor === null || typeof page.cursor === 'string')) {
    throw new TypeError('backend pull() must return {events: [], cursor: string | null, hasMore: boolean}');
  }
  if (page.skipped !== undefined && !(Array.isArray(page.skipped) && page.skipped.every((s) => typeof s?.reason === 'string'))) {
    throw new TypeError('backend pull() returned `skipped` that is not an array of {reason: string, ...}');
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

/**
 * Pulled pages applied in one transaction: td's database journals every page it touches on each
 * COMMIT (journal_mode TRUNCATE, two syncs), so a commit per 1,000-event page costs more than the
 * applying itself. Pages are fetched (and passed through `beforeApply`) outside the transaction,
 * then applied together with the last page's cursor; a failure rolls the group back to the last
 * commit, whose cursor the next run resumes from.
 */
const GROUP_EVENTS = 5000;

interface FetchedPage {
  page: PullResult;
  events: SyncEvent[];
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
      // Fetch up to GROUP_EVENTS events' worth of pages (the cursor advances in memory only).
      const group: FetchedPage[] = [];
      let next = cursor;
      let count = 0;
      let done = false;
      for (;;) {
        const page = checkPage(await run.backend.pull({cursor: next, limit}));
        run.report.pulled += page.events.length;
        if (run.dryRun) {
          run.report.skipped += page.skipped?.length ?? 0;
          if ((page.events.length === 0 && !page.skipped?.length) || !page.hasMore || page.cursor === next) return;
          next = page.cursor;
          cursor = next;
          continue;
        }
        if (page.events.length === 0) {
          if (page.cursor !== next || page.skipped?.length) group.push({page, events: []});
          // An empty page ends the pull (td), unless all it held were records the backend stepped
          // over and the cursor moved past them: then there is more behind them.
          if (!page.skipped?.length || !page.hasMore || page.cursor === next) {
            done = true;
            break;
          }
          next = page.cursor;
          continue;
        }
        const events = await callHook('beforeApply', run.hooks.beforeApply, () => run.hooks.beforeApply.promise([...page.events], run.runContext));
        if (!Array.isArray(events)) throw new TypeError('a beforeApply tap returned something other than an array of events');
        group.push({page, events});
        count += page.events.length;
        next = page.cursor;
        if (!page.hasMore) {
          done = true;
          break;
        }
        if (count >= GROUP_EVENTS || run.signal.aborted) break;
      }
      if (group.length === 0) return;
      const summaries: PageSummary[] = group.map(({page}) => ({applied: 0, conflicts: 0, skipped: page.skipped?.length ?? 0}));
      const failures: Array<{ev: SyncEvent; error: unknown}> = [];
      try {
        await run.writer.txAsync(async () => {
          // Local rows written while this run waited on the network get their stamps first.
          if (run.unordered) stampLocalRows(run.store, run.deviceId, run.sessionId, run.now());
          for (let i = 0; i < group.length; i++) {
            for (const rec of group[i].page.skipped ?? []) recordUnreadable(run.store.db, run.target.targetId, rec);
            for (const ev of group[i].events) {
              const pending = applyOne(run, ev, summaries[i], failures);
              if (pending) await pending;
            }
            if (failures.length > 0) throw new PageRolledBack(failures);
          }
          commitCursor(run, group[group.length - 1].page.cursor);
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
      for (let i = 0; i < group.length; i++) {
        const {page} = group[i];
        const summary = summaries[i];
        run.report.skipped += page.events.length === 0 ? summary.skipped : 0;
        if (page.events.length === 0) continue;
        run.report.applied += summary.applied;
        run.report.conflicts += summary.conflicts;
        run.report.skipped += summary.skipped;
        run.progress.tick(page.events.length);
        await callHook('afterApply', run.hooks.afterApply, () => run.hooks.afterApply.promise({target: run.target.targetId, pulled: page.events.length, ...summary}, run.runContext));
      }
      cursor = next;
      if (done) return;
    }
  } finally {
    run.progress.done();
  }
}
