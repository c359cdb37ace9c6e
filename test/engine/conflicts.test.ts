/** Conflicts: detection against local changes, the default policy (both versions kept), onConflict taps. */
import test from 'ava';
import {createSyncHooks, type Conflict} from 'td-sync-sdk';
import {listConflicts, runSync} from '../../packages/td-sync-cli/src/engine/index.js';
import type {Store} from '../../packages/td-sync-cli/src/store/index.js';
import {Hub, tempProject, type Ordering} from './helpers/hub.js';
import {TdWriter, taskTables, type Row} from './helpers/td-writes.js';

/** A and B share issue X; both then edit its title. A has pushed; B has not. */
async function setup(ordering: Ordering) {
  const hub = new Hub({ordering});
  const a = tempProject();
  const b = tempProject();
  const wa = new TdWriter(a, 'ses_a', Date.now());
  const wb = new TdWriter(b, 'ses_b', Date.now() + 50_000);
  const x = wa.createIssue({title: 'Original shared title'});
  await runSync(a, hub.target(), {});
  await runSync(b, hub.target(), {});
  wa.updateIssue(x, {title: 'Title written on A'});
  wb.updateIssue(x, {title: 'Title written on B'});
  await runSync(a, hub.target(), {});
  return {hub, a, b, wa, wb, x};
}

const tdConflicts = (s: Store) => s.db.prepare('SELECT * FROM sync_conflicts').all() as Row[];

test('total: default policy applies the remote version and keeps both versions', async (t) => {
  const {hub, b, wb, x} = await setup('total');
  const r = await runSync(b, hub.target(), {push: false});
  t.is(r.conflicts, 1);
  t.is(wb.issue(x)!.title, 'Title written on A');
  const [c] = tdConflicts(b);
  t.is(c.entity_type, 'issues');
  t.is(c.entity_id, x);
  t.is(c.server_seq, 2);
  t.is(JSON.parse(String(c.local_data)).title, 'Title written on B');
  t.is(JSON.parse(String(c.remote_data)).title, 'Title written on A');
  const [ours] = listConflicts(b, {targetId: 'hub:memory', limit: 10});
  t.like(ours, {target: 'hub:memory', entityType: 'issues', entityId: x, remoteSeq: '2', resolution: 'remote', resolvedBy: 'default'});
  t.is((ours.local as Row).title, 'Title written on B');
  t.is((ours.remote as Row).title, 'Title written on A');
});

test('total: an onConflict tap returning local keeps the local version, and it wins everywhere', async (t) => {
  const {hub, a, b, wa, wb, x} = await setup('total');
  const hooks = createSyncHooks();
  const seen: Conflict[] = [];
  hooks.onConflict.tap('keep-mine', (c) => {
    seen.push(c);
    return {winner: 'local'};
  });
  const r = await runSync(b, hub.target({hooks}), {push: false});
  t.is(r.conflicts, 1);
  t.is(seen[0].localPending.length, 1, 'the unsynced local edit is handed to the tap');
  t.is((seen[0].local as Row).title, 'Title written on B');
  t.is(wb.issue(x)!.title, 'Title written on B');
  t.like(listConflicts(b)[0], {resolution: 'local', resolvedBy: 'keep-mine'});
  await runSync(b, hub.target({hooks}), {});
  await runSync(a, hub.target(), {});
  t.is(wa.issue(x)!.title, 'Title written on B');
  t.deepEqual(taskTables(a), taskTables(b));
});

test('total: an onConflict tap returning merge writes the merged row, which reaches the peer', async (t) => {
  const {hub, a, b, wa, wb, x} = await setup('total');
  const hooks = createSyncHooks();
  hooks.onConflict.tap('other', () => undefined);
  hooks.onConflict.tap('merger', (c) => ({winner: 'merge', row: {title: `${(c.local as Row).title} + ${(c.remote.payload.newData as Row).title}`}}));
  await runSync(b, hub.target({hooks}), {push: false});
  t.is(wb.issue(x)!.title, 'Title written on B + Title written on A');
  t.like(listConflicts(b)[0], {resolution: 'merge', resolvedBy: 'merger'});
  await runSync(b, hub.target({hooks}), {});
  await runSync(a, hub.target(), {});
  t.is(wa.issue(x)!.title, 'Title written on B + Title written on A');
  t.deepEqual(taskTables(a), taskTables(b));
});

test('self-authored events pulled back are applied but never conflicts', async (t) => {
  const hub = new Hub();
  const a = tempProject();
  const wa = new TdWriter(a, 'ses_a', Date.now());
  const x = wa.createIssue();
  await runSync(a, hub.target(), {});
  wa.updateIssue(x, {title: 'Edited after the first sync'});
  wa.updateIssue(x, {priority: 'P0'});
  const r = await runSync(a, hub.target(), {});
  t.is(r.pulled, 2);
  t.is(r.conflicts, 0);
  t.is(tdConflicts(a).length, 0);
});

test('an edit to a different field is not a conflict', async (t) => {
  const {hub, b, wb, wa, x} = await setup('total');
  void wa;
  const r1 = await runSync(b, hub.target(), {push: false}); // the title conflict
  t.is(r1.conflicts, 1);
  wb.updateIssue(x, {priority: 'P1'});
  const r2 = await runSync(b, hub.target(), {});
  t.is(r2.conflicts, 0);
});

test('unordered: default last-writer-wins by stamp keeps both versions; peers converge', async (t) => {
  const {hub, a, b, wa, wb, x} = await setup('unordered');
  const r = await runSync(b, hub.target(), {});
  t.is(r.conflicts, 1);
  const [c] = listConflicts(b);
  t.is(c.resolution, 'local', "B's edit is newer (its clock is ahead), so it stays");
  t.is((c.remote as Row).title, 'Title written on A');
  t.is(wb.issue(x)!.title, 'Title written on B');
  await runSync(a, hub.target(), {});
  t.is(wa.issue(x)!.title, 'Title written on B');
  t.is(tdConflicts(b).length, 1);
});

test('unordered: an onConflict tap returning local is obeyed and converges', async (t) => {
  const hub = new Hub({ordering: 'unordered'});
  const a = tempProject();
  const b = tempProject();
  // Both clocks run ahead of the syncs' real time (edits are "since the last sync"); A's edit is newer.
  const wa = new TdWriter(a, 'ses_a', Date.now() + 120_000);
  const wb = new TdWriter(b, 'ses_b', Date.now() + 60_000);
  const x = wa.createIssue({title: 'Original shared title'});
  await runSync(a, hub.target(), {});
  await runSync(b, hub.target(), {});
  wa.updateIssue(x, {title: 'Title written on A'});
  wb.updateIssue(x, {title: 'Title written on B'});
  await runSync(a, hub.target(), {});
  const hooks = createSyncHooks();
  hooks.onConflict.tap('keep-mine', () => ({winner: 'local'}));
  const r = await runSync(b, hub.target({hooks}), {});
  t.is(r.conflicts, 1);
  t.is(wb.issue(x)!.title, 'Title written on B');
  await runSync(b, hub.target({hooks}), {});
  await runSync(a, hub.target(), {});
  t.is(wa.issue(x)!.title, 'Title written on B');
  t.deepEqual(taskTables(a), taskTables(b));
});

test('unordered: an onConflict tap returning remote is obeyed even when the remote stamp is older', async (t) => {
  const {hub, a, b, wa, wb, x} = await setup('unordered'); // B's edit is the newer one
  const hooks = createSyncHooks();
  hooks.onConflict.tap('theirs', () => ({winner: 'remote'}));
  const r = await runSync(b, hub.target({hooks}), {});
  t.is(r.conflicts, 1);
  t.is(wb.issue(x)!.title, 'Title written on A');
  t.like(listConflicts(b)[0], {resolution: 'remote', resolvedBy: 'theirs'});
  await runSync(b, hub.target({hooks}), {});
  await runSync(a, hub.target(), {});
  t.is(wa.issue(x)!.title, 'Title written on A');
  t.deepEqual(taskTables(a), taskTables(b));
});

test('an onConflict tap that throws fails the sync, naming the tap; nothing of the page is applied', async (t) => {
  const {hub, b, wb, x} = await setup('total');
  const hooks = createSyncHooks();
  hooks.onConflict.tap('buggy-plugin', () => {
    throw new Error('cannot read property of undefined');
  });
  const errors: string[] = [];
  hooks.onError.tap('t', (e) => void errors.push(e.phase));
  const cursorBefore = (b.db.prepare('SELECT cursor FROM td_sync_targets').get() as Row).cursor;
  const e = await t.throwsAsync(runSync(b, hub.target({hooks}), {push: false}));
  t.regex(e!.message, /the onConflict hook failed in tap "buggy-plugin": cannot read property of undefined/);
  t.is(wb.issue(x)!.title, 'Title written on B');
  t.is((b.db.prepare('SELECT cursor FROM td_sync_targets').get() as Row).cursor, cursorBefore);
  t.is(tdConflicts(b).length, 0);
  t.deepEqual(errors, ['pull']);
});
