/** td's per-event apply rules (spec §6.3-6.5) through a total-order backend, one rule per case. */
import test from 'ava';
import {createSyncHooks, deterministicId, type SyncEvent} from 'td-sync-sdk';
import {runSync} from '../../packages/td-sync-cli/src/engine/index.js';
import type {Store} from '../../packages/td-sync-cli/src/store/index.js';
import {fullIssue, remoteEvent} from './helpers/events.js';
import {Hub, tempProject} from './helpers/hub.js';
import {TdWriter, type Row} from './helpers/td-writes.js';

async function pullInto(store: Store, events: SyncEvent[], hub = new Hub()) {
  for (const e of events) hub.inject(e);
  const report = await runSync(store, hub.target(), {push: false});
  return {report, hub};
}

const row = (s: Store, table: string, id: string) => s.db.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Row | undefined;
const all = (s: Store, sql: string, ...p: unknown[]) => s.db.prepare(sql).all(...p) as Row[];

test('create inserts a whole row; missing columns get their defaults', async (t) => {
  const s = tempProject();
  await pullInto(s, [remoteEvent('create', 'issues', 'td-aaa001', {title: 'Only a title is given'})]);
  const r = row(s, 'issues', 'td-aaa001')!;
  t.like(r, {title: 'Only a title is given', status: 'open', type: 'task', priority: 'P2', description: '', labels: '', parent_id: '', points: 0, deleted_at: null});
  t.truthy(r.created_at);
});

test('create replaces an existing row wholesale (INSERT OR REPLACE), un-deleting it', async (t) => {
  const s = tempProject();
  const w = new TdWriter(s);
  const id = w.createIssue({description: 'local description', sprint: 's1'});
  w.deleteIssue(id);
  await pullInto(s, [remoteEvent('create', 'issues', id, fullIssue(id, {title: 'Remote replacement title'}))]);
  t.like(row(s, 'issues', id), {title: 'Remote replacement title', description: '', sprint: '', deleted_at: null});
});

test('create unwraps {issue: ...} and normalises values (labels, bools, objects, null on TEXT DEFAULT \'\')', async (t) => {
  const s = tempProject();
  const data = {issue: fullIssue('td-aaa002', {labels: ['ui', 'p1'], minor: true, parent_id: null, acceptance: {steps: [1, 2]}}), created_review_id: 'rv-1'};
  await pullInto(s, [remoteEvent('create', 'issues', 'td-aaa002', data)]);
  t.like(row(s, 'issues', 'td-aaa002'), {labels: 'ui,p1', minor: 1, parent_id: '', acceptance: '{"steps":[1,2]}'});
});

test('update with previous data changes only the fields that differ (a concurrent local edit survives)', async (t) => {
  const s = tempProject();
  const w = new TdWriter(s);
  const id = w.createIssue({title: 'Shared title before edit'});
  const before = fullIssue(id, {title: 'Shared title before edit'});
  w.updateIssue(id, {priority: 'P0'});
  await pullInto(s, [remoteEvent('update', 'issues', id, {...before, title: 'Remote edited title'}, before)]);
  t.like(row(s, 'issues', id), {title: 'Remote edited title', priority: 'P0'});
});

test('update with previous data unwraps both sides of approve-style wrappers', async (t) => {
  const s = tempProject();
  const w = new TdWriter(s);
  const id = w.createIssue({title: 'Wrapped approve target', status: 'in_review'});
  const before = fullIssue(id, {status: 'in_review'});
  await pullInto(s, [remoteEvent('update', 'issues', id, {issue: {...before, status: 'closed'}, created_review_id: 'rv-9'}, before)]);
  t.is(row(s, 'issues', id)!.status, 'closed');
});

test('update never creates a missing row', async (t) => {
  const s = tempProject();
  const {report} = await pullInto(s, [
    remoteEvent('update', 'issues', 'td-aaa003', fullIssue('td-aaa003', {title: 'x y z w v'}), fullIssue('td-aaa003')),
    remoteEvent('update', 'issues', 'td-aaa004', fullIssue('td-aaa004')),
  ]);
  t.is(row(s, 'issues', 'td-aaa003'), undefined);
  t.is(row(s, 'issues', 'td-aaa004'), undefined);
  t.is(report.applied, 2);
});

test('update without previous data replaces an existing row wholesale', async (t) => {
  const s = tempProject();
  const w = new TdWriter(s);
  const id = w.createIssue({description: 'will be reset', sprint: 'S9'});
  await pullInto(s, [remoteEvent('update', 'issues', id, fullIssue(id, {title: 'Whole-row update title'}))]);
  t.like(row(s, 'issues', id), {title: 'Whole-row update title', description: '', sprint: ''});
});

test('soft_delete sets deleted_at to the client timestamp; restore clears it and stamps updated_at', async (t) => {
  const s = tempProject();
  const id = new TdWriter(s).createIssue();
  const hub = new Hub();
  await pullInto(s, [remoteEvent('soft_delete', 'issues', id, null, fullIssue(id), {clientTimestamp: '2026-03-05T12:30:00Z'})], hub);
  t.is(row(s, 'issues', id)!.deleted_at, '2026-03-05 12:30:00+00:00');
  await pullInto(s, [remoteEvent('restore', 'issues', id, fullIssue(id), null, {clientTimestamp: '2026-03-05T13:00:00Z'})], hub);
  t.like(row(s, 'issues', id), {deleted_at: null, updated_at: '2026-03-05 13:00:00+00:00'});
});

test('hard delete of an issue clears parent_id on its children', async (t) => {
  const s = tempProject();
  const w = new TdWriter(s);
  const parent = w.createIssue({title: 'Parent epic of the child', type: 'epic'});
  const child = w.createIssue({title: 'Child of the parent epic', parent_id: parent});
  await pullInto(s, [remoteEvent('delete', 'issues', parent, null)]);
  t.is(row(s, 'issues', parent), undefined);
  t.is(row(s, 'issues', child)!.parent_id, '');
});

test('dependency cycles: the edge with the smaller issue|depends_on key wins', async (t) => {
  const s = tempProject();
  const w = new TdWriter(s);
  const a = w.createIssue({id: 'td-00000a'});
  const b = w.createIssue({id: 'td-00000b'});
  w.addDep(b, a); // b depends on a; key "b|a"
  const incoming = deterministicId.dependency(a, b);
  await pullInto(s, [remoteEvent('create', 'issue_dependencies', incoming, {id: incoming, issue_id: a, depends_on_id: b, relation_type: 'depends_on'})]);
  t.deepEqual(all(s, 'SELECT issue_id, depends_on_id FROM issue_dependencies'), [{issue_id: a, depends_on_id: b}]);

  const s2 = tempProject();
  const w2 = new TdWriter(s2);
  w2.createIssue({id: a});
  w2.createIssue({id: b});
  w2.addDep(a, b); // existing "a|b" is smaller: the incoming reverse edge is skipped
  const rev = deterministicId.dependency(b, a);
  const {report} = await pullInto(s2, [remoteEvent('create', 'issue_dependencies', rev, {id: rev, issue_id: b, depends_on_id: a, relation_type: 'depends_on'})]);
  t.deepEqual(all(s2, 'SELECT issue_id, depends_on_id FROM issue_dependencies'), [{issue_id: a, depends_on_id: b}]);
  t.is(report.applied, 1);
});

test('a create whose cascade parent is missing is skipped and recorded as orphaned_parent', async (t) => {
  const s = tempProject();
  const ev = remoteEvent('create', 'comments', 'cm-00000001', {id: 'cm-00000001', issue_id: 'td-missing', session_id: 's', text: 'hi', created_at: '2026-03-05T12:00:00Z'});
  const {report} = await pullInto(s, [ev]);
  t.is(report.skipped, 1);
  t.is(report.applied, 0);
  t.is(row(s, 'comments', 'cm-00000001'), undefined);
  t.like(all(s, 'SELECT * FROM td_sync_skipped')[0], {reason: 'orphaned_parent', entity_id: 'cm-00000001', remote_seq: '1'});
  t.like(all(s, 'SELECT * FROM sync_skipped_events')[0], {server_seq: 1, reason: 'orphaned_parent'});
  t.regex(String(all(s, 'SELECT error FROM td_sync_skipped')[0].error), /references missing issues\/td-missing/);
});

test('poison events are quarantined and the cursor moves past them', async (t) => {
  const s = tempProject();
  const id = new TdWriter(s).createIssue();
  const cm = new TdWriter(s).addComment(id, 'a comment to soft-delete');
  const bad1 = remoteEvent('soft_delete', 'comments', cm, null); // comments have no deleted_at
  const bad2 = {...remoteEvent('create', 'issues', 'td-aaa010', fullIssue('td-aaa010')), entityType: 'gadgets'} as unknown as SyncEvent;
  const bad3 = remoteEvent('create', 'comments', 'cm-00000002', {id: 'cm-00000002', issue_id: id, session_id: 's'}); // text NOT NULL, no default
  const good = remoteEvent('create', 'issues', 'td-aaa011', fullIssue('td-aaa011'));
  const hub = new Hub();
  const {report} = await pullInto(s, [bad1, bad2, bad3, good], hub);
  t.is(report.skipped, 3);
  t.is(report.applied, 1);
  t.truthy(row(s, 'issues', 'td-aaa011'));
  const skipped = all(s, "SELECT remote_seq, error FROM td_sync_skipped WHERE reason = 'quarantined' ORDER BY id");
  t.deepEqual(skipped.map((r) => r.remote_seq), ['1', '2', '3']);
  t.regex(String(skipped[0].error), /no such column/);
  t.regex(String(skipped[1].error), /invalid entity type/);
  t.regex(String(skipped[2].error), /NOT NULL constraint failed/);
  t.is(all(s, 'SELECT * FROM sync_skipped_events').length, 3);
  t.is((s.db.prepare("SELECT cursor FROM td_sync_targets").get() as {cursor: string}).cursor, '4');
  const again = await runSync(s, hub.target(), {push: false});
  t.is(again.pulled, 0, 'quarantined events are not pulled again');
});

test('a transient failure rolls the whole page back and keeps the cursor', async (t) => {
  const s = tempProject();
  const hub = new Hub();
  hub.inject(remoteEvent('create', 'issues', 'td-aaa020', fullIssue('td-aaa020')));
  hub.inject(remoteEvent('create', 'issues', 'td-aaa021', fullIssue('td-aaa021')));
  const hooks = createSyncHooks();
  let poison = true;
  hooks.beforeApply.tap('flaky-disk', (events) =>
    events.map((e, i) => {
      if (!poison || i !== 1) return e;
      const payload = {schemaVersion: 1, previousData: null, get newData(): never {
        throw new Error('disk I/O error');
      }};
      return {...e, payload} as unknown as SyncEvent;
    }),
  );
  const errors: string[] = [];
  hooks.onError.tap('observe', (info) => errors.push(`${info.phase}: ${info.error.message}`));
  const r1 = await runSync(s, hub.target({hooks}), {push: false});
  t.is(r1.stopped?.code, 'pull_rolled_back');
  t.is(r1.failed, 1);
  t.is(r1.applied, 0);
  t.is(row(s, 'issues', 'td-aaa020'), undefined, 'the event before the failure was rolled back too');
  t.is((s.db.prepare('SELECT cursor FROM td_sync_targets').get() as {cursor: string | null}).cursor, null);
  t.regex(errors[0], /^apply: 1 remote event\(s\) failed \(first: seq=2: disk I\/O error\)/);
  poison = false;
  const r2 = await runSync(s, hub.target({hooks}), {push: false});
  t.is(r2.applied, 2);
  t.truthy(row(s, 'issues', 'td-aaa020'));
});

test('replaying an issue create wipes its cascade children (td Appendix C.1)', async (t) => {
  const s = tempProject();
  const w = new TdWriter(s);
  const id = w.createIssue();
  w.addComment(id, 'local comment that the replace removes');
  await pullInto(s, [remoteEvent('create', 'issues', id, fullIssue(id))]);
  t.is(all(s, 'SELECT * FROM comments').length, 0);
});

test('local-only work-session fields are scrubbed from what is applied', async (t) => {
  const s = tempProject();
  await pullInto(s, [remoteEvent('create', 'work_sessions', 'ws-ab12', {id: 'ws-ab12', name: 'sprint', session_id: 's', worktree_id: 'wt_remote', repo_root: '/remote', started_at: '2026-03-05T12:00:00Z'})]);
  t.like(row(s, 'work_sessions', 'ws-ab12'), {name: 'sprint', worktree_id: '', repo_root: ''});
});

test('applying pulled events writes no action_log rows', async (t) => {
  const s = tempProject();
  await pullInto(s, [
    remoteEvent('create', 'issues', 'td-aaa030', fullIssue('td-aaa030')),
    remoteEvent('create', 'logs', 'lg-00000030', {id: 'lg-00000030', issue_id: 'td-aaa030', session_id: 's', message: 'm', type: 'progress', timestamp: '2026-03-05T12:00:00Z'}),
  ]);
  t.is(all(s, 'SELECT * FROM action_log').length, 0);
});
