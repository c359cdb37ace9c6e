/** The read-only queries `td sync status` and `td sync conflicts` use. */
import test from 'ava';
import {listConflicts, pendingCount, pendingEvents, runSync, targetState} from '../../packages/td-sync-cli/src/engine/index.js';
import {fullIssue, remoteEvent} from './helpers/events.js';
import {Hub, tempProject} from './helpers/hub.js';
import {TdWriter} from './helpers/td-writes.js';

test('targetState reports cursor, times and counts per target', async (t) => {
  const s = tempProject();
  const w = new TdWriter(s);
  w.createIssue();
  w.createIssue();
  t.like(targetState(s, 'hub:memory'), {backend: 'hub', cursor: null, pending: 2, acked: 0, conflicts: 0});
  const hub = new Hub();
  hub.inject(remoteEvent('create', 'comments', 'cm-orph0001', {id: 'cm-orph0001', issue_id: 'td-none', session_id: 's', text: 't'}));
  hub.inject(remoteEvent('soft_delete', 'comments', 'cm-orph0001', null));
  await runSync(s, hub.target(), {});
  const st = targetState(s, 'hub:memory');
  t.like(st, {targetId: 'hub:memory', backend: 'hub', remote: 'memory', cursor: '4', pending: 0, acked: 2, skipped: 2, quarantined: 1, orphaned: 1});
  t.truthy(st.lastSyncAt && st.lastPushAt && st.lastPullAt);
  t.like(targetState(s, 'other:x'), {backend: 'other', pending: 2, acked: 0}, 'pending is per target');
  t.is(pendingCount(s, 'other:x', 'other'), 2);
  t.deepEqual(pendingEvents(s, 'other:x', 'other').map((e) => e.actionType), ['create', 'create']);
});

test('listConflicts filters by target and time and limits, newest first', async (t) => {
  const s = tempProject();
  const w = new TdWriter(s, 'ses', Date.now() + 60_000);
  const ids = [w.createIssue(), w.createIssue(), w.createIssue()];
  const hub = new Hub();
  await runSync(s, hub.target(), {});
  for (const id of ids) w.updateIssue(id, {title: `Local edit of ${id}`});
  for (const id of ids) hub.inject(remoteEvent('create', 'issues', id, fullIssue(id, {title: `Remote version of ${id}`})));
  const r = await runSync(s, hub.target(), {pull: true, push: false});
  t.is(r.conflicts, 3);
  const all = listConflicts(s, {limit: 10});
  t.deepEqual(all.map((c) => c.entityId), [...ids].reverse());
  t.is(listConflicts(s, {limit: 2}).length, 2);
  t.is(listConflicts(s, {targetId: 'other:x'}).length, 0);
  t.is(listConflicts(s, {since: new Date(Date.now() + 3600_000)}).length, 0);
  t.is(listConflicts(s, {since: '2000-01-01T00:00:00Z'}).length, 3);
  t.throws(() => listConflicts(s, {since: 'yesterday-ish'}), {message: /"since" is not a time/});
});

test('http: backfill goes on while the server is empty (td: last_pulled_server_seq = 0)', async (t) => {
  const s = tempProject();
  const hub = new Hub();
  await runSync(s, hub.target({name: 'http'}), {pull: true, push: false});
  s.db.prepare("INSERT INTO logs (id, issue_id, session_id, message) VALUES ('lg-empty001', '', 's', 'no journal row')").run();
  const r = await runSync(s, hub.target({name: 'http'}), {});
  t.is(r.pushed, 1);
});

test('status queries work read-only on a database td-sync never wrote to', async (t) => {
  const s = tempProject();
  new TdWriter(s).createIssue();
  for (const table of ['td_sync_acks', 'td_sync_targets', 'td_sync_conflicts', 'td_sync_skipped', 'td_sync_backend_state', 'td_sync_meta']) s.db.exec(`DROP TABLE ${table}`);
  const root = s.root;
  s.close();
  const {Store} = await import('../../packages/td-sync-cli/src/store/index.js');
  const ro = Store.openAt(root, {readonly: true});
  t.is(pendingCount(ro, 'dir:/x', 'dir'), 1);
  t.like(targetState(ro, 'dir:/x', 'dir'), {pending: 1, acked: 0, conflicts: 0, cursor: null});
  ro.close();
});
