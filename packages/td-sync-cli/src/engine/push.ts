/**
 * Push phase: backfill (before the first pull), stamping of local rows (unordered targets),
 * pending events in rowid order, `beforePush`, batches of capabilities.maxPushBatch, and
 * transactions that record the acks of one or more batches (td_sync_acks; for http also
 * action_log.synced_at/server_seq, sync_state and sync_history) together with the backend's staged
 * state (see AckRecorder for how often).
 */
import {normalizeEntityType, type PushResult, type SyncEvent} from 'td-sync-sdk';
import {orphanBackfill, staleIssueBackfill} from './backfill.js';
import {callHook} from './hook-calls.js';
import {actionRow, buildEvent, iteratePendingRows, localStampLookup, pendingRowsChunk, scanPendingRows} from './pending.js';
import {parseTdTime} from '../store/index.js';
import {numericSeq, recordHistory, seqText} from './records.js';
import {carries, type Run} from './run.js';
import {stampLocalRows} from './stamping.js';
import {ensureTdSyncState, hasPulled, hasPushed, markPushed, remoteOf} from './targets.js';

const ROLLBACK = Symbol('dry-run rollback');

/** Pending rows read (and events built) per chunk of a real push; bounds the push's memory. */
const CHUNK_ROWS = 500;

interface Collected {
  /** The carried events, kept only when asked (dry run); a real push re-reads them chunk by chunk. */
  events: SyncEvent[];
  /** Number of carried events. */
  count: number;
  /** Highest pending rowid seen: a real push reads no row td appends after the scan. */
  maxRowid: number;
}

/**
 * Backfill + stamping + a scan of every pending row, in one transaction (rolled back in a dry run).
 * The scan builds each event (so a broken row aborts the push before anything is sent, as in td) and
 * counts what stays pending, but keeps the events only when `keep` is set: the rows, parsed payloads
 * and events of a 100k push would otherwise all be alive at once.
 */
function collect(run: Run, keep: boolean): Collected {
  const {store} = run;
  const work = (): Collected => {
    // Backfill runs until the target's first pull (td); a push-only target backfills before its first push.
    const started = run.caps.bidirectional ? hasPulled(store.db, run.target.targetId, run.target.backendName) : hasPushed(store.db, run.target.targetId);
    if (!started) {
      const n = orphanBackfill(store.db, run.sessionId, run.now()) + staleIssueBackfill(store.db, run.sessionId);
      if (n > 0) run.logger.info(`backfilled ${n} journal row(s) for rows td wrote without one`, {count: n});
    }
    if (run.unordered && !run.dryRun) stampLocalRows(store, run.deviceId, run.sessionId, run.now());
    const stamps = localStampLookup(store.db);
    const events: SyncEvent[] = [];
    let count = 0;
    let maxRowid = 0;
    const notCarried = new Map<string, number>();
    const unknown = new Map<string, number>();
    // A real push only needs each row checked, counted and sorted: no event is built here.
    if (!keep) {
      for (const row of scanPendingRows(store.db, run.target.targetId, run.target.backendName)) {
        maxRowid = row.rowid;
        if (!row.id || !row.entity_id) continue;
        const entityType = normalizeEntityType(row.entity_type ?? '');
        if (!entityType) {
          unknown.set(row.entity_type, (unknown.get(row.entity_type) ?? 0) + 1);
          continue;
        }
        // What SQLite doubts is built in full: a broken row throws here, before anything is sent.
        if (!row.json_ok || (!stamps(row.rowid) && !parseTdTime(row.timestamp))) buildEvent(actionRow(store.db, row.rowid)!, run.deviceId, run.sessionId, stamps(row.rowid));
        if (!carries(run.caps, entityType)) {
          notCarried.set(entityType, (notCarried.get(entityType) ?? 0) + 1);
          continue;
        }
        count++;
      }
    } else for (const row of iteratePendingRows(store.db, run.target.targetId, run.target.backendName)) {
      maxRowid = row.rowid;
      const built = buildEvent(row, run.deviceId, run.sessionId, stamps(row.rowid));
      if (!('event' in built)) {
        if (built.skip === 'entity_type') unknown.set(row.entity_type, (unknown.get(row.entity_type) ?? 0) + 1);
        continue;
      }
      if (!carries(run.caps, built.event.entityType)) {
        notCarried.set(built.event.entityType, (notCarried.get(built.event.entityType) ?? 0) + 1);
        continue;
      }
      count++;
      if (keep) events.push(built.event);
    }
    // Stranded events are said out loud (a silent backlog is how td users lost work before).
    const list = (m: Map<string, number>) => [...m].map(([k, n]) => `${k} (${n})`).join(', ');
    const held = [...notCarried.values()].reduce((a, b) => a + b, 0);
    if (held > 0) {
      run.report.heldBack = (run.report.heldBack ?? 0) + held;
      run.report.warnings.push(`${held} event(s) stay pending: the ${run.target.backendName} backend does not carry ${list(notCarried)}`);
    }
    if (unknown.size > 0) run.report.warnings.push(`journal rows with entity types td does not sync stay pending: ${list(unknown)}`);
    return {events, count, maxRowid};
  };
  if (!run.dryRun) return run.writer.tx(work);
  let out: Collected = {events: [], count: 0, maxRowid: 0};
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

/**
 * The carried events of rowid <= upTo, `CHUNK_ROWS` journal rows at a time, in rowid order. Rows a
 * batch acknowledged are no longer pending, held-back and rejected ones are; the rowid cursor skips
 * both kinds, so each row is read once per run.
 */
function* eventChunks(run: Run, upTo: number): Generator<SyncEvent[]> {
  const db = run.store.db;
  const stamps = localStampLookup(db);
  let after = 0;
  for (;;) {
    const rows = pendingRowsChunk(db, run.target.targetId, run.target.backendName, after, upTo, CHUNK_ROWS);
    if (rows.length === 0) return;
    after = rows[rows.length - 1].rowid;
    const events: SyncEvent[] = [];
    for (const row of rows) {
      const built = buildEvent(row, run.deviceId, run.sessionId, stamps(row.rowid));
      if ('event' in built && carries(run.caps, built.event.entityType)) events.push(built.event);
    }
    if (events.length > 0) yield events;
  }
}

/** Local rows stamped for unordered targets even when this run does not push. */
export function stampOnly(run: Run): void {
  if (run.unordered && !run.dryRun) run.writer.tx(() => stampLocalRows(run.store, run.deviceId, run.sessionId, run.now()));
}

/** `beforePush` over one outgoing batch; returns the events to push and how many a tap held back. */
async function beforePush(run: Run, events: SyncEvent[]): Promise<{out: SyncEvent[]; dropped: number}> {
  // No taps: nothing to copy (taps get copies so they cannot change what the engine records).
  if (!run.hooks.beforePush.isUsed()) return {out: events, dropped: 0};
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
  return {out, dropped: events.length - out.length};
}

/** One warning for all the events taps held back over the run's batches. */
function reportHeldBack(run: Run, dropped: number): void {
  if (dropped <= 0) return;
  run.report.heldBack = (run.report.heldBack ?? 0) + dropped;
  run.report.warnings.push(`a beforePush tap held back ${dropped} event(s); they stay pending`);
}

function checkResult(result: PushResult): PushResult {
  if (!result || !Array.isArray(result.acks) || !Array.isArray(result.rejections)) {
    throw new TypeError('backend push() must return {acks: [], rejections: []}');
  }
  return result;
}

/** What recording an ack needs of its event (not the payload: acks wait for several batches). */
type AckedEvent = Pick<SyncEvent, 'clientActionId' | 'actionType' | 'entityType' | 'entityId'>;

interface Acked {
  ev: AckedEvent;
  seq: unknown;
  duplicate: boolean;
}

const slim = (e: SyncEvent): AckedEvent => ({clientActionId: e.clientActionId, actionType: e.actionType, entityType: e.entityType, entityId: e.entityId});

/** What a batch's answer acknowledged (duplicates included); rejections are counted and warned about. */
function ackedOf(run: Run, batch: SyncEvent[], result: PushResult): Acked[] {
  const byId = new Map(batch.map((e) => [e.clientActionId, e]));
  const acked: Acked[] = [];
  for (const a of result.acks) {
    const ev = byId.get(a.clientActionId);
    if (ev) acked.push({ev: slim(ev), seq: a.remoteSeq, duplicate: false});
  }
  for (const r of result.rejections) {
    const ev = byId.get(r.clientActionId);
    if (!ev) continue;
    const isDup = r.reason === 'duplicate' && (run.http ? numericSeq(r.remoteSeq) !== undefined : true);
    if (isDup) acked.push({ev: slim(ev), seq: r.remoteSeq, duplicate: true});
    else {
      run.report.rejected++;
      if (run.report.warnings.length < 20) run.report.warnings.push(`${run.target.backendName} rejected ${ev.entityType}/${ev.entityId} (${r.reason}${r.message ? `: ${r.message}` : ''}); it stays pending`);
    }
  }
  return acked;
}

/**
 * One transaction: the acks of one or more batches, td's marks for http, and the backend's state as
 * staged when the last of those batches returned (`staged`).
 */
function recordAcks(run: Run, acked: Acked[], staged: ReadonlyMap<string, unknown>): number {
  const db = run.store.db;
  run.writer.tx(() => {
    const ack = db.prepare('INSERT OR REPLACE INTO td_sync_acks (target, action_rowid, remote_seq) VALUES (?, ?, ?)');
    for (const a of acked) ack.run(run.target.targetId, a.ev.clientActionId, seqText(a.seq));
    if (run.http && acked.length > 0) {
      const mark = db.prepare('UPDATE action_log SET synced_at = CURRENT_TIMESTAMP, server_seq = ? WHERE rowid = ?');
      for (const a of acked) mark.run(numericSeq(a.seq) ?? null, a.ev.clientActionId);
      ensureTdSyncState(db, run.target.config, remoteOf(run.target.targetId, run.target.backendName));
      const maxRowid = acked.reduce((m, a) => Math.max(m, a.ev.clientActionId), 0);
      db.prepare('UPDATE sync_state SET last_pushed_action_id = ?, last_sync_at = CURRENT_TIMESTAMP').run(maxRowid);
      for (const a of acked) if (!a.duplicate) recordHistory(db, 'push', a.ev, a.seq, run.deviceId);
    }
    if (acked.length > 0) markPushed(db, run.target.targetId, run.now());
    run.state.flushSnapshot(staged);
  });
  run.state.committedSnapshot(staged);
  return acked.length;
}

/**
 * Acks are recorded for several batches at once — at least every ACK_COMMIT_MS, every
 * ACK_COMMIT_EVENTS events, and at the end of the push (also when it fails or is interrupted) — as
 * td records a whole push in one transaction: each commit of td's database (journal_mode TRUNCATE)
 * costs two syncs, more than a loopback request. A crash before the record re-sends those batches
 * and the backend answers them as duplicates (every backend must: the SDK kit's crash-before-record
 * scenario; http re-sends under its recorded session). A slow remote (GitHub) still records every
 * batch, since each takes longer than ACK_COMMIT_MS.
 */
const ACK_COMMIT_MS = 1000;
const ACK_COMMIT_EVENTS = 5000;

class AckRecorder {
  private acked: Acked[] = [];
  private batches = 0;
  private since = Date.now();
  private staged: ReadonlyMap<string, unknown> = new Map();

  constructor(private readonly run: Run) {}

  /** A returned push: its answer and the backend state staged by the time it returned. */
  add(batch: SyncEvent[], result: PushResult, staged: ReadonlyMap<string, unknown>): void {
    this.acked.push(...ackedOf(this.run, batch, result));
    this.staged = staged;
    this.batches++;
    if (this.acked.length >= ACK_COMMIT_EVENTS || Date.now() - this.since >= ACK_COMMIT_MS) this.flush();
  }

  /** Record what is waiting (a batch without acks still commits the backend's staged state). */
  flush(): void {
    if (this.batches === 0) return;
    const acked = this.acked;
    this.acked = [];
    this.batches = 0;
    this.since = Date.now();
    this.run.report.pushed += recordAcks(this.run, acked, this.staged);
  }
}

interface Outgoing {
  /** What goes to the backend (after beforePush). */
  batch: SyncEvent[];
  /** How many pending events it stood for (progress). */
  pending: number;
}

/** The batches of a real push, built and passed through beforePush one at a time, in rowid order. */
async function* outgoingBatches(run: Run, maxRowid: number, held: {dropped: number}): AsyncGenerator<Outgoing> {
  const size = Math.max(1, run.caps.maxPushBatch);
  for (const chunk of eventChunks(run, maxRowid)) {
    for (let i = 0; i < chunk.length; i += size) {
      const outgoing = chunk.slice(i, i + size);
      const tapped = await beforePush(run, outgoing);
      held.dropped += tapped.dropped;
      yield {batch: tapped.out, pending: outgoing.length};
    }
  }
}

/** A promise whose rejection is handled where it is awaited later (not reported as unhandled meanwhile). */
function later<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

/**
 * A request just handed to the backend leaves before CPU work starts: one timer turn (undici writes
 * a request a few event-loop turns after it is asked to; a single setImmediate was too early and the
 * overlap did not happen — measured with bench/http.ts, push 4.0 s -> 3.1-3.2 s for 100k).
 */
const letItLeave = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Pending rows are read, built into events, passed through `beforePush` and pushed one batch of
 * capabilities.maxPushBatch at a time (the rows read a chunk at a time), so memory is bounded by a
 * chunk, not by the backlog; acks are recorded per batch as before. A dry run collects everything
 * (nothing is committed, so there is nothing to walk) and counts what `beforePush` lets through.
 */
export async function pushPhase(run: Run): Promise<void> {
  if (run.dryRun) {
    const {events} = collect(run, true);
    if (events.length === 0) return;
    const {out, dropped} = await beforePush(run, events);
    reportHeldBack(run, dropped);
    run.report.pushed = out.length;
    return;
  }
  const {count, maxRowid} = collect(run, false);
  if (count === 0) return;
  const held = {dropped: 0};
  const recorder = new AckRecorder(run);
  const batches = outgoingBatches(run, maxRowid, held);
  /** The last push that returned, not yet handed to the recorder. */
  let returned: {batch: SyncEvent[]; result: PushResult; staged: ReadonlyMap<string, unknown>} | undefined;
  const recordReturned = async () => {
    if (!returned) return;
    const {batch, result, staged} = returned;
    returned = undefined;
    recorder.add(batch, result, staged);
    await callHook('afterPush', run.hooks.afterPush, () => run.hooks.afterPush.promise(result, run.runContext));
  };
  run.progress.start('push', count);
  try {
    // Pipelined, with the backend's pushes strictly one after another: while push k is with the
    // remote, push k-1's acks are recorded and batch k+1 is built, so the local work (journal reads,
    // JSON, SQLite commits) overlaps the remote's instead of adding to it.
    let next = later(batches.next());
    for (;;) {
      const step = await next;
      if (step.done) break;
      if (run.signal.aborted) {
        run.report.stopped = {code: 'aborted', message: 'sync was interrupted; what was acknowledged is recorded', hint: 'run "td sync" again'};
        return;
      }
      const {batch, pending} = step.value;
      let inflight: Promise<PushResult> | undefined;
      if (batch.length > 0) {
        inflight = later(run.backend.push(batch));
        await letItLeave();
      }
      await recordReturned();
      next = later(batches.next());
      if (inflight) returned = {batch, result: checkResult(await inflight), staged: run.state.snapshot()};
      run.progress.tick(pending);
    }
    await recordReturned();
    recorder.flush();
  } finally {
    // A failed or interrupted push still records what the remote acknowledged before it.
    try {
      if (returned) recorder.add(returned.batch, returned.result, returned.staged);
      recorder.flush();
    } finally {
      reportHeldBack(run, held.dropped);
      run.progress.done();
    }
  }
}
