/** Hooks around push and pull, and backend state / capabilities as the engine honours them. */
import test from 'ava';
import {createSyncHooks, type SyncEvent} from 'td-sync-sdk';
import {pendingCount, pendingEvents, runSync, targetState} from '../../packages/td-sync-cli/src/engine/index.js';
import {Hub, tempProject} from './helpers/hub.js';
import {TdWriter} from './helpers/td-writes.js';

test('beforePush may drop events: they stay pending and are pushed once the tap lets them through', async (t) => {
  const hub = new Hub();
  const s = tempProject();
  const w = new TdWriter(s);
  const x = w.createIssue({title: 'A public task for the team'});
  w.addLog(x, 'secret: internal only');
  w.addLog(x, 'public progress');
  const hooks = createSyncHooks();
  let dropSecrets = true;
  hooks.beforePush.tap('no-secrets', (events) => (dropSecrets ? events.filter((e) => !String(e.payload.newData?.message ?? '').startsWith('secret')) : events));
  const r1 = await runSync(s, hub.target({hooks}), {pull: false});
  t.is(r1.pushed, 2);
  t.is(r1.heldBack, 1);
  t.deepEqual(r1.warnings, ['a beforePush tap held back 1 event(s); they stay pending']);
  t.is(r1.pending, 1);
  t.false(hub.log.some((e) => String(e.payload.newData?.message).startsWith('secret')));
  dropSecrets = false;
  const r2 = await runSync(s, hub.target({hooks}), {pull: false});
  t.is(r2.pushed, 1);
  t.is(r2.pending, 0);
});

test('beforePush may redact: the backend receives the tapped payload', async (t) => {
  const hub = new Hub();
  const s = tempProject();
  const w = new TdWriter(s);
  w.createIssue({title: 'Rotate the key sk-123456 today', description: 'token sk-123456'});
  const hooks = createSyncHooks();
  hooks.beforePush.tap('redact', (events) =>
    events.map((e) => ({...e, payload: {...e.payload, newData: JSON.parse(JSON.stringify(e.payload.newData).replace(/sk-\d+/g, '[redacted]'))}})),
  );
  await runSync(s, hub.target({hooks}), {});
  t.is(hub.received[0][0].payload.newData?.title, 'Rotate the key [redacted] today');
  t.is(hub.log[0].payload.newData?.description, 'token [redacted]');
  t.is(pendingCount(s, 'hub:memory', 'hub'), 0);
});

test('mapEvent is called by the backend with each event; the tapped draft reaches it', async (t) => {
  const hub = new Hub({useMapEvent: true});
  const s = tempProject();
  const id = new TdWriter(s).createIssue({title: 'Map me to a remote draft'});
  const hooks = createSyncHooks();
  const calls: SyncEvent[] = [];
  hooks.mapEvent.tap('label-it', (draft, event) => {
    calls.push(event);
    return {...draft, labels: ['from-td'], title: `[td] ${event.payload.newData?.title}`};
  });
  await runSync(s, hub.target({hooks}), {});
  t.is(calls.length, 1);
  t.is(calls[0].entityId, id);
  t.deepEqual(hub.drafts, [{title: '[td] Map me to a remote draft', labels: ['from-td']}]);
});

test('afterPush, beforeApply, afterApply and afterSync see the run', async (t) => {
  const hub = new Hub({maxPushBatch: 2});
  const a = tempProject();
  const w = new TdWriter(a);
  for (let i = 0; i < 5; i++) w.createIssue();
  const hooks = createSyncHooks();
  const seen: string[] = [];
  hooks.afterPush.tap('t', (r) => void seen.push(`push:${r.acks.length}`));
  hooks.beforeApply.tap('t', (events) => {
    seen.push(`beforeApply:${events.length}`);
    return events;
  });
  hooks.afterApply.tap('t', (s) => void seen.push(`apply:${s.applied}`));
  hooks.afterSync.tap('t', (r) => void seen.push(`sync:${r.pushed}/${r.pulled}`));
  await runSync(a, hub.target({hooks}), {});
  t.deepEqual(seen, ['push:2', 'push:2', 'push:1', 'beforeApply:5', 'apply:5', 'sync:5/5']);
  t.is(hub.received.length, 3, 'pushed in batches of maxPushBatch');
});

test('events of entity types the backend does not carry stay pending', async (t) => {
  const hub = new Hub({entityTypes: ['issues']});
  const s = tempProject();
  const w = new TdWriter(s);
  const x = w.createIssue();
  w.addComment(x, 'not carried by this backend');
  const r = await runSync(s, hub.target(), {});
  t.is(r.pushed, 1);
  t.is(r.heldBack, 1);
  t.is(r.pending, 1);
  t.deepEqual(pendingEvents(s, 'hub:memory', 'hub').map((e) => e.entityType), ['comments']);
  t.deepEqual(r.warnings, ['1 event(s) stay pending: the hub backend does not carry comments (1)']);
});

test('rows whose entity type does not normalise stay pending and are not counted', async (t) => {
  const s = tempProject();
  const w = new TdWriter(s);
  w.createIssue();
  w.journal('create', 'gizmo', 'gz-1', '', {id: 'gz-1'});
  const hub = new Hub();
  const r = await runSync(s, hub.target(), {});
  t.is(r.pushed, 1);
  t.is(hub.log.length, 1);
  t.is(r.pending, 0);
  t.deepEqual(r.warnings, ['journal rows with entity types td does not sync stay pending: gizmo (1)']);
});

test('backend state: stage commits with the ack batch, set is durable at once, dry runs write nothing', async (t) => {
  const hub = new Hub();
  const s = tempProject();
  new TdWriter(s).createIssue();
  await runSync(s, hub.target(), {});
  const stored = () => s.db.prepare("SELECT key, value FROM td_sync_backend_state WHERE target = 'hub:memory' ORDER BY key").all();
  t.deepEqual(stored(), [{key: 'lastPushCount', value: '1'}]);
  const ctx = hub.contexts[0];
  t.is(ctx.state.get('lastPushCount'), 1);
  ctx.state.set('intent', {creating: 'td-1'});
  t.deepEqual(stored(), [{key: 'intent', value: '{"creating":"td-1"}'}, {key: 'lastPushCount', value: '1'}]);
  t.deepEqual(ctx.state.keys('int'), ['intent']);
  ctx.state.delete('intent');
  t.deepEqual(ctx.state.keys(), ['lastPushCount']);
  t.is(ctx.deviceId, s.deviceId());
  t.is(ctx.target, 'hub:memory');
});

test('dry run reports what would be pushed and pulled, calls no push and writes nothing', async (t) => {
  const hub = new Hub();
  const s = tempProject();
  const w = new TdWriter(s);
  const x = w.createIssue();
  w.db.prepare('INSERT INTO comments (id, issue_id, session_id, text) VALUES (?, ?, ?, ?)').run('cm-nolog01', x, 's', 'written without a journal row');
  hub.inject({...(await import('./helpers/events.js')).remoteEvent('create', 'issues', 'td-dry001', {title: 'Remote one for the dry run'})});
  const before = s.db.prepare('SELECT COUNT(*) AS n FROM action_log').get();
  const r = await runSync(s, hub.target(), {dryRun: true});
  t.true(r.dryRun);
  t.is(r.pushed, 2, 'the issue and the backfilled comment');
  t.is(r.pulled, 1);
  t.is(r.applied, 0);
  t.is(hub.received.length, 0);
  t.deepEqual(s.db.prepare('SELECT COUNT(*) AS n FROM action_log').get(), before);
  t.is(s.db.prepare("SELECT * FROM issues WHERE id = 'td-dry001'").get(), undefined);
  t.is(s.db.prepare('SELECT * FROM td_sync_targets').get(), undefined);
  t.is(targetState(s, 'hub:memory', 'hub').cursor, null);
});

test('a beforePush tap that throws fails the run naming the tap; nothing is pushed or marked synced', async (t) => {
  const hub = new Hub();
  const s = tempProject();
  new TdWriter(s).createIssue();
  const hooks = createSyncHooks();
  hooks.beforePush.tap('fine', (events) => events);
  hooks.beforePush.tap('broken-redactor', () => {
    throw new Error('regex exploded');
  });
  const e = await t.throwsAsync(runSync(s, hub.target({hooks}), {}));
  t.regex(e!.message, /^the beforePush hook failed in tap "broken-redactor": regex exploded/);
  t.is(hub.received.length, 0);
  t.is(pendingCount(s, 'hub:memory', 'hub'), 1);
});
