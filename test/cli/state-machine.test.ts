/**
 * The whole state machine, table-driven: issues in each of td's five statuses (built with the task
 * library, as td would have written them), then every transition command run by the built `td`
 * over all five ids at once. Allowed edges write their journal row; refused ones and no-ops change
 * nothing at all (row identical, no action_log row for that issue).
 */
import test from 'ava';
import {Store} from '../../packages/td-sync-cli/src/store/index.js';
import * as tasks from '../../packages/td-sync-cli/src/tasks/index.js';
import {actions, cloneProject, jsonDocs, project, row, type Project} from './helpers.js';

const STATUSES = ['open', 'in_progress', 'blocked', 'in_review', 'closed'] as const;
type S = (typeof STATUSES)[number];
type Expect = 'done' | 'noop' | 'fail';

/** One project with an issue in each status, written by session "alice". */
function template(): {p: Project; ids: Record<S, string>} {
  const p = project('alice');
  const store = Store.openAt(p.dir);
  const opts = {env: {...p.env}, cwd: p.dir};
  try {
    const make = (title: string) => tasks.createIssue(store, {title}, opts).issue.id;
    const ids = {
      open: make('An issue that stays open'),
      in_progress: make('An issue that alice started'),
      blocked: make('An issue that is blocked now'),
      in_review: make('An issue waiting for review'),
      closed: make('An issue that is already closed'),
    };
    const ok = (o: tasks.Outcome) => {
      if (o.kind !== 'done') throw new Error(`fixture step failed: ${JSON.stringify(o)}`);
    };
    ok(tasks.startIssue(store, ids.in_progress, {}, opts));
    ok(tasks.blockIssue(store, ids.blocked, {}, opts));
    ok(tasks.reviewIssue(store, ids.in_review, {}, opts));
    ok(tasks.closeIssue(store, ids.closed, {}, opts));
    return {p, ids};
  } finally {
    store.close();
  }
}

const TABLE: Array<{args: string[]; action: string; expect: Record<S, Expect>; to?: S}> = [
  {args: ['start'], action: 'start', to: 'in_progress', expect: {open: 'done', in_progress: 'fail', blocked: 'fail', in_review: 'done', closed: 'fail'}},
  {args: ['start', '--force'], action: 'start', to: 'in_progress', expect: {open: 'done', in_progress: 'fail', blocked: 'done', in_review: 'done', closed: 'fail'}},
  {args: ['unstart'], action: 'reopen', to: 'open', expect: {open: 'noop', in_progress: 'done', blocked: 'fail', in_review: 'fail', closed: 'fail'}},
  {args: ['block'], action: 'block', to: 'blocked', expect: {open: 'done', in_progress: 'done', blocked: 'noop', in_review: 'fail', closed: 'fail'}},
  {args: ['unblock'], action: 'unblock', to: 'open', expect: {open: 'noop', in_progress: 'fail', blocked: 'done', in_review: 'fail', closed: 'fail'}},
  {args: ['reopen'], action: 'reopen', to: 'open', expect: {open: 'noop', in_progress: 'fail', blocked: 'fail', in_review: 'fail', closed: 'done'}},
  {args: ['review'], action: 'review', to: 'in_review', expect: {open: 'done', in_progress: 'done', blocked: 'fail', in_review: 'fail', closed: 'fail'}},
  {args: ['approve'], action: 'approve', to: 'closed', expect: {open: 'fail', in_progress: 'fail', blocked: 'fail', in_review: 'done', closed: 'noop'}},
  {args: ['reject'], action: 'reject', to: 'open', expect: {open: 'noop', in_progress: 'fail', blocked: 'fail', in_review: 'done', closed: 'fail'}},
  {args: ['close'], action: 'close', to: 'closed', expect: {open: 'done', in_progress: 'done', blocked: 'done', in_review: 'fail', closed: 'noop'}},
  ...STATUSES.map((to) => ({
    args: ['update', '--status', to],
    action: 'update',
    to,
    expect: Object.fromEntries(STATUSES.map((from) => [from, tasks.isValidTransition(from, to) ? 'done' : 'fail'])) as Record<S, Expect>,
  })),
];

test('the state machine table matches td (spec §3.3)', (t) => {
  const allowed = (from: S, to: S) => tasks.isValidTransition(from, to);
  t.deepEqual(STATUSES.filter((to) => allowed('open', to)), ['in_progress', 'blocked', 'in_review', 'closed']);
  t.deepEqual(STATUSES.filter((to) => allowed('in_progress', to)), ['open', 'blocked', 'in_review', 'closed']);
  t.deepEqual(STATUSES.filter((to) => allowed('blocked', to)), ['open', 'in_progress', 'closed']);
  t.deepEqual(STATUSES.filter((to) => allowed('in_review', to)), ['open', 'in_progress', 'closed']);
  t.deepEqual(STATUSES.filter((to) => allowed('closed', to)), ['open']);
});

const fx = template();

for (const row0 of TABLE) {
  test(`td ${row0.args.join(' ')} over every status`, (t) => {
    const p = cloneProject(fx.p, 'bob');
    const order = STATUSES.map((s) => fx.ids[s]);
    const before = Object.fromEntries(order.map((id) => [id, row(p.dir, 'SELECT * FROM issues WHERE id = ?', id)]));
    const rowsBefore = actions(p.dir).length;
    const [cmd, ...flags] = row0.args;
    const r = p.td([cmd, ...order, ...flags, '--json']);
    t.is(r.code, 0, 'at least one id succeeded, so exit 0');
    const docs = jsonDocs(r.stdout);
    t.is(docs.length, 5, 'one JSON document per id');
    const after = actions(p.dir).slice(rowsBefore);
    for (const [i, from] of STATUSES.entries()) {
      const id = order[i];
      const doc = docs[i];
      const expect = row0.expect[from];
      const mine = after.filter((a) => a.entity_type === 'issue' && a.entity_id === id);
      const now = row(p.dir, 'SELECT * FROM issues WHERE id = ?', id)!;
      if (expect === 'done') {
        t.falsy(doc.error, `${from}: ${JSON.stringify(doc)}`);
        t.true(mine.some((a) => a.action_type === row0.action), `${from}: journals ${row0.action}`);
        t.is(now.status, row0.to!, `${from} -> ${row0.to}`);
        if (now.status === 'open') t.is(now.implementer_session, '', 'open means unclaimed');
      } else {
        if (expect === 'fail') t.truthy(doc.error?.code, `${from}: refused with a code (${JSON.stringify(doc)})`);
        else t.regex(String(doc.action), /^already /, `${from}: idempotent no-op`);
        t.deepEqual(now, before[id], `${from}: row unchanged`);
        t.is(after.filter((a) => a.entity_id === id).length, 0, `${from}: nothing journaled`);
      }
    }
  });
}

test('refusals carry td codes and a refusal-only run exits 1 with nothing written', (t) => {
  const p = cloneProject(fx.p, 'bob');
  const snap = actions(p.dir).length;
  const r = p.td(['start', fx.ids.closed, fx.ids.blocked, '--json']);
  t.is(r.code, 1);
  const docs = jsonDocs(r.stdout);
  t.deepEqual(docs.map((d) => d.error.code), ['invalid_input', 'invalid_input']);
  t.regex(docs[1].error.message, /use --force/);
  t.is(actions(p.dir).length, snap);
  t.is(row(p.dir, "SELECT COUNT(*) AS n FROM sessions")!.n, 1, 'not even a session row for bob');
  const a = p.td(['approve', fx.ids.open, '--json']);
  t.is(a.code, 1);
  t.is(a.json().error.code, 'invalid_input', 'td maps this refusal to invalid_input at the top level');
});
