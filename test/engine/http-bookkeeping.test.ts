/** The `http` target also keeps td's own bookkeeping, so a project the Go td synced goes on syncing. */
import test from 'ava';
import {runSync, targetState} from '../../packages/td-sync-cli/src/engine/index.js';
import type {Store} from '../../packages/td-sync-cli/src/store/index.js';
import {fullIssue, remoteEvent} from './helpers/events.js';
import {Hub, tempProject} from './helpers/hub.js';
import {TdWriter, type Row} from './helpers/td-writes.js';

const rows = (s: Store, sql: string) => s.db.prepare(sql).all() as Row[];
const one = (s: Store, sql: string) => s.db.prepare(sql).get() as Row;

test('acks set action_log.synced_at/server_seq, sync_state and sync_history; pulls move last_pulled_server_seq', async (t) => {
  const hub = new Hub();
  hub.inject(remoteEvent('create', 'issues', 'td-rem001', fullIssue('td-rem001')));
  const s = tempProject();
  const w = new TdWriter(s);
  const x = w.createIssue();
  w.addLog(x, 'progress');
  const r = await runSync(s, hub.target({name: 'http'}), {});
  t.is(r.pushed, 2);
  const log = rows(s, 'SELECT rowid, synced_at, server_seq FROM action_log ORDER BY rowid');
  t.deepEqual(log.map((l) => l.server_seq), [2, 3]);
  t.true(log.every((l) => typeof l.synced_at === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(String(l.synced_at))));
  const state = one(s, 'SELECT * FROM sync_state');
  t.is(state.last_pushed_action_id, log[1].rowid);
  t.is(state.last_pulled_server_seq, 3);
  t.truthy(state.last_sync_at);
  const history = rows(s, 'SELECT direction, action_type, entity_type, server_seq FROM sync_history ORDER BY id');
  t.deepEqual(history, [
    {direction: 'push', action_type: 'create', entity_type: 'issues', server_seq: 2},
    {direction: 'push', action_type: 'create', entity_type: 'logs', server_seq: 3},
    {direction: 'pull', action_type: 'create', entity_type: 'issues', server_seq: 1},
    {direction: 'pull', action_type: 'create', entity_type: 'issues', server_seq: 2},
    {direction: 'pull', action_type: 'create', entity_type: 'logs', server_seq: 3},
  ]);
  t.is(targetState(s, 'http:memory').cursor, '3');
});

test('a project the Go td already synced: synced rows are not re-pushed and the pull resumes from last_pulled_server_seq', async (t) => {
  const hub = new Hub();
  const s = tempProject();
  const w = new TdWriter(s);
  const x = w.createIssue();
  // What td left behind: the create pushed as seq 1, one remote event pulled (seq 2).
  const local = hub.inject({...remoteEvent('create', 'issues', x, fullIssue(x)), deviceId: s.deviceId()});
  hub.inject(remoteEvent('create', 'issues', 'td-rem002', fullIssue('td-rem002')));
  s.db.prepare('UPDATE action_log SET synced_at = CURRENT_TIMESTAMP, server_seq = 1').run();
  s.db.prepare("INSERT INTO sync_state (project_id, last_pushed_action_id, last_pulled_server_seq, last_sync_at) VALUES ('p-1', 1, 2, CURRENT_TIMESTAMP)").run();
  void local;
  hub.inject(remoteEvent('create', 'issues', 'td-rem003', fullIssue('td-rem003')));
  w.updateIssue(x, {title: 'Edited after the Go td synced'});
  const r = await runSync(s, hub.target({name: 'http'}), {});
  t.is(r.pushed, 1, 'only the new row');
  t.is(r.pulled, 2, 'seq 3 and our own seq 4');
  t.truthy(s.db.prepare("SELECT 1 FROM issues WHERE id = 'td-rem003'").get());
  t.falsy(s.db.prepare("SELECT 1 FROM issues WHERE id = 'td-rem002'").get(), 'seq 2 was already pulled by td');
  t.is(one(s, 'SELECT last_pulled_server_seq AS n FROM sync_state').n, 4);
  t.is(rows(s, 'SELECT * FROM sync_state').length, 1);
  t.is(one(s, 'SELECT project_id FROM sync_state').project_id, 'p-1');
});

test('duplicate rejections with a seq mark rows synced without a history row; backfill stops after the first pull', async (t) => {
  const hub = new Hub();
  const s = tempProject();
  const w = new TdWriter(s);
  w.createIssue();
  // The server already has this event (e.g. td crashed after pushing it).
  const first = await runSync(s, hub.target({name: 'http'}), {pull: false});
  t.is(first.pushed, 1);
  s.db.prepare('UPDATE action_log SET synced_at = NULL, server_seq = NULL').run();
  s.db.prepare('DELETE FROM sync_history').run();
  const again = await runSync(s, hub.target({name: 'http'}), {pull: false});
  t.is(again.pushed, 1);
  t.is(one(s, 'SELECT server_seq AS n FROM action_log').n, 1);
  t.is(rows(s, 'SELECT * FROM sync_history').length, 0);
  // Rows written without a journal entry: backfilled before the first pull, not after.
  s.db.prepare("INSERT INTO logs (id, issue_id, session_id, message) VALUES ('lg-nolog001', '', 's', 'written without a journal row')").run();
  const r = await runSync(s, hub.target({name: 'http'}), {});
  t.is(r.pushed, 1);
  t.like(one(s, "SELECT action_type, entity_type, previous_data FROM action_log WHERE entity_id = 'lg-nolog001'"), {action_type: 'create', entity_type: 'logs', previous_data: ''});
  s.db.prepare("INSERT INTO logs (id, issue_id, session_id, message) VALUES ('lg-nolog002', '', 's', 'also without a journal row')").run();
  const after = await runSync(s, hub.target({name: 'http'}), {});
  t.is(after.pushed, 0);
  t.falsy(s.db.prepare("SELECT 1 FROM action_log WHERE entity_id = 'lg-nolog002'").get());
});

test('sync_state.sync_disabled is honoured: nothing is pushed or pulled', async (t) => {
  const hub = new Hub();
  const s = tempProject();
  new TdWriter(s).createIssue();
  s.db.prepare("INSERT INTO sync_state (project_id, sync_disabled) VALUES ('p-1', 1)").run();
  const r = await runSync(s, hub.target({name: 'http'}), {});
  t.is(r.stopped?.code, 'sync_disabled');
  t.is(r.pending, 1);
  t.is(hub.received.length, 0);
});
