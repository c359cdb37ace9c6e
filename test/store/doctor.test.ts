/**
 * `td doctor`: the library report (pending events by td's definition and per sync target, row
 * counts, backups) and the built command (text and --json, exit status, no change to the file).
 */
import test from 'ava';
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {Store, diagnoseProject} from '../../packages/td-sync-cli/src/store/index.js';
import {isolatedEnv, td, tempDir} from '../helpers/td.js';
import {hashFiles} from './helpers.js';
import {LEGACY_CONTENT, legacyProject} from './legacy-db.js';

function projectWithJournal() {
  const dir = tempDir('td-doc-');
  const {store} = Store.init(dir);
  const insert = store.db.prepare(
    "INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, new_data, timestamp, undone, synced_at) VALUES (?, 'ses_x', 'create', 'issue', ?, '{}', '2026-03-01T18:00:00Z', ?, ?)",
  );
  // rowids 1..6: 1 synced by td's server, 2 undone, 3..6 pending for td
  insert.run('al-00000001', 'td-000001', 0, '2026-03-01 18:00:01');
  insert.run('al-00000002', 'td-000002', 1, null);
  for (let i = 3; i <= 6; i++) insert.run(`al-0000000${i}`, `td-00000${i}`, 0, null);
  store.db.exec("INSERT INTO td_sync_targets (target, backend, remote) VALUES ('dir:/shared', 'dir', '/shared'), ('github:acme/app', 'github', 'acme/app')");
  // dir has acked rowids 1, 3, 4; github nothing
  for (const rowid of [1, 3, 4]) store.db.prepare("INSERT INTO td_sync_acks (target, action_rowid, remote_seq) VALUES ('dir:/shared', ?, 'x')").run(rowid);
  store.close();
  return dir;
}

test('report: pending events by td\'s definition and per target; rows per synced table', (t) => {
  const dir = projectWithJournal();
  const r = diagnoseProject(dir, {full: true});
  t.true(r.ok, r.problems.join('; '));
  t.is(r.schema_version, 38);
  t.false(r.needs_migration);
  t.is(r.journal_mode, 'truncate');
  t.is(r.quick_check, 'ok');
  t.is(r.integrity_check, 'ok');
  t.is(r.tables.action_log, 6);
  t.is(r.tables.boards, 1, 'the built-in board');
  t.is(r.pending_events.td, 4, 'synced_at IS NULL AND undone = 0');
  t.deepEqual(
    r.pending_events.targets.map((x) => [x.target, x.pending]),
    [
      ['dir:/shared', 2], // rowids 5, 6 (2 is undone)
      ['github:acme/app', 5], // every row not undone, none acked
    ],
  );
  t.deepEqual(r.backups, []);
});

test('report on an old database: read without migrating, then after migration the backup is listed', (t) => {
  const {dir, dbPath} = legacyProject({wal: true});
  const before = hashFiles(dbPath);
  const r = diagnoseProject(dir);
  t.is(r.schema_version, 27);
  t.true(r.needs_migration);
  t.is(r.journal_mode, 'wal');
  t.is(r.pending_events.td, LEGACY_CONTENT.pending);
  t.is(r.tables.issue_reviews, null, 'no such table before migration 31');
  t.is(hashFiles(dbPath).db, before.db, 'the database file itself is untouched');
  Store.openAt(dir).close();
  const after = diagnoseProject(dir);
  t.is(after.schema_version, 38);
  t.is(after.journal_mode, 'truncate');
  t.is(after.pending_events.td, LEGACY_CONTENT.pending);
  t.is(after.backups.length, 1);
  t.regex(after.backups[0]!.path, /issues\.db\.pre-migrate-27\.bak$/);
});

test('td doctor: text and --json, exit 0 when healthy, 1 without a database', (t) => {
  const dir = projectWithJournal();
  const env = isolatedEnv();
  const text = td(dir, ['doctor'], env);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /Schema version: 38/);
  t.regex(text.stdout, /Pending events: 4/);
  t.regex(text.stdout, /dir:\/shared: 2 pending/);
  const json = td(dir, ['doctor', '--json'], env).json<{ok: boolean; pending_events: {td: number}}>();
  t.true(json.ok);
  t.is(json.pending_events.td, 4);

  const empty = tempDir('td-none-');
  mkdirSync(join(empty, 'sub'));
  const none = td(empty, ['doctor', '--json'], env);
  t.is(none.code, 1);
  const report = none.json<{ok: boolean; problems: string[]}>();
  t.false(report.ok);
  t.regex(report.problems[0]!, /no database at .*issues\.db: run 'td init' first/);
  const viaFlag = td(join(empty, 'sub'), ['doctor', '-w', dir, '--json'], env);
  t.is(viaFlag.code, 0, 'the -w flag picks the project');
});

test('report on a database too old to migrate, and on one with a dangling foreign key', (t) => {
  const old = legacyProject({version: 19});
  const r = diagnoseProject(old.dir);
  t.false(r.ok);
  t.regex(r.problems.join('\n'), /schema 19 is older than 20: open the project once with a current Go td/);

  const dir = tempDir('td-fk-');
  const {store} = Store.init(dir);
  store.db.pragma('foreign_keys = OFF');
  store.db.exec("INSERT INTO comments (id, issue_id, session_id, text) VALUES ('cm-00000001', 'td-gone00', 'ses_x', 'orphan')");
  store.close();
  const fk = diagnoseProject(dir);
  t.is(fk.foreign_key_violations, 1, 'reported (td\'s own audit treats it as information, not failure)');
  t.true(fk.ok);
});
