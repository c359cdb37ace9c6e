/**
 * td's default "trusted" review policy through the CLI: attributed and self reviews, record-only
 * reviews then close on the recorded approval (Mode C), changes requested, approval freshness,
 * minor issues, the review cascade up to an epic; and the optimistic-concurrency guard (library).
 */
import test from 'ava';
import {Store} from '../../packages/td-sync-cli/src/store/index.js';
import * as tasks from '../../packages/td-sync-cli/src/tasks/index.js';
import {actions, jsonDocs, project, row, rows, snapshot} from './helpers.js';

test('implementer approves with --reviewed-by: self_review=1, reviewed_by recorded, no reason needed', (t) => {
  const p = project('alice');
  const id = p.td(['create', 'Parser handles CRLF input', '--json']).json().id as string;
  p.td(['start', id]);
  p.td(['review', id]);
  const r = p.td(['approve', id, '--reviewed-by', 'code-reviewer sub-agent', '--json']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.like(r.json(), {action: 'approved', status: 'closed', reviewed_by: 'code-reviewer sub-agent', self_review: true});
  t.like(row(p.dir, 'SELECT * FROM issue_reviews'), {self_review: 1, reviewed_by: 'code-reviewer sub-agent', decision: 'approved'});
  const rv = JSON.parse(actions(p.dir, "entity_type = 'issue_reviews'")[0].new_data);
  t.is(rv.reviewed_by, 'code-reviewer sub-agent');
  t.is(rv.self_review, true);
  t.is(JSON.parse(actions(p.dir, "entity_type = 'logs'").at(-1)!.new_data).message, 'Approved (reviewed by code-reviewer sub-agent)');
  const hist = p.td(['show', id, '--json']).json().review_history;
  t.is(hist.length, 1);
  t.like(hist[0], {decision: 'approved', superseded: false, self_review: true, reviewed_by: 'code-reviewer sub-agent', summary: ''});
});

test('record-only approval, then any session closes on it (close_after_review); changes_requested; freshness', (t) => {
  const p = project('alice');
  const [a, b] = ['Cache invalidation for tags', 'Retry budget for webhooks'].map((title) => p.td(['create', title, '--json']).json().id as string);
  p.td(['start', a, b]);
  p.td(['review', a, b]);
  const noReason = p.td(['approve', a, '--record-only', '--json'], undefined, {TD_SESSION_ID: 'rita'});
  t.is(noReason.code, 1);
  const rec = p.td(['approve', a, '--record-only', '--reason', 'diff reviewed', '--json'], undefined, {TD_SESSION_ID: 'rita'});
  t.is(rec.code, 0, rec.stdout);
  t.like(rec.json(), {action: 'review_recorded', status: 'in_review', decision: 'approved'});
  const recRow = actions(p.dir, "entity_id = ? AND action_type = 'review_approve'", a)[0];
  const wrapper = JSON.parse(recRow.new_data);
  t.like(wrapper.issue, {status: 'in_review'});
  t.truthy(wrapper.issue.reviewed_at);
  t.is(wrapper.created_review_id, row(p.dir, 'SELECT id FROM issue_reviews WHERE issue_id = ?', a)!.id);

  // The implementer closes on the recorded approval; another session would need --reason.
  const close = p.td(['approve', a, '--reason', 'merging', '--json']);
  t.is(close.code, 0, close.stdout);
  t.like(close.json(), {action: 'approved', status: 'closed'});
  const car = actions(p.dir, "entity_id = ? AND action_type = 'close_after_review'", a);
  t.is(car.length, 1);
  t.deepEqual(Object.keys(JSON.parse(car[0].new_data)), ['issue']);

  // changes requested: recorded, status unchanged, no reviewer stamp.
  const cr = p.td(['approve', b, '--record-only', '--decision', 'changes_requested', '--reason', 'needs tests', '--json'], undefined, {TD_SESSION_ID: 'rita'});
  t.is(cr.code, 0, cr.stdout);
  t.like(row(p.dir, 'SELECT * FROM issues WHERE id = ?', b), {status: 'in_review', reviewer_session: ''});
  t.is(actions(p.dir, "entity_id = ? AND action_type = 'review_changes_requested'", b).length, 1);
  // record an approval on b, then a title edit supersedes it (update/issue_reviews) before the issue update.
  p.td(['approve', b, '--record-only', '--reason', 'fixed', '--json'], undefined, {TD_SESSION_ID: 'rita'});
  const n = actions(p.dir).length;
  t.is(p.td(['update', b, '--title', 'Retry budget for outgoing webhooks']).code, 0);
  const tail = actions(p.dir).slice(n);
  t.deepEqual(tail.map((x) => `${x.action_type}/${x.entity_type}`), ['update/issue_reviews', 'update/issue']);
  t.is(rows(p.dir, 'SELECT * FROM issue_reviews WHERE issue_id = ? AND superseded_at IS NULL', b).length, 0);
});

test('approve without ids picks the only candidate; --all approves what this session may, quietly skipping the rest', (t) => {
  const p = project('alice');
  const [a, b] = ['First change waiting for review', 'Second change waiting for review'].map((title) => p.td(['create', title, '--json']).json().id as string);
  p.td(['start', a, b]);
  p.td(['review', a]);
  const one = p.td(['approve', '--json'], undefined, {TD_SESSION_ID: 'bob'});
  t.is(one.code, 0, one.stdout);
  t.like(one.json(), {action: 'approved', id: a});
  p.td(['review', b]);
  const mine = p.td(['approve', '--all', '--json']);
  t.is(mine.code, 0, 'nothing approvable for the implementer is not an error under --all');
  t.is(mine.stdout.trim(), '');
  t.is(row(p.dir, 'SELECT status FROM issues WHERE id = ?', b)!.status, 'in_review');
  const all = p.td(['approve', '--all', '--json'], undefined, {TD_SESSION_ID: 'bob'});
  t.deepEqual(jsonDocs(all.stdout).map((d) => [d.id, d.status]), [[b, 'closed']]);
  const none = p.td(['approve', '--json'], undefined, {TD_SESSION_ID: 'bob'});
  t.is(none.code, 1);
  t.regex(none.json().error.message, /no issues to approve/);
});

test('other review policy modes are refused, not silently loosened', (t) => {
  const p = project('bob');
  const id = p.td(['create', 'Policy mode guard check', '--json']).json().id as string;
  p.td(['review', id]);
  const before = snapshot(p.dir);
  const strict = p.td(['approve', id, '--json'], undefined, {TD_FEATURE_REVIEW_POLICY_MODE: 'strict', TD_SESSION_ID: 'carol'});
  t.is(strict.code, 1);
  t.regex(strict.json().error.message, /review_policy_mode=strict is not supported/);
  const delegated = p.td(['close', id, '--json'], undefined, {TD_FEATURE_REVIEW_POLICY_MODE: 'delegated', TD_SESSION_ID: 'carol'});
  t.is(delegated.json().error.code, 'invalid_input');
  t.deepEqual(snapshot(p.dir), before);
});

test('minor issues bypass review rules; review cascades an epic to in_review', (t) => {
  const p = project('alice');
  const m = p.td(['create', 'Typo in the README badge', '--minor', '--json']).json().id as string;
  p.td(['start', m]);
  t.like(p.td(['close', m, '--json']).json(), {action: 'closed'}, 'the implementer may close a minor issue');

  const epic = p.td(['create', 'Search relevance epic', '-t', 'epic', '--json']).json().id as string;
  const kids = ['Tune BM25 weights for titles', 'Add synonyms for product names'].map((title) => p.td(['create', title, '--epic', epic, '--json']).json().id as string);
  const docs = jsonDocs(p.td(['review', ...kids, '--json']).stdout);
  t.deepEqual(docs.map((d) => d.status), ['in_review', 'in_review']);
  t.is(row(p.dir, 'SELECT status FROM issues WHERE id = ?', epic)!.status, 'in_review');
  t.is(actions(p.dir, "entity_id = ? AND action_type = 'review'", epic).length, 1);
  t.is(rows(p.dir, 'SELECT * FROM handoffs').length, 2, 'one auto handoff per submitted child');
});

test('optimistic concurrency: a write based on a stale load is refused and changes nothing', (t) => {
  const p = project('alice');
  const id = p.td(['create', 'Concurrent edits of one issue', '--json']).json().id as string;
  const store = Store.openAt(p.dir);
  try {
    const opts = {env: {...p.env}, cwd: p.dir};
    const loaded = store.db.prepare('SELECT updated_at FROM issues WHERE id = ?').get(id) as {updated_at: string};
    const first = tasks.updateIssue(store, id, {priority: 'P1', expectedUpdatedAt: loaded.updated_at}, {...opts, now: () => new Date(Date.now() + 1000)});
    t.is(first.kind, 'done');
    const before = snapshot(p.dir);
    const stale = tasks.updateIssue(store, id, {priority: 'P3', expectedUpdatedAt: loaded.updated_at}, opts);
    t.like(stale, {kind: 'failed', code: 'conflict'});
    t.regex((stale as {message: string}).message, /was modified after it was loaded/);
    t.deepEqual(snapshot(p.dir), before);
  } finally {
    store.close();
  }
});
