/**
 * Case 1 — apply: N pulled events (creates, updates with previous_data, logs, deps) applied by the
 * engine (`runSync`, pull only, from a backend serving pre-built pages from memory) versus the
 * floor: the same final rows written by a minimal better-sqlite3 loop in one transaction.
 *   node --import=tsx bench/apply.ts        (BENCH_EVENTS=… to change N)
 */
import {createHash} from 'node:crypto';
import {N, check, engine, memoryBackend, newStore, perSecond, report, target, time} from './lib.js';
import {applyFloor, buildWorkload} from './workload.js';

type Db = import('better-sqlite3').Database;

/** A digest of the visible fields of the final rows (times excluded: the engine normalises their text). */
export function digest(db: Db): string {
  const h = createHash('sha256');
  for (const r of db.prepare('SELECT id, title, status, priority, points, labels, type FROM issues ORDER BY id').iterate()) h.update(JSON.stringify(r));
  for (const r of db.prepare('SELECT id, issue_id, message FROM logs ORDER BY id').iterate()) h.update(JSON.stringify(r));
  for (const r of db.prepare('SELECT issue_id, depends_on_id FROM issue_dependencies ORDER BY id').iterate()) h.update(JSON.stringify(r));
  return h.digest('hex').slice(0, 16);
}

const count = (db: Db, table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as {n: number}).n;

export async function applyCase(): Promise<void> {
  const w = buildWorkload(N);
  const errors: string[] = [];

  // floor first (warms the page cache and SQLite code the same way for both)
  const floorStore = newStore();
  const floor = await time(() => applyFloor(floorStore.db, w.events));

  // the same loop committing every 1,000 events, as the engine commits each pulled page (cursor + rows)
  const pagedStore = newStore();
  const paged = await time(() => applyFloor(pagedStore.db, w.events, 1000));

  const store = newStore();
  const run = await time(() => engine.runSync(store, target(memoryBackend(w.events)), {push: false}));
  const r = run.value;
  check(errors, 'events pulled', r.pulled, N);
  check(errors, 'events applied', r.applied, N);
  check(errors, 'conflicts', r.conflicts, 0);
  check(errors, 'skipped', r.skipped, 0);
  check(errors, 'failed', r.failed, 0);
  for (const [table, n] of [['issues', w.issues], ['logs', w.logs], ['issue_dependencies', w.deps]] as const) {
    check(errors, `${table} rows (engine)`, count(store.db, table), n);
    check(errors, `${table} rows (floor)`, count(floorStore.db, table), n);
  }
  check(errors, 'digest of the final rows, engine vs floor', digest(store.db), digest(floorStore.db));
  check(errors, 'digest of the final rows, paged floor vs floor', digest(pagedStore.db), digest(floorStore.db));
  store.close();
  pagedStore.close();
  floorStore.close();

  const engineRate = perSecond(N, run.ms);
  const floorRate = perSecond(N, floor.ms);
  report({
    case: `1. apply ${N.toLocaleString('en-US')} pulled events`,
    figures: [{
      name: 'engine (runSync, pull only)', value: engineRate, unit: 'events/s',
      floor: {name: 'raw better-sqlite3 loop, 1 transaction', value: floorRate}, ratio: engineRate / floorRate,
      goal: '>= 0.5 of floor', met: engineRate / floorRate >= 0.5,
    }, {
      name: 'engine (runSync, pull only) vs a floor committing per 1,000-event page', value: engineRate, unit: 'events/s',
      floor: {name: 'raw loop, 1 transaction per 1,000 events', value: perSecond(N, paged.ms)}, ratio: engineRate / perSecond(N, paged.ms),
    }],
    notes: [`engine ${Math.round(run.ms)} ms, floor ${Math.round(floor.ms)} ms, paged floor ${Math.round(paged.ms)} ms; mix: ${w.issues} issue creates, ${N - w.issues - w.logs - w.deps} updates, ${w.logs} logs, ${w.deps} deps`],
    errors,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await applyCase();
