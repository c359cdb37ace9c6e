/**
 * Case 2 — collect: N pending action_log rows turned into events by the engine's pending
 * collection (`pendingEvents`), versus reading the same rows raw (one SELECT, `.all()`). Also the
 * whole push phase (collection, batches to an in-memory backend, acks written) as a second figure.
 *   node --import=tsx bench/collect.ts
 */
import type {SyncEvent} from 'td-sync-sdk';
import {N, check, engine, memoryBackend, newStore, perSecond, report, target, time} from './lib.js';
import {buildWorkload, journal} from './workload.js';

export async function collectCase(): Promise<void> {
  const w = buildWorkload(N, 11);
  const errors: string[] = [];
  const store = newStore();
  journal(store.db, w.events);
  const t = target(memoryBackend([]));

  const COLS = 'rowid, id, session_id, action_type, entity_type, entity_id, new_data, previous_data, timestamp';
  const raw = await time(() => store.db.prepare(`SELECT ${COLS} FROM action_log WHERE undone = 0 ORDER BY rowid`).all());
  const collected = await time(() => engine.pendingEvents(store, t.targetId, t.backendName));
  check(errors, 'raw rows', raw.value.length, N);
  check(errors, 'collected events', collected.value.length, N);
  const first = collected.value[0];
  if (first && (first.entityType !== 'issues' || first.actionType !== 'create' || first.payload.newData === null)) errors.push(`first event is not an issue create: ${JSON.stringify(first).slice(0, 200)}`);

  const pushed: SyncEvent[] = [];
  const push = await time(() => engine.runSync(store, target(memoryBackend([], {pushed})), {pull: false}));
  check(errors, 'pushed (report)', push.value.pushed, N);
  check(errors, 'pushed (backend)', pushed.length, N);
  check(errors, 'pending after push', push.value.pending, 0);
  store.close();

  const rate = perSecond(N, collected.ms);
  const rawRate = perSecond(N, raw.ms);
  report({
    case: `2. collect ${N.toLocaleString('en-US')} pending action_log rows`,
    figures: [
      {name: 'engine pendingEvents (rows -> SyncEvents)', value: rate, unit: 'rows/s', floor: {name: 'raw SELECT .all()', value: rawRate}, ratio: rate / rawRate},
      {name: 'whole push phase to an in-memory backend (collect + batches + acks)', value: perSecond(N, push.ms), unit: 'events/s', floor: {name: 'raw SELECT .all()', value: rawRate}, ratio: perSecond(N, push.ms) / rawRate},
    ],
    notes: [`collect ${Math.round(collected.ms)} ms, raw ${Math.round(raw.ms)} ms, push phase ${Math.round(push.ms)} ms`],
    errors,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await collectCase();
