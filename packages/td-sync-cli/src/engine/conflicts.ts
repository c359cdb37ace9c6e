/**
 * Conflicts (spec §6.6 and DESIGN §3): an incoming event from another device that would overwrite a
 * local row with unsynced or since-last-sync changes. `onConflict` taps decide; without a decision
 * the engine's default (last writer wins: server order, or the stamp for unordered backends) applies
 * and both versions are kept. A `local` or `merge` decision becomes a new local journal row, so the
 * chosen version reaches every peer (it is newer than what they have).
 */
import {unwrapIssue, type Conflict, type JsonObject, type Resolution, type SyncEvent} from 'td-sync-sdk';
import {newId, parseTdTime, utcNano} from '../store/index.js';
import {overwritesLocal, type Prepared} from './apply.js';
import {buildEvent, pendingRowsFor} from './pending.js';
import {callHook, tapTracker} from './hook-calls.js';
import type {Run} from './run.js';
import {stampAndIngest} from './stamping.js';
import {ENTITY_LABEL, readRow, rowToJson, toSqlValue} from './tables.js';

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

export interface ConflictCheck {
  conflict: boolean;
  resolution?: Resolution;
  resolvedBy: string;
  localSnapshot: JsonObject | null;
}

export const NO_CONFLICT: ConflictCheck = Object.freeze({conflict: false, resolvedBy: 'default', localSnapshot: null});

/**
 * Is this event a conflict? The conflict to put to the onConflict taps, or undefined. Synchronous:
 * most events are no conflict, and those are applied without waiting on anything.
 */
export function findConflict(run: Run, prep: Prepared, ev: SyncEvent, local: Record<string, unknown> | undefined, self: boolean): Conflict | undefined {
  if (self || !local || !overwritesLocal(prep, ev, local)) return undefined;
  const pending = localPending(run, prep);
  if (pending.length === 0 && !modifiedSince(local, run.lastSyncAt)) return undefined;
  const localSnapshot = rowToJson(run.store.db, prep.table, local);
  return {target: run.target.targetId, entityType: prep.table, entityId: prep.id, local: localSnapshot, localPending: pending, remote: ev};
}

/** Ask the onConflict taps about a conflict findConflict found (a throwing tap fails the run). */
export async function resolveConflict(run: Run, prep: Prepared, c: Conflict): Promise<ConflictCheck> {
  const localSnapshot = c.local;
  const track = tapTracker(run.hooks.onConflict);
  const r = await callHook('onConflict', run.hooks.onConflict, () => run.hooks.onConflict.promise(c, run.runContext));
  if (r === undefined || r === null) return {conflict: true, resolvedBy: 'default', localSnapshot};
  if (!validResolution(r)) {
    run.report.warnings.push(`an onConflict tap returned an invalid resolution for ${prep.table}/${prep.id}; the default policy was used`);
    return {conflict: true, resolvedBy: 'default', localSnapshot};
  }
  return {conflict: true, resolution: r, resolvedBy: track.last ?? 'plugin', localSnapshot};
}

/**
 * Carry out a tap's decision after the event went through the default path. `winner` is who the
 * default made win; returns who won in the end.
 */
export function applyResolution(run: Run, prep: Prepared, ev: SyncEvent, local: Record<string, unknown> | undefined, resolution: Resolution | undefined, winner: string): string {
  if (!resolution || !local) return winner;
  if (resolution.winner === 'remote') {
    if (winner !== 'local') return winner;
    // Unordered: the tap wants the remote version although its stamp is older; make it the newest.
    const intended = ev.actionType === 'create' || !prep.prevData ? {...local, ...(unwrapFor(prep) ?? {})} : {...local, ...remoteChanges(prep)};
    journalChosen(run, prep, intended);
    return 'remote';
  }
  if (resolution.winner === 'local') {
    journalChosen(run, prep, run.unordered ? {...local} : (readRow(run.store.db, prep.table, prep.id) ?? local));
    return 'local';
  }
  const merged = {...local, ...resolution.row, id: prep.id};
  journalChosen(run, prep, run.unordered ? merged : writeMerged(run, prep, resolution.row));
  return 'merge';
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

