/** How the engine stops: rate limits and transient failures cleanly, configuration and auth loudly. */
import test from 'ava';
import {AuthError, createSyncHooks, defineBackend, isSyncError, RateLimitError, TransientError, type SyncErrorInfo} from 'td-sync-sdk';
import {runSync} from '../../packages/td-sync-cli/src/engine/index.js';
import {Hub, tempProject} from './helpers/hub.js';
import {TdWriter} from './helpers/td-writes.js';

test('a rate limit stops the run cleanly with when to retry; nothing half-recorded', async (t) => {
  const retryAt = new Date(Date.now() + 60_000);
  const hub = new Hub({beforeStore: () => {
    throw new RateLimitError('secondary rate limit', retryAt);
  }});
  const s = tempProject();
  new TdWriter(s).createIssue();
  const hooks = createSyncHooks();
  const errors: SyncErrorInfo[] = [];
  hooks.onError.tap('t', (e) => void errors.push(e));
  const r = await runSync(s, hub.target({hooks}), {});
  t.is(r.stopped?.code, 'rate_limited');
  t.is(r.stopped?.retryAt, retryAt.toISOString());
  t.true(r.rateLimitWaitMs > 50_000 && r.rateLimitWaitMs <= 60_000);
  t.is(r.pushed, 0);
  t.is(r.pending, 1);
  t.is(errors[0].phase, 'push');
});

test('a transient pull failure keeps what was pushed and stops cleanly', async (t) => {
  const hub = new Hub({onPull: () => {
    throw new TransientError('socket hang up');
  }});
  const s = tempProject();
  new TdWriter(s).createIssue();
  const r = await runSync(s, hub.target(), {});
  t.is(r.pushed, 1);
  t.is(r.stopped?.code, 'transient');
  t.regex(r.stopped!.message, /^pull stopped: socket hang up/);
  t.is(r.pending, 0);
});

test('authentication errors propagate with their hint', async (t) => {
  const hub = new Hub({beforeStore: () => {
    throw new AuthError('token expired', {code: 'hub_token_expired', hint: 'run "td auth login"'});
  }});
  const s = tempProject();
  new TdWriter(s).createIssue();
  const e = await t.throwsAsync(runSync(s, hub.target(), {}));
  t.true(isSyncError(e));
  t.like(e as object, {kind: 'auth', code: 'hub_token_expired', hint: 'run "td auth login"'});
});

test('a backend whose create() returns an invalid instance is a clear configuration error', async (t) => {
  const s = tempProject();
  const target = new Hub().target();
  target.definition = defineBackend({apiVersion: 1, name: 'broken', displayName: 'Broken', validateConfig: (c) => c, remoteId: () => 'x', create: () => ({push: 1}) as never});
  const e = await t.throwsAsync(runSync(s, target, {}));
  t.like(e as object, {kind: 'config', code: 'invalid_backend'});
  t.regex(e!.message, /td-sync-backend-hub returned an invalid instance: .*pull\(\) must be a function/);
});

test('a pending row with invalid JSON aborts the push (as td does) and names the row', async (t) => {
  const hub = new Hub();
  const s = tempProject();
  const w = new TdWriter(s);
  w.createIssue();
  s.db.prepare("INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, new_data, timestamp) VALUES ('al-broken1', 's', 'create', 'issue', 'td-x', '{oops', '2026-03-01T00:00:00Z')").run();
  const e = await t.throwsAsync(runSync(s, hub.target(), {}));
  t.like(e as object, {code: 'pending_row_invalid'});
  t.regex(e!.message, /al-broken1/);
  t.is(hub.log.length, 0);
});

test('two syncs of one project never overlap', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const hub = new Hub();
  const s = tempProject();
  new TdWriter(s).createIssue();
  const target = hub.target();
  const def = target.definition;
  target.definition = {...def, async create(c, ctx) {
    const b = await def.create(c, ctx);
    return {...b, capabilities: b.capabilities, push: async (events) => {
      await gate;
      return b.push(events);
    }, pull: (r) => b.pull(r), status: () => b.status()};
  }};
  const first = runSync(s, target, {});
  await new Promise((r) => setTimeout(r, 20));
  const e = await t.throwsAsync(runSync(s, hub.target(), {}));
  t.like(e as object, {kind: 'transient', code: 'sync_in_progress'});
  release();
  t.is((await first).pushed, 1);
});

test('a database that fails quick_check is refused before anything is synced', async (t) => {
  const s = tempProject();
  new TdWriter(s).createIssue();
  // A table whose rows break its declared NOT NULL: quick_check reports it.
  s.db.exec("CREATE TABLE junk (a TEXT, b TEXT); INSERT INTO junk VALUES ('x', NULL)");
  s.db.unsafeMode(true);
  s.db.pragma('writable_schema = ON');
  s.db.exec("UPDATE sqlite_master SET sql = 'CREATE TABLE junk (a TEXT, b TEXT NOT NULL)' WHERE name = 'junk'");
  s.db.pragma('writable_schema = OFF');
  s.close();
  const {Store} = await import('../../packages/td-sync-cli/src/store/index.js');
  const again = Store.openAt(s.root);
  const e = await t.throwsAsync(runSync(again, new Hub().target(), {}));
  t.like(e as object, {code: 'database_error'});
  t.regex(e!.message, /failed its integrity check \(NULL value in junk.b\)/);
});

test('a project database busy with a local td write stops the run cleanly (database_busy)', async (t) => {
  const {acquireWriteLock} = await import('../../packages/td-sync-cli/src/store/index.js');
  const hub = new Hub();
  const s = tempProject();
  new TdWriter(s).createIssue();
  const lock = acquireWriteLock(s.root);
  try {
    const r = await runSync(s, hub.target(), {lockTimeoutMs: 100});
    t.is(r.stopped?.code, 'database_busy');
    t.is(r.pushed, 0);
    t.is(hub.received.length, 0);
  } finally {
    lock.release();
  }
  const again = await runSync(s, hub.target(), {});
  t.is(again.pushed, 1);
});
