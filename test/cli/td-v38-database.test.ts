/**
 * A database built with td's own v38 DDL (spec Appendix A, copied to fixtures/td-v38.sql; not our
 * store code) and filled the way td fills it: Go driver timestamps with nanoseconds and offsets,
 * comma-joined labels, BLOB handoff lists, journal rows with td's snapshots. `td list`, `show` and
 * `update` work on it, their JSON keeps td's values, and the database stays at schema 38 with
 * td's tables untouched.
 */
import test from 'ava';
import Database from 'better-sqlite3';
import {mkdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {isolatedEnv, td, tempDir} from '../helpers/td.js';
import {actions, row} from './helpers.js';

const DDL = readFileSync(new URL('./fixtures/td-v38.sql', import.meta.url), 'utf8');

const T1 = '2026-03-01 10:00:00.123456789-08:00';
const T2 = '2026-03-02 09:30:15.5+01:00';
const T3 = '2026-03-03 18:00:00';

/** td's JSON snapshot of the first issue, as Go marshals it. */
const ISSUE1_JSON = {
  id: 'td-a1b2c3', title: 'Migrate sessions to the new store', description: 'Multi-line\ndescription', status: 'in_progress', type: 'feature', priority: 'P1',
  points: 3, labels: ['api', 'web'], implementer_session: 'ses_aaaaaa', creator_session: 'ses_aaaaaa', reviewer_session: '',
  created_at: '2026-03-01T10:00:00.123456789-08:00', updated_at: '2026-03-02T09:30:15.5+01:00', minor: false, created_branch: 'main', defer_count: 0,
};

function build(dir: string): void {
  mkdirSync(join(dir, '.todos'));
  const db = new Database(join(dir, '.todos', 'issues.db'));
  db.pragma('journal_mode = TRUNCATE');
  db.exec(DDL);
  db.prepare("INSERT INTO sessions (id, branch, agent_type, started_at, last_activity) VALUES ('ses_aaaaaa', 'main', 'terminal', ?, ?)").run(T1, T2);
  const ins = db.prepare(`INSERT INTO issues (id, title, description, status, type, priority, points, labels, parent_id, acceptance, implementer_session, reviewer_session,
    created_at, updated_at, closed_at, deleted_at, minor, created_branch, creator_session, sprint, defer_until, due_date, defer_count, reviewed_at, review_requested_by_session, closed_by_session)
    VALUES (@id, @title, @description, @status, @type, @priority, @points, @labels, @parent_id, '', @impl, '', @created, @updated, @closed, @deleted, 0, 'main', 'ses_aaaaaa', '', NULL, @due, 0, NULL, '', @closed_by)`);
  ins.run({id: 'td-a1b2c3', title: ISSUE1_JSON.title, description: ISSUE1_JSON.description, status: 'in_progress', type: 'feature', priority: 'P1', points: 3, labels: 'api,web', parent_id: '', impl: 'ses_aaaaaa', created: T1, updated: T2, closed: null, deleted: null, due: null, closed_by: ''});
  ins.run({id: 'td-d4e5f6', title: 'Write the upgrade notes', description: '', status: 'open', type: 'task', priority: 'P3', points: 0, labels: '', parent_id: 'td-a1b2c3', impl: '', created: T3, updated: T3, closed: null, deleted: null, due: '2026-04-01', closed_by: ''});
  ins.run({id: 'td-0f0f0f', title: 'An old finished chore', description: '', status: 'closed', type: 'chore', priority: 'P2', points: 1, labels: 'ops', parent_id: '', impl: '', created: T1, updated: T2, closed: T2, deleted: null, due: null, closed_by: 'ses_aaaaaa'});
  ins.run({id: 'td-dddddd', title: 'A soft-deleted issue', description: '', status: 'open', type: 'task', priority: 'P0', points: 0, labels: '', parent_id: '', impl: '', created: T1, updated: T2, closed: null, deleted: T2, due: null, closed_by: ''});
  db.prepare("INSERT INTO logs (id, issue_id, session_id, work_session_id, message, type, timestamp) VALUES ('lg-0000aaaa', 'td-a1b2c3', 'ses_aaaaaa', '', 'Started work', 'progress', ?)").run(T2);
  db.prepare("INSERT INTO handoffs (id, issue_id, session_id, done, remaining, decisions, uncertain, timestamp) VALUES ('ho-0000aaaa', 'td-a1b2c3', 'ses_aaaaaa', ?, ?, ?, ?, ?)").run(
    Buffer.from('["schema copied"]'), Buffer.from('["backfill"]'), Buffer.from('null'), Buffer.from('null'), T2,
  );
  db.prepare("INSERT INTO issue_dependencies (id, issue_id, depends_on_id, relation_type) VALUES ('dep_a6443a4decaf58a3', 'td-d4e5f6', 'td-a1b2c3', 'depends_on')").run();
  db.prepare("INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, previous_data, new_data, timestamp) VALUES ('al-0000aaaa', 'ses_aaaaaa', 'create', 'issue', 'td-a1b2c3', '', ?, '2026-03-01T18:00:00.123456789Z')").run(
    JSON.stringify({...ISSUE1_JSON, status: 'open', implementer_session: '', updated_at: ISSUE1_JSON.created_at}),
  );
  db.close();
}

function columns(dir: string): Record<string, string> {
  const db = new Database(join(dir, '.todos', 'issues.db'), {readonly: true});
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'td_sync%' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{name: string}>).map((r) => r.name);
    return Object.fromEntries(tables.map((t) => [t, JSON.stringify(db.prepare(`PRAGMA table_info("${t}")`).all())]));
  } finally {
    db.close();
  }
}

test('td list/show/update on a database td built (schema v38)', (t) => {
  const dir = tempDir('td-v38-');
  build(dir);
  const tdTables = columns(dir);
  const env = isolatedEnv({TD_SESSION_ID: 'carol'});
  const run = (args: string[]) => td(dir, args, env);

  const list = run(['list', '--json']);
  t.is(list.code, 0, list.stderr);
  const issues = list.json<any[]>();
  t.deepEqual(issues.map((i) => i.id), ['td-a1b2c3', 'td-d4e5f6'], 'closed and soft-deleted hidden, priority order');
  t.deepEqual(issues[0], ISSUE1_JSON, 'same JSON as td marshals (times keep nanoseconds and offsets)');
  t.like(issues[1], {parent_id: 'td-a1b2c3', due_date: '2026-04-01', created_at: '2026-03-03T18:00:00Z'});
  t.deepEqual(run(['list', '--all', '--json']).json<any[]>().map((i) => i.id), ['td-a1b2c3', 'td-0f0f0f', 'td-d4e5f6']);

  const ids = (args: string[]) => run([...args, '--json']).json<any[]>().map((i) => i.id);
  t.deepEqual(ids(['list', '-a', '-l', 'ops,nope']), ['td-0f0f0f'], 'labels match whole comma-separated entries');
  t.deepEqual(ids(['list', '-l', 'we']), [], 'no partial label match');
  t.deepEqual(ids(['list', '-s', 'closed', '-s', 'in-progress']), ['td-a1b2c3', 'td-0f0f0f']);
  t.deepEqual(ids(['list', '-q', 'UPGRADE', '--sort', 'created_at', '-r']), ['td-d4e5f6']);
  t.deepEqual(ids(['list', '--deleted']), ['td-dddddd']);
  const show = run(['show', 'a1b2c3', '--json']);
  t.is(show.code, 0, show.stderr);
  const s = show.json();
  t.deepEqual(s.labels, ['api', 'web']);
  t.deepEqual(s.handoff, {decisions: [], done: ['schema copied'], remaining: ['backfill'], session: 'ses_aaaaaa', timestamp: '2026-03-02T09:30:15.5+01:00', uncertain: []});
  t.like(s, {parent_id: '', acceptance: '', created_at: ISSUE1_JSON.created_at, updated_at: ISSUE1_JSON.updated_at});
  t.deepEqual(s.logs.map((l: any) => l.message), ['Started work']);
  const multi = run(['show', 'td-a1b2c3', 'td-ffffff', 'd4e5f6', '--json']);
  t.is(multi.code, 0);
  t.deepEqual(multi.json(), [
    {description: ISSUE1_JSON.description, id: 'td-a1b2c3', priority: 'P1', status: 'in_progress', title: ISSUE1_JSON.title, type: 'feature'},
    {description: '', due_date: '2026-04-01', id: 'td-d4e5f6', priority: 'P3', status: 'open', title: 'Write the upgrade notes', type: 'task'},
  ], 'several ids: td array of summaries, unknown ids skipped');
  t.deepEqual(run(['dep', 'list', 'td-d4e5f6', '--json']).json().dependencies, ['td-a1b2c3']);

  const up = run(['update', 'td-a1b2c3', '--priority', 'P0', '-l', 'api,web,db', '--json']);
  t.is(up.code, 0, up.stdout + up.stderr);
  t.like(up.json().issue, {priority: 'P0', labels: ['api', 'web', 'db'], created_at: ISSUE1_JSON.created_at});
  const j = actions(dir);
  t.is(j.length, 2);
  t.like(j[1], {action_type: 'update', entity_type: 'issue', entity_id: 'td-a1b2c3'});
  t.deepEqual(JSON.parse(j[1].previous_data), ISSUE1_JSON, "previous_data is td's snapshot of the row as td wrote it");
  t.like(row(dir, 'SELECT * FROM issues WHERE id = ?', 'td-a1b2c3'), {priority: 'P0', labels: 'api,web,db', created_at: T1});

  // A start by another session on the td-made data, then the schema is as td left it.
  t.is(run(['start', 'td-d4e5f6']).code, 0);
  t.is(row(dir, "SELECT value FROM schema_info WHERE key = 'version'")!.value, '38');
  const header = readFileSync(join(dir, '.todos', 'issues.db')).subarray(18, 20);
  t.deepEqual([...header], [1, 1], 'rollback journal (td uses TRUNCATE), not WAL');
  t.deepEqual(columns(dir), tdTables, "td's tables keep exactly their columns");
  t.is(row(dir, 'SELECT COUNT(*) AS n FROM sessions')!.n, 2, "carol's session was added next to td's");
});
