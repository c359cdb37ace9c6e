/** Backends with `ordering: 'unordered'`: any arrival order gives the same rows (field-level LWW by stamp). */
import test from 'ava';
import {deterministicId, type SyncEvent} from 'td-sync-sdk';
import {runSync} from '../../packages/td-sync-cli/src/engine/index.js';
import type {Store} from '../../packages/td-sync-cli/src/store/index.js';
import {fullIssue, remoteEvent} from './helpers/events.js';
import {Hub, tempProject} from './helpers/hub.js';
import {TdWriter, taskTables, type Row} from './helpers/td-writes.js';

const at = (iso: string, device: string) => ({clientTimestamp: iso, deviceId: device.padEnd(32, '0')});
const row = (s: Store, table: string, id: string) => s.db.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Row | undefined;

async function deliver(store: Store, hub: Hub, events: SyncEvent[]) {
  for (const e of events) hub.inject(e);
  return runSync(store, hub.target(), {push: false});
}

test('a child that arrives before its parent waits, then appears with it', async (t) => {
  const s = tempProject();
  const hub = new Hub({ordering: 'unordered'});
  const comment = remoteEvent('create', 'comments', 'cm-early001', {id: 'cm-early001', issue_id: 'td-par001', session_id: 's', text: 'early', created_at: '2026-03-05T12:00:01Z'}, null, at('2026-03-05T12:00:01Z', 'c'));
  const r1 = await deliver(s, hub, [comment]);
  t.is(r1.skipped, 1);
  t.is(row(s, 'comments', 'cm-early001'), undefined);
  t.like(s.db.prepare('SELECT reason FROM td_sync_skipped').get() as Row, {reason: 'orphaned_parent'});
  await deliver(s, hub, [remoteEvent('create', 'issues', 'td-par001', fullIssue('td-par001'), null, at('2026-03-05T12:00:00Z', 'a'))]);
  t.like(row(s, 'comments', 'cm-early001'), {text: 'early', issue_id: 'td-par001'});
});

test('an update that arrives before the create it follows is not lost', async (t) => {
  const s = tempProject();
  const hub = new Hub({ordering: 'unordered'});
  const create = remoteEvent('create', 'issues', 'td-ord001', fullIssue('td-ord001', {title: 'Created first on device a'}), null, at('2026-03-05T12:00:00Z', 'a'));
  const update = remoteEvent('update', 'issues', 'td-ord001', fullIssue('td-ord001', {title: 'Edited later on device b'}), fullIssue('td-ord001', {title: 'Created first on device a'}), at('2026-03-05T12:05:00Z', 'b'));
  await deliver(s, hub, [update]);
  t.is(row(s, 'issues', 'td-ord001'), undefined, 'update never creates');
  await deliver(s, hub, [create]);
  t.is(row(s, 'issues', 'td-ord001')!.title, 'Edited later on device b');
  const other = tempProject();
  await deliver(other, new Hub({ordering: 'unordered'}), [structuredClone(create), structuredClone(update)]);
  t.deepEqual(taskTables(other), taskTables(s));
});

test('a soft delete that arrives before the create still deletes; an older create cannot undo a newer delete', async (t) => {
  const s = tempProject();
  const hub = new Hub({ordering: 'unordered'});
  await deliver(s, hub, [remoteEvent('soft_delete', 'issues', 'td-del001', null, null, at('2026-03-05T12:10:00Z', 'b'))]);
  await deliver(s, hub, [remoteEvent('create', 'issues', 'td-del001', fullIssue('td-del001'), null, at('2026-03-05T12:00:00Z', 'a'))]);
  t.is(row(s, 'issues', 'td-del001')!.deleted_at, '2026-03-05 12:10:00+00:00');
});

test('an edit made after seeing a remote edit wins even when the local clock is behind', async (t) => {
  const hub = new Hub({ordering: 'unordered'});
  const a = tempProject();
  const b = tempProject();
  const wa = new TdWriter(a, 'ses_a', Date.UTC(2026, 2, 1, 18)); // A's clock 8 hours ahead
  const wb = new TdWriter(b, 'ses_b', Date.UTC(2026, 2, 1, 10));
  const x = wa.createIssue({title: 'Created on the fast clock'});
  await runSync(a, hub.target(), {});
  await runSync(b, hub.target(), {});
  wb.updateIssue(x, {title: 'Edited on the slow clock afterwards'});
  await runSync(b, hub.target(), {});
  await runSync(a, hub.target(), {});
  t.is(wb.issue(x)!.title, 'Edited on the slow clock afterwards');
  t.is(wa.issue(x)!.title, 'Edited on the slow clock afterwards');
  t.deepEqual(taskTables(a), taskTables(b));
});

test('opposite dependencies added on two devices resolve to the same edge everywhere', async (t) => {
  const hub = new Hub({ordering: 'unordered'});
  const a = tempProject();
  const b = tempProject();
  const wa = new TdWriter(a, 'ses_a');
  const wb = new TdWriter(b, 'ses_b');
  const i1 = wa.createIssue({id: 'td-000001'});
  const i2 = wa.createIssue({id: 'td-000002'});
  await runSync(a, hub.target(), {});
  await runSync(b, hub.target(), {});
  t.true(wa.addDep(i2, i1)); // "td-000002|td-000001"
  t.true(wb.addDep(i1, i2)); // "td-000001|td-000002": the smaller key wins
  for (const s of [a, b, a, b]) await runSync(s, hub.target(), {});
  const deps = (s: Store) => s.db.prepare('SELECT issue_id, depends_on_id FROM issue_dependencies').all();
  t.deepEqual(deps(a), [{issue_id: i1, depends_on_id: i2}]);
  t.deepEqual(deps(b), deps(a));
  // Removing the winning edge brings the other (still live) edge back, on both devices.
  t.true(wb.removeDep(i1, i2));
  for (const s of [b, a]) await runSync(s, hub.target(), {});
  t.deepEqual(deps(a), [{issue_id: i2, depends_on_id: i1}]);
  t.deepEqual(deps(b), deps(a));
  t.is((a.db.prepare('SELECT id FROM issue_dependencies').get() as Row).id, deterministicId.dependency(i2, i1));
});

test('replaying an issue create does not wipe its comments (no REPLACE cascade in unordered mode)', async (t) => {
  const hub = new Hub({ordering: 'unordered'});
  const a = tempProject();
  const b = tempProject();
  const wa = new TdWriter(a);
  const x = wa.createIssue();
  wa.addComment(x, 'kept');
  await runSync(a, hub.target(), {});
  await runSync(b, hub.target(), {});
  await runSync(a, hub.target(), {});
  t.is((b.db.prepare('SELECT COUNT(*) AS n FROM comments').get() as Row).n, 1);
  t.is((a.db.prepare('SELECT COUNT(*) AS n FROM comments').get() as Row).n, 1);
});

test('handoff lists td stored as BLOBs end up as the same TEXT on every device', async (t) => {
  const hub = new Hub({ordering: 'unordered'});
  const a = tempProject();
  const b = tempProject();
  const wa = new TdWriter(a);
  const x = wa.createIssue();
  const ho = wa.addHandoff(x, ['wired the retry']);
  a.db.prepare("UPDATE handoffs SET done = CAST(done AS BLOB), remaining = CAST(remaining AS BLOB) WHERE id = ?").run(ho); // as td's AddHandoff binds them
  await runSync(a, hub.target(), {});
  await runSync(b, hub.target(), {});
  const kinds = (s: Store) => s.db.prepare('SELECT typeof(done) AS d, typeof(remaining) AS r, done FROM handoffs').get();
  t.deepEqual(kinds(a), {d: 'text', r: 'text', done: '["wired the retry"]'});
  t.deepEqual(kinds(b), kinds(a));
});

test('a project syncing with a total-order target and an unordered one keeps changes from both', async (t) => {
  const total = new Hub();
  const shared = new Hub({ordering: 'unordered'});
  const p = tempProject();
  const w = new TdWriter(p, 'ses_p', Date.UTC(2026, 2, 5, 9));
  const x = w.createIssue({title: 'Mirrored in two places'});
  await runSync(p, shared.target({targetId: 'shared:x'}), {});
  await runSync(p, total.target({targetId: 'total:y'}), {});
  const base = w.issue(x)!;
  const json = (r: Row) => ({...r, labels: undefined, minor: false});
  total.inject(remoteEvent('update', 'issues', x, json({...base, title: 'Renamed through the server'}), json(base), at('2026-03-05T12:00:00Z', 'r')));
  await runSync(p, total.target({targetId: 'total:y'}), {});
  t.is(w.issue(x)!.title, 'Renamed through the server');
  shared.inject(remoteEvent('update', 'issues', x, json({...base, priority: 'P0'}), json(base), at('2026-03-05T12:05:00Z', 'q')));
  await runSync(p, shared.target({targetId: 'shared:x'}), {});
  t.like(w.issue(x), {title: 'Renamed through the server', priority: 'P0'});
});
