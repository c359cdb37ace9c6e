/** Run options and backend lifecycle: push-only targets, abort, close, page size, session id. */
import test from 'ava';
import type {BackendDefinition, SyncBackend} from 'td-sync-sdk';
import {runSync} from '../../packages/td-sync-cli/src/engine/index.js';
import {remoteEvent} from './helpers/events.js';
import {Hub, tempProject} from './helpers/hub.js';
import {TdWriter} from './helpers/td-writes.js';

/** Wrap the hub's backend instance to change capabilities or watch calls. */
function wrapped(hub: Hub, change: (b: SyncBackend) => SyncBackend) {
  const target = hub.target();
  const def = target.definition as BackendDefinition;
  target.definition = {...def, async create(config, ctx) {
    return change(await def.create(config, ctx));
  }};
  return target;
}

test('a push-only backend is never pulled; backfill happens before its first push only', async (t) => {
  const hub = new Hub();
  hub.inject(remoteEvent('create', 'issues', 'td-never01', {title: 'Must never be pulled here'}));
  let pulls = 0;
  const target = wrapped(hub, (b) => ({...b, capabilities: {...b.capabilities, bidirectional: false}, push: b.push.bind(b), status: b.status.bind(b), pull: (r) => {
    pulls++;
    return b.pull(r);
  }}));
  const s = tempProject();
  s.db.exec("INSERT INTO issues (id, title) VALUES ('td-nolog01', 'Written without a journal row')");
  const r1 = await runSync(s, target, {});
  t.is(r1.pushed, 1);
  t.is(pulls, 0);
  s.db.exec("INSERT INTO issues (id, title) VALUES ('td-nolog02', 'Also without a journal row')");
  const r2 = await runSync(s, target, {});
  t.is(r2.pushed, 0);
  t.falsy(s.db.prepare("SELECT 1 FROM issues WHERE id = 'td-never01'").get());
});

test('an aborted run stops between batches and says so; close() is always called', async (t) => {
  const controller = new AbortController();
  let closed = 0;
  const hub = new Hub({maxPushBatch: 1, afterStore: () => controller.abort()});
  const target = wrapped(hub, (b) => ({...b, capabilities: b.capabilities, push: b.push.bind(b), pull: b.pull.bind(b), status: b.status.bind(b), close: async () => void closed++}));
  const s = tempProject();
  const w = new TdWriter(s);
  w.createIssue();
  w.createIssue();
  const r = await runSync(s, target, {signal: controller.signal});
  t.is(r.pushed, 1);
  t.is(r.stopped?.code, 'aborted');
  t.is(r.pending, 1);
  t.is(closed, 1);
});

test('pageSize bounds each pull; events arrive in pages, each committed with its cursor', async (t) => {
  const hub = new Hub();
  for (let i = 0; i < 7; i++) hub.inject(remoteEvent('create', 'issues', `td-page0${i}`, {title: `Paged remote task ${i}`}));
  const s = tempProject();
  const pages: number[] = [];
  const target = hub.target();
  target.hooks.afterApply.tap('t', (summary) => void pages.push(summary.pulled));
  const r = await runSync(s, target, {pageSize: 3});
  t.deepEqual(pages, [3, 3, 1]);
  t.is(r.applied, 7);
});

test('events carry the given session id, else one stable id per project', async (t) => {
  const hub = new Hub();
  const s = tempProject();
  const w = new TdWriter(s);
  w.createIssue();
  await runSync(s, hub.target(), {sessionId: 'ses_given'});
  w.createIssue();
  await runSync(s, hub.target(), {env: {}});
  w.createIssue();
  await runSync(s, hub.target(), {env: {}});
  t.is(hub.log[0].sessionId, 'ses_given');
  t.regex(hub.log[1].sessionId, /^ses_[0-9a-f]{6}$/);
  t.is(hub.log[2].sessionId, hub.log[1].sessionId);
  t.is(hub.log[1].deviceId, s.deviceId());
});
