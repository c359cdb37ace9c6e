/**
 * Convergence: 2-3 projects doing random td work (creates, updates, logs, comments, dependencies,
 * soft deletes and restores) and syncing in random order through the in-test hub end with
 * identical task tables. `unordered` hubs deliver events to each device in a different order, and
 * the projects' clocks disagree by hours. Fixed seeds; TD_ENGINE_RUNS raises the run count, TD_ENGINE_SEED moves the seeds.
 */
import test from 'ava';
import fc from 'fast-check';
import {createSyncHooks} from 'td-sync-sdk';
import {runSync} from '../../packages/td-sync-cli/src/engine/index.js';
import type {Store} from '../../packages/td-sync-cli/src/store/index.js';
import {Hub, tempProject, type Ordering} from './helpers/hub.js';
import {TdWriter, taskTables} from './helpers/td-writes.js';

const RUNS = Number(process.env.TD_ENGINE_RUNS ?? 20);
const SEED = Number(process.env.TD_ENGINE_SEED ?? 4242);

type Op = {kind: 'create' | 'update' | 'log' | 'comment' | 'dep' | 'undep' | 'delete' | 'restore' | 'handoff' | 'board' | 'editBoard' | 'position' | 'unposition' | 'deleteBoard' | 'sync'; who: number; pick: number; value: number};

const opArb = (projects: number) =>
  fc.record({
    kind: fc.constantFrom<Op['kind']>(
      'create', 'create', 'update', 'update', 'update', 'update', 'update', 'update', 'log', 'comment', 'comment',
      'dep', 'dep', 'undep', 'delete', 'restore', 'sync', 'sync', 'sync', 'sync',
      'handoff', 'board', 'editBoard', 'position', 'position', 'unposition', 'deleteBoard', 'sync', 'sync',
    ),
    who: fc.integer({min: 0, max: projects - 1}),
    pick: fc.nat(1000),
    value: fc.nat(1000),
  });

/** Edits concentrated on a few shared issues: conflicts on nearly every run. */
const focusedOpArb = (projects: number) =>
  fc.record({
    kind: fc.constantFrom<Op['kind']>('update', 'update', 'update', 'update', 'comment', 'sync', 'sync', 'sync'),
    who: fc.integer({min: 0, max: projects - 1}),
    pick: fc.nat(1),
    value: fc.nat(1000),
  });

const TITLES = ['Fix the login redirect loop', 'Write the release notes now', 'Refactor the billing module', 'Add retries to the uploader'];
const STATUSES = ['open', 'in_progress', 'blocked', 'in_review', 'closed'];
const PRIORITIES = ['P0', 'P1', 'P2', 'P3', 'P4'];

function issues(store: Store, live = false): string[] {
  return (store.db.prepare(`SELECT id FROM issues ${live ? 'WHERE deleted_at IS NULL' : ''} ORDER BY id`).all() as Array<{id: string}>).map((r) => r.id);
}

function perform(op: Op, writer: TdWriter): void {
  const store = writer.store;
  const all = issues(store);
  const pick = <T>(xs: T[]) => xs[op.pick % xs.length];
  switch (op.kind) {
    case 'create':
      // Few issues, many edits: concurrent edits of the same fields (conflicts) stay likely.
      if (all.length < 4) {
        writer.createIssue({title: `${pick(TITLES)} ${op.value}`, priority: PRIORITIES[op.value % 5]});
        return;
      }
    // falls through
    case 'update': {
      if (all.length === 0) return;
      const field = op.value % 4;
      const changes =
        field === 0 ? {title: `${TITLES[op.value % 4]} v${op.value}`} : field === 1 ? {status: STATUSES[op.value % 5]} : field === 2 ? {priority: PRIORITIES[op.value % 5]} : {labels: op.value % 2 ? 'a,b' : ''};
      writer.updateIssue(pick(all), changes, field === 1 ? 'start' : 'update');
      return;
    }
    case 'log':
      if (all.length) writer.addLog(pick(all), `note ${op.value}`);
      return;
    case 'comment':
      if (all.length) writer.addComment(pick(all), `comment ${op.value}`);
      return;
    case 'dep':
      if (all.length > 1) writer.addDep(pick(all), all[op.value % all.length]);
      return;
    case 'undep': {
      const deps = store.db.prepare('SELECT issue_id AS a, depends_on_id AS b FROM issue_dependencies ORDER BY id').all() as Array<{a: string; b: string}>;
      if (deps.length) writer.removeDep(pick(deps).a, pick(deps).b);
      return;
    }
    case 'delete': {
      const live = issues(store, true);
      if (live.length) writer.deleteIssue(pick(live));
      return;
    }
    case 'restore': {
      const dead = (store.db.prepare('SELECT id FROM issues WHERE deleted_at IS NOT NULL ORDER BY id').all() as Array<{id: string}>).map((r) => r.id);
      if (dead.length) writer.restoreIssue(pick(dead));
      return;
    }
    case 'handoff':
      if (all.length) writer.addHandoff(pick(all), [`done ${op.value}`]);
      return;
    case 'board':
      writer.createBoard(`Board ${op.value}`);
      return;
    case 'editBoard':
    case 'position':
    case 'unposition':
    case 'deleteBoard': {
      const boards = (store.db.prepare('SELECT id FROM boards WHERE is_builtin = 0 ORDER BY id').all() as Array<{id: string}>).map((r) => r.id);
      if (boards.length === 0) return;
      const board = pick(boards);
      if (op.kind === 'editBoard') writer.editBoard(board, `Board renamed ${op.value}`);
      else if (op.kind === 'deleteBoard') writer.deleteBoard(board);
      else if (all.length === 0) return;
      else if (op.kind === 'position') writer.setPosition(board, all[op.value % all.length], (op.value % 7) * 65536);
      else writer.unposition(board, all[op.value % all.length]);
      return;
    }
    default:
  }
}

async function scenario(ordering: Ordering, n: number, ops: Op[], seed: number, keepMine = false): Promise<{tables: Array<ReturnType<typeof taskTables>>; conflicts: number}> {
  const hub = new Hub({ordering, seed, maxPullPage: 7, maxPushBatch: 5});
  // Optionally project 0 runs a plugin that always keeps its own version of a conflict.
  const hooks = stores0Hooks(keepMine);
  const targetFor = (i: number) => hub.target(i === 0 ? {hooks} : {});
  const stores = Array.from({length: n}, () => tempProject());
  // Clocks: project i runs i*3 hours ahead (unordered stamps must not depend on clocks agreeing).
  const writers = stores.map((s, i) => new TdWriter(s, `ses_p${i}`, Date.UTC(2026, 2, 1, 10) + i * 3 * 3600_000));
  let conflicts = 0;
  // Each project's sync runs on its writer's clock, so edits made since its last sync are "local changes".
  const sync = async (i: number) => {
    const r = await runSync(stores[i], targetFor(i), {now: () => writers[i].current()});
    if (r.stopped) throw new Error(`sync stopped: ${JSON.stringify(r.stopped)}`);
    conflicts += r.conflicts;
  };
  try {
    for (const op of ops) {
      if (op.kind === 'sync') await sync(op.who);
      else perform(op, writers[op.who]);
    }
    for (let round = 0; round < 3; round++) for (let i = 0; i < n; i++) await sync(i);
    return {tables: stores.map((s) => taskTables(s)), conflicts};
  } finally {
    for (const s of stores) s.close();
  }
}

function stores0Hooks(keepMine: boolean) {
  const hooks = createSyncHooks();
  if (keepMine) hooks.onConflict.tap('keep-mine', () => ({winner: 'local'}));
  return hooks;
}

for (const ordering of ['total', 'unordered'] as const) {
  for (const keepMine of [false, true]) test(`${ordering}: 3 projects editing the same issues converge ${keepMine ? 'when one of them always keeps its own version of a conflict' : 'under the default conflict policy'}`, async (t) => {
    let seen = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(focusedOpArb(3), {minLength: 10, maxLength: 40}), fc.nat(1_000_000), async (ops, seed) => {
        // Two issues every project has, then concurrent edits of them.
        const start: Op[] = [{kind: 'create', who: 0, pick: 0, value: 1}, {kind: 'create', who: 0, pick: 1, value: 2}, ...[0, 1, 2].map((who) => ({kind: 'sync' as const, who, pick: 0, value: 0}))];
        const {tables, conflicts} = await scenario(ordering, 3, [...start, ...ops], seed, keepMine);
        seen += conflicts;
        for (let i = 1; i < tables.length; i++) t.deepEqual(tables[i], tables[0]);
        return tables.every((x) => JSON.stringify(x) === JSON.stringify(tables[0]));
      }),
      {seed: SEED + 7 + (keepMine ? 1 : 0) + (ordering === 'total' ? 0 : 100), numRuns: Math.max(1, RUNS >> 1), endOnFailure: true},
    );
    t.true(seen > 0, 'the runs met conflicts');
    t.log(`${seen} conflicts over ${Math.max(1, RUNS >> 1)} runs`);
  });
  for (const n of [2, 3]) {
    test(`${ordering}: ${n} projects converge after random work and syncs (fast-check, fixed seed)`, async (t) => {
      let seen = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(opArb(n), {minLength: 10, maxLength: 60}), fc.nat(1_000_000), async (ops, seed) => {
          const {tables, conflicts} = await scenario(ordering, n, ops, seed);
          seen += conflicts;
          for (let i = 1; i < tables.length; i++) t.deepEqual(tables[i], tables[0]);
          for (let i = 1; i < tables.length; i++) if (JSON.stringify(tables[i]) !== JSON.stringify(tables[0])) return false;
          return true;
        }),
        {seed: SEED + n + (ordering === 'total' ? 0 : 100), numRuns: RUNS, endOnFailure: true},
      );
      t.true(seen > 0, 'the runs met conflicts');
      t.log(`${seen} conflicts over ${RUNS} runs`);
    });
  }
}
