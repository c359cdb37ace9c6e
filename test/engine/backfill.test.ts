/** Backfill (spec §5.3): rows without journal rows and stale issues get synthetic creates before the first pull. */
import test from 'ava';
import {runSync} from '../../packages/td-sync-cli/src/engine/index.js';
import {Hub, tempProject} from './helpers/hub.js';
import {TdWriter, type Row} from './helpers/td-writes.js';

test('orphan rows of every synced table are backfilled once, with raw-row payloads', async (t) => {
  const s = tempProject();
  const db = s.db;
  db.exec(`
    INSERT INTO issues (id, title, labels, minor, created_at, updated_at) VALUES ('td-or0001', 'Issue written without a journal', 'x,y', 1, '2026-03-01 10:00:00-08:00', '2026-03-01 10:00:00-08:00');
    INSERT INTO comments (id, issue_id, session_id, text) VALUES ('cm-or000001', 'td-or0001', 's', 'c');
    INSERT INTO handoffs (id, issue_id, session_id, done) VALUES ('ho-or000001', 'td-or0001', 's', CAST('["a"]' AS BLOB));
    INSERT INTO boards (id, name) VALUES ('bd-or000001', 'Board');
    INSERT INTO work_sessions (id, name, session_id, worktree_id) VALUES ('ws-or01', 'w', 's', 'wt_local');
  `);
  const hub = new Hub();
  const r = await runSync(s, hub.target(), {pull: false});
  t.is(r.pushed, 5, 'issue, comment, handoff, board, work session (not the built-in board)');
  const byType = Object.fromEntries(hub.log.map((e) => [e.entityType, e]));
  t.like(byType.issues.payload.newData, {id: 'td-or0001', labels: 'x,y', minor: 1, created_at: '2026-03-01T10:00:00-08:00'});
  t.is(byType.handoffs.payload.newData?.done, Buffer.from('["a"]').toString('base64'));
  t.false('worktree_id' in (byType.work_sessions.payload.newData as Row));
  t.is(byType.issues.payload.previousData, null);
  const again = await runSync(s, hub.target(), {pull: false});
  t.is(again.pushed, 0, 'synthetic rows count as the entity creates (td re-backfilled some tables on every push)');
});

test('a stale issue (changed without a journal row) gets a fresh full-row create', async (t) => {
  const s = tempProject();
  const w = new TdWriter(s);
  const x = w.createIssue({title: 'Status changed behind the journal'});
  s.db.prepare("UPDATE issues SET status = 'closed' WHERE id = ?").run(x);
  const hub = new Hub();
  await runSync(s, hub.target(), {pull: false});
  t.is(hub.log.length, 2);
  t.like(hub.log[1], {actionType: 'create', entityId: x});
  t.is(hub.log[1].payload.newData?.status, 'closed');
});

test('no backfill once the target has pulled', async (t) => {
  const s = tempProject();
  const hub = new Hub();
  await runSync(s, hub.target(), {});
  s.db.exec("INSERT INTO issues (id, title) VALUES ('td-late01', 'Written after the first pull')");
  const r = await runSync(s, hub.target(), {});
  t.is(r.pushed, 0);
  t.is(hub.log.length, 0);
});
