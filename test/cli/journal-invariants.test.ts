/**
 * Property test of the journal invariants (spec §4.2) over random command sequences, run through the
 * task library in process (fast-check, fixed seed): after every step
 *  - each issue's newest journal row reflects the row exactly (full snapshot; soft delete: the
 *    snapshot before it, and deleted_at set),
 *  - replaying add/remove_dependency rows gives exactly the issue_dependencies table,
 *  - every logs/comments/handoffs row has its create journal row,
 *  - "open means unclaimed".
 * TD_SOAK=1 runs many more sequences.
 */
import test from 'ava';
import fc from 'fast-check';
import {Store} from '../../packages/td-sync-cli/src/store/index.js';
import * as tasks from '../../packages/td-sync-cli/src/tasks/index.js';
import {tempDir} from '../helpers/td.js';

type Op = {kind: string; who: number; a: number; b: number; s: number};

const KINDS = ['create', 'update', 'status', 'start', 'unstart', 'block', 'unblock', 'review', 'approve', 'reject', 'close', 'reopen', 'delete', 'restore', 'log', 'comment', 'handoff', 'dep', 'undep'];
const op = fc.record({kind: fc.constantFrom(...KINDS), who: fc.nat(2), a: fc.nat(20), b: fc.nat(20), s: fc.nat(4)});
const WHO = ['alice', 'bob', 'carol'];
const STATUSES = ['open', 'in_progress', 'blocked', 'in_review', 'closed'];

function apply(store: Store, ids: string[], o: Op, dir: string): void {
  const opts = {env: {TD_SESSION_ID: WHO[o.who], PATH: process.env.PATH}, cwd: dir};
  const pick = (n: number) => ids[n % Math.max(ids.length, 1)] ?? 'td-000000';
  let id = pick(o.a);
  if (o.kind === 'approve' || o.kind === 'reject') {
    // Prefer an issue that is in review, so the review paths run often.
    const inReview = store.db.prepare("SELECT id FROM issues WHERE status = 'in_review' ORDER BY id").all() as Array<{id: string}>;
    if (inReview.length) id = inReview[o.b % inReview.length].id;
  }
  const swallow = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof Error) || !('code' in e)) throw e; // td-coded refusals are fine; crashes are not
    }
  };
  switch (o.kind) {
    case 'create':
      swallow(() => ids.push(tasks.createIssue(store, {title: `Generated issue ${ids.length} for invariants`, priority: String(o.s), parent: o.b % 3 === 0 && ids.length ? pick(o.b) : undefined}, opts).issue.id));
      break;
    case 'update':
      tasks.updateIssue(store, id, o.s % 2 ? {priority: `P${o.s}`, labels: [`l${o.b % 3}`, 'x']} : {title: `Retitled issue number ${o.b}`, minor: o.b % 2 === 0}, opts);
      break;
    case 'status':
      tasks.updateIssue(store, id, {status: STATUSES[o.s]}, opts);
      break;
    case 'start': tasks.startIssue(store, id, {force: o.b % 2 === 0}, opts); break;
    case 'unstart': tasks.unstartIssue(store, id, {}, opts); break;
    case 'block': tasks.blockIssue(store, id, {reason: 'r'}, opts); break;
    case 'unblock': tasks.unblockIssue(store, id, {}, opts); break;
    case 'review': tasks.reviewIssue(store, id, {}, opts); break;
    case 'approve': tasks.approveIssue(store, id, o.b % 3 === 0 ? {recordOnly: true, reason: 'ok'} : o.b % 3 === 1 ? {reviewedBy: 'sub-agent'} : {}, opts); break;
    case 'reject': tasks.rejectIssue(store, id, {}, opts); break;
    case 'close': tasks.closeIssue(store, id, o.b % 2 ? {} : {admin: 'cleanup'}, opts); break;
    case 'reopen': tasks.reopenIssue(store, id, {}, opts); break;
    case 'delete': tasks.deleteIssue(store, id, opts); break;
    case 'restore': tasks.restoreIssue(store, id, opts); break;
    case 'log': swallow(() => tasks.addLog(store, id, `note ${o.b}`, 'progress', opts)); break;
    case 'comment': tasks.addComment(store, id, `comment ${o.b}`, opts); break;
    case 'handoff': swallow(() => tasks.addHandoff(store, id, {done: [`d${o.b}`], remaining: null}, opts)); break;
    case 'dep': swallow(() => tasks.addDependencies(store, id, [pick(o.b)], opts)); break;
    case 'undep': swallow(() => tasks.removeDependency(store, id, pick(o.b), opts)); break;
  }
}

function check(store: Store): string | undefined {
  const db = store.db;
  const rows = db.prepare(`${tasks.SELECT_ISSUE}`).all() as tasks.IssueRow[];
  for (const row of rows) {
    if (row.status === 'open' && row.implementer_session) return `${row.id}: open but claimed`;
    const last = db.prepare("SELECT action_type, previous_data, new_data FROM action_log WHERE entity_type = 'issue' AND entity_id = ? ORDER BY rowid DESC LIMIT 1").get(row.id) as {action_type: string; previous_data: string; new_data: string};
    const now = tasks.issueJson(row);
    if (last.action_type === 'delete') {
      if (!row.deleted_at) return `${row.id}: newest row is delete but deleted_at is NULL`;
      const {updated_at: _u1, deleted_at: _d1, ...a} = JSON.parse(last.previous_data);
      const {updated_at: _u2, deleted_at: _d2, ...b} = now;
      if (JSON.stringify(a) !== JSON.stringify(b)) return `${row.id}: delete snapshot differs`;
      continue;
    }
    const data = JSON.parse(last.new_data);
    const snap = data.issue && !('title' in data) ? data.issue : data;
    if (JSON.stringify(snap) !== JSON.stringify(now)) return `${row.id}: journal ${last.action_type} ${JSON.stringify(snap)} != row ${JSON.stringify(now)}`;
  }
  const deps = new Set<string>();
  for (const a of db.prepare("SELECT action_type, entity_id FROM action_log WHERE entity_type = 'issue_dependencies' ORDER BY rowid").all() as Array<{action_type: string; entity_id: string}>) {
    if (a.action_type === 'add_dependency') deps.add(a.entity_id);
    else deps.delete(a.entity_id);
  }
  const table = new Set((db.prepare('SELECT id FROM issue_dependencies').all() as Array<{id: string}>).map((r) => r.id));
  if ([...deps].sort().join() !== [...table].sort().join()) return `dependency journal replay ${[...deps]} != table ${[...table]}`;
  for (const [table2, entity] of [['logs', 'logs'], ['comments', 'comments'], ['handoffs', 'handoff'], ['issue_reviews', 'issue_reviews']]) {
    const missing = db.prepare(`SELECT id FROM ${table2} WHERE id NOT IN (SELECT entity_id FROM action_log WHERE entity_type = ?)`).all(entity);
    if (missing.length) return `${table2} rows without a journal row: ${JSON.stringify(missing)}`;
  }
  const active = db.prepare('SELECT issue_id, COUNT(*) AS n FROM issue_reviews WHERE superseded_at IS NULL GROUP BY issue_id HAVING n > 1').all();
  if (active.length) return `more than one active review: ${JSON.stringify(active)}`;
  return undefined;
}

test('journal invariants hold over random command sequences', (t) => {
  const runs = process.env.TD_SOAK ? 300 : 40;
  const seen = new Set<string>();
  fc.assert(
    fc.property(fc.array(op, {minLength: 10, maxLength: 40}), (ops) => {
      const dir = tempDir('td-inv-');
      const store = Store.init(dir).store;
      store.db.pragma('synchronous = OFF'); // durability is not under test here; fsyncs would dominate the run time
      try {
        const ids: string[] = [];
        for (const o of [{kind: 'create', who: 0, a: 0, b: 1, s: 2}, ...ops]) {
          apply(store, ids, o, dir);
          const bad = check(store);
          if (bad) throw new Error(`after ${o.kind} by ${WHO[o.who]}: ${bad}`);
        }
        for (const r of store.db.prepare('SELECT DISTINCT action_type FROM action_log').all() as Array<{action_type: string}>) seen.add(r.action_type);
        return true;
      } finally {
        store.close();
      }
    }),
    {seed: 4242, numRuns: runs},
  );
  t.log([...seen].sort().join(' '));
  // The sequences reach the interesting paths, not only refusals.
  for (const a of ['create', 'update', 'start', 'block', 'review', 'approve', 'close', 'reopen', 'delete', 'restore', 'add_dependency', 'handoff']) t.true(seen.has(a), `exercised ${a}`);
});
