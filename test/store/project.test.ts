/**
 * Project discovery as td does it (spec §1.2), the write lock (§1.3) across processes, the
 * connection pragmas (§1.4), and a database made from td's v38 DDL as the spec writes it.
 */
import test from 'ava';
import Database from 'better-sqlite3';
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {LockTimeoutError, Store, acquireWriteLock, findProjectRoot, startDirectory} from '../../packages/td-sync-cli/src/store/index.js';
import {REPO, isolatedEnv, td, tempDir} from '../helpers/td.js';
import {specV38Ddl} from './helpers.js';

function project(): string {
  const dir = tempDir('td-root-');
  mkdirSync(join(dir, '.todos'));
  return dir;
}

test('discovery: .todos in the start folder; a `.todos` start folder means its parent', (t) => {
  const env = isolatedEnv();
  const dir = project();
  t.is(findProjectRoot(dir, env), dir);
  t.is(startDirectory(join(dir, '.todos'), env), dir);
  t.is(startDirectory(undefined, {...env, TD_WORK_DIR: join(dir, '.todos')}), dir);
  t.is(startDirectory('sub', env, dir), join(dir, 'sub'), 'relative to cwd');
});

test('discovery: .td-root redirects (relative or absolute, first line only)', (t) => {
  const env = isolatedEnv();
  const main = project();
  const worktree = tempDir('td-wt-');
  writeFileSync(join(worktree, '.td-root'), `${main}\nignored\n`);
  t.is(findProjectRoot(worktree, env), main);
  const sibling = join(main, 'nested');
  mkdirSync(sibling);
  writeFileSync(join(sibling, '.td-root'), '..\n');
  t.is(findProjectRoot(sibling, env), main);
  writeFileSync(join(sibling, '.td-root'), '');
  t.is(findProjectRoot(sibling, env), sibling, 'an empty .td-root is ignored');
});

test('discovery: associations.json in the user config folder', (t) => {
  const env = isolatedEnv();
  const target = project();
  const dir = tempDir('td-assoc-');
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'td'), {recursive: true});
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'td', 'associations.json'), JSON.stringify({[dir]: target, '/elsewhere': 'relative/not/allowed'}));
  t.is(findProjectRoot(dir, env), target);
});

test('discovery: the git root, and no walk up through plain parent folders', (t) => {
  const env = isolatedEnv();
  const repo = project();
  execFileSync('git', ['init', '-q', repo]);
  const deep = join(repo, 'src', 'lib');
  mkdirSync(deep, {recursive: true});
  t.is(findProjectRoot(deep, env), repo);

  const plain = project();
  const child = join(plain, 'child');
  mkdirSync(child);
  t.is(findProjectRoot(child, env), child, 'outside git, a subfolder is not the project');
});

test('write lock: file mode 0600, holder written while held, truncated on release', (t) => {
  const dir = project();
  const lock = acquireWriteLock(dir);
  const path = join(dir, '.todos', 'db.lock');
  t.is(statSync(path).mode & 0o777, 0o600);
  t.regex(readFileSync(path, 'utf8'), new RegExp(`^pid:${process.pid}\\ntime:\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z\\n$`));
  lock.release();
  t.is(readFileSync(path, 'utf8'), '');
});

test('write lock: a second process times out with the holder line; the lock is free again after release', (t) => {
  const dir = project();
  const lock = acquireWriteLock(dir);
  try {
    const code = `
      import {acquireWriteLock} from './packages/td-sync-cli/src/store/index.js';
      try { acquireWriteLock(${JSON.stringify(dir)}, 300); console.log('ACQUIRED'); }
      catch (e) { console.log(JSON.stringify({name: e.name, code: e.code, message: e.message})); }`;
    const r = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', code], {cwd: REPO, encoding: 'utf8'});
    const out = JSON.parse(r.stdout.trim()) as {name: string; code: string; message: string};
    t.is(out.name, 'LockTimeoutError');
    t.is(out.code, 'lock_timeout');
    t.regex(out.message, new RegExp(`^write lock timeout after 0s\\nholder: pid:${process.pid} since \\S+$`));
  } finally {
    lock.release();
  }
  const again = acquireWriteLock(dir, 100);
  again.release();
  t.pass();
});

test('write lock: not re-entrant within one process either (flock on a second descriptor)', (t) => {
  const dir = project();
  const lock = acquireWriteLock(dir);
  try {
    t.throws(() => acquireWriteLock(dir, 50), {instanceOf: LockTimeoutError});
  } finally {
    lock.release();
  }
});

test('pragmas of a read-write open: busy_timeout 5000, journal TRUNCATE, foreign_keys ON, synchronous NORMAL', (t) => {
  const dir = tempDir('td-init-');
  const {store} = Store.init(dir);
  try {
    t.is(store.db.pragma('busy_timeout', {simple: true}), 5000);
    t.is(store.db.pragma('journal_mode', {simple: true}), 'truncate');
    t.is(store.db.pragma('foreign_keys', {simple: true}), 1);
    t.is(store.db.pragma('synchronous', {simple: true}), 1);
    t.is(store.schemaVersion(), 38);
  } finally {
    store.close();
  }
});

test('a database built from td v38 DDL as the spec writes it opens with its schema unchanged', (t) => {
  const dir = project();
  const dbPath = join(dir, '.todos', 'issues.db');
  const db = new Database(dbPath);
  db.exec(specV38Ddl());
  db.prepare("INSERT INTO issues (id, title, created_at, updated_at) VALUES ('td-abc123', 'From td', '2026-03-01 10:00:00.123456789-08:00', '2026-03-01 10:00:00.123456789-08:00')").run();
  db.prepare("INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, new_data, timestamp) VALUES ('al-00000001', 'ses_x', 'create', 'issue', 'td-abc123', '{}', '2026-03-01T18:00:00.123456789Z')").run();
  const before = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name').all();
  const rowsBefore = db.prepare('SELECT * FROM issues').all();
  db.close();

  const store = Store.openAt(dir);
  try {
    t.is(store.migration, undefined, 'nothing to migrate');
    t.is(store.schemaVersion(), 38);
    const after = store.db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name NOT LIKE 'td_sync_%' ORDER BY name").all();
    t.deepEqual(after, before);
    t.deepEqual(store.db.prepare('SELECT * FROM issues').all(), rowsBefore);
    t.true(
      (store.db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'td_sync_%'").all() as Array<{name: string}>).length > 0,
      'our own bookkeeping tables sit beside td\'s',
    );
  } finally {
    store.close();
  }
});

test('the built td on a database made from the spec\'s v38 DDL and filled as td writes it: list, show, update work; schema stays v38', (t) => {
  if (!existsSync(join(REPO, 'packages/td-sync-cli/dist/commands/update.js'))) {
    t.log('skipped: the task commands are not built yet');
    t.pass();
    return;
  }
  const dir = project();
  const dbPath = join(dir, '.todos', 'issues.db');
  const db = new Database(dbPath);
  db.pragma('journal_mode = TRUNCATE');
  db.exec(specV38Ddl());
  // rows in the layouts the Go td writes them (spec §2.5, errata 1)
  db.prepare(
    "INSERT INTO issues (id, title, description, status, type, priority, labels, created_at, updated_at, creator_session) VALUES ('td-abc123', 'Written by td', 'desc', 'open', 'bug', 'P2', 'api,backend', '2026-03-01 10:00:00.123456789-08:00', '2026-03-01 10:00:00.123456789-08:00', 'ses_aaaaaa')",
  ).run();
  db.prepare(
    "INSERT INTO issues (id, title, status, parent_id, created_at, updated_at, closed_at) VALUES ('td-def456', 'Closed child', 'closed', 'td-abc123', '2026-03-01 11:00:00-08:00', '2026-03-02 09:00:00.5-08:00', '2026-03-02 09:00:00.5-08:00')",
  ).run();
  db.prepare("INSERT INTO handoffs (id, issue_id, session_id, done, remaining, decisions, uncertain, timestamp) VALUES ('ho-0000aaaa', 'td-abc123', 'ses_aaaaaa', ?, ?, ?, ?, '2026-03-01 12:00:00-08:00')").run(
    Buffer.from('["parsed input"]'),
    Buffer.from('null'),
    Buffer.from('[]'),
    Buffer.from('null'),
  );
  db.prepare("INSERT INTO logs (id, issue_id, session_id, message, type, timestamp) VALUES ('lg-0000aaaa', 'td-abc123', 'ses_aaaaaa', 'started work', 'progress', '2026-03-01 12:30:00.25-08:00')").run();
  db.prepare(
    "INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, new_data, timestamp) VALUES ('al-0000aaaa', 'ses_aaaaaa', 'create', 'issue', 'td-abc123', '{\"id\":\"td-abc123\"}', '2026-03-01T18:00:00.123456789Z')",
  ).run();
  const schemaBefore = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name').all();
  db.close();

  const env = isolatedEnv();
  const list = td(dir, ['list', '--json', '--all'], env);
  t.is(list.code, 0, list.stdout + list.stderr);
  t.deepEqual(list.json<Array<{id: string}>>().map((i) => i.id).sort(), ['td-abc123', 'td-def456']);
  const show = td(dir, ['show', 'abc123', '--json'], env);
  t.is(show.code, 0, show.stdout + show.stderr);
  t.is(show.json<{id: string; title: string}>().title, 'Written by td');
  const update = td(dir, ['update', 'td-abc123', '--priority', 'P1', '--json'], env);
  t.is(update.code, 0, update.stdout + update.stderr);

  const after = new Database(dbPath, {readonly: true});
  try {
    t.is((after.prepare("SELECT value FROM schema_info WHERE key = 'version'").get() as {value: string}).value, '38');
    t.is((after.prepare("SELECT priority FROM issues WHERE id = 'td-abc123'").get() as {priority: string}).priority, 'P1');
    t.is((after.prepare("SELECT count(*) AS n FROM action_log WHERE entity_id = 'td-abc123' AND action_type = 'update'").get() as {n: number}).n, 1, 'the update is journaled');
    t.deepEqual(after.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name NOT LIKE 'td_sync_%' ORDER BY name").all(), schemaBefore);
    t.is(after.pragma('quick_check', {simple: true}), 'ok');
  } finally {
    after.close();
  }
});
