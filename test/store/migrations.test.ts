/**
 * td's migrations on synthetic old databases (no shared fixtures needed): what each step changes,
 * WAL content kept, and, for a step that fails anywhere from 27 to 38, the file and its side files
 * left byte for byte as they were with an error naming the step.
 */
import test from 'ava';
import Database from 'better-sqlite3';
import {createHash} from 'node:crypto';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {Store, StoreError, upgradeDatabase, MIGRATIONS, SCHEMA_VERSION} from '../../packages/td-sync-cli/src/store/index.js';
import {FIXTURE_NAMES, filesIn, fixtureProject, fixturesPresent, hashFiles, schemaShape, specV38Ddl} from './helpers.js';
import {LEGACY_CONTENT, legacyProject} from './legacy-db.js';
import {mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {REPO, tempDir} from '../helpers/td.js';
import {spawn, spawnSync} from 'node:child_process';

function expectStoreError(t: any, fn: () => unknown, pattern: RegExp): StoreError {
  const e = t.throws(fn, {instanceOf: StoreError}) as StoreError;
  t.is(e.code, 'database_error');
  t.regex(e.message, pattern);
  return e;
}

test('a v26 database in WAL mode, its rows only in the -wal: migrated to 38 with nothing lost', (t) => {
  const {dir, dbPath} = legacyProject({version: 26, wal: true});
  t.true(existsSync(`${dbPath}-wal`));
  const store = Store.openAt(dir);
  try {
    const db = store.db;
    t.is(store.schemaVersion(), 38);
    t.is(store.migration?.fromJournalMode, 'wal');
    t.is(db.pragma('quick_check', {simple: true}), 'ok');
    t.false(existsSync(`${dbPath}-wal`), 'WAL checkpointed and removed');
    t.true(existsSync(`${dbPath}.pre-migrate-26.bak`) && existsSync(`${dbPath}.pre-migrate-26.bak-wal`), 'backup keeps the -wal beside the copy');

    t.is((db.prepare('SELECT count(*) AS n FROM issues').get() as {n: number}).n, LEGACY_CONTENT.issues);
    // migration 27: NULL session fields -> ''
    t.deepEqual(db.prepare("SELECT implementer_session, reviewer_session, creator_session FROM issues WHERE id = 'td-aaa003'").get(), {
      implementer_session: '',
      reviewer_session: '',
      creator_session: '',
    });
    // migration 30: orphan clean-up
    t.is((db.prepare("SELECT parent_id FROM issues WHERE id = 'td-aaa003'").get() as {parent_id: string}).parent_id, '');
    t.deepEqual(db.prepare('SELECT id FROM handoffs').all(), [{id: 'ho-00000001'}]);
    t.deepEqual(db.prepare('SELECT id FROM issue_dependencies').all(), [{id: 'dep_aaaaaaaaaaaaaaaa'}]);
    const step30 = store.migration!.steps.find((s) => s.version === 30)!;
    t.deepEqual(step30.changes, {parent_id_cleared: 1, handoffs: 1, issue_dependencies: 1});
    // the parent link of a real child survives, and the FKs now cascade
    t.is((db.prepare("SELECT parent_id FROM issues WHERE id = 'td-aaa002'").get() as {parent_id: string}).parent_id, 'td-aaa001');
    t.deepEqual(
      (db.prepare('PRAGMA foreign_key_list(handoffs)').all() as Array<{on_delete: string}>).map((f) => f.on_delete),
      ['CASCADE'],
    );
    // handoff lists stay BLOBs (td binds them as bytes)
    t.is((db.prepare("SELECT typeof(done) AS t FROM handoffs WHERE id = 'ho-00000001'").get() as {t: string}).t, 'blob');
    // migration 31: closed by the reviewer
    t.is((db.prepare("SELECT closed_by_session FROM issues WHERE id = 'td-aaa002'").get() as {closed_by_session: string}).closed_by_session, 'ses_b');
    // migration 36: Go time strings -> canonical, everything else untouched
    const times = db.prepare("SELECT id, created_at, updated_at, closed_at, deleted_at FROM issues ORDER BY id").all();
    t.deepEqual(times, [
      {id: 'td-aaa001', created_at: '2026-02-03 20:53:53.519728-08:00', updated_at: '2026-02-03 20:53:53.5-08:00', closed_at: null, deleted_at: null},
      {id: 'td-aaa002', created_at: '2026-02-03 20:54:02.303421-08:00', updated_at: '2026-02-03 20:55:00', closed_at: '2026-02-03 21:00:00-08:00', deleted_at: null},
      {id: 'td-aaa003', created_at: '2026-02-03T12:00:00Z', updated_at: '2026-02-03 12:00:00.25-08:00', closed_at: null, deleted_at: null},
      {id: 'td-aaa004', created_at: '2026-02-04 08:00:00+00:00', updated_at: '2026-02-04 08:00:00+00:00', closed_at: null, deleted_at: '2026-02-05 09:00:00.1-08:00'},
    ]);
    t.is((db.prepare("SELECT timestamp FROM handoffs").get() as {timestamp: string}).timestamp, '2026-02-03 20:59:00.000001-08:00');
    t.is((db.prepare("SELECT timestamp FROM action_log WHERE id = 'al-00000001'").get() as {timestamp: string}).timestamp, '2026-02-03 20:53:53.519728-08:00');
    // the unsynced journal is intact and still pending
    t.is((db.prepare('SELECT count(*) AS n FROM action_log').get() as {n: number}).n, LEGACY_CONTENT.actionLog);
    t.is((db.prepare('SELECT count(*) AS n FROM action_log WHERE synced_at IS NULL AND undone = 0').get() as {n: number}).n, LEGACY_CONTENT.pending);
    // the result has td's v38 shape
    const fresh = new Database(':memory:');
    fresh.exec(specV38Ddl());
    t.deepEqual(schemaShape(db), schemaShape(fresh));
    // column order as td leaves it (spec errata 13): rebuilt tables in the fresh order, ALTERed ones extended at the end
    const order = (d: Database.Database, table: string) => (d.prepare(`PRAGMA table_info(${table})`).all() as Array<{name: string}>).map((c) => c.name);
    t.deepEqual(order(db, 'issues'), order(fresh, 'issues'));
    t.deepEqual(order(db, 'sessions').slice(-4), ['match_context_id', 'worktree_id', 'worktree_root', 'repo_root']);
    t.deepEqual(order(db, 'work_sessions').slice(-3), ['worktree_id', 'worktree_root', 'repo_root']);
    fresh.close();
  } finally {
    store.close();
  }
});

test('a v26 database runs td migration 27 too; a v19 one is refused untouched', (t) => {
  const v26 = legacyProject({version: 26});
  const store = Store.openAt(v26.dir);
  t.deepEqual(store.migration!.steps[0]!.version, 27);
  t.is(store.schemaVersion(), 38);
  store.close();

  const v19 = legacyProject({version: 19, wal: true});
  const before = hashFiles(v19.dbPath);
  const listing = filesIn(dirname(v19.dbPath));
  expectStoreError(t, () => Store.openAt(v19.dir), /schema 19, older than 20.*current Go td/);
  t.deepEqual(hashFiles(v19.dbPath), before, 'bytes unchanged');
  t.deepEqual(filesIn(dirname(v19.dbPath)), [...listing, 'db.lock'].sort(), 'no backup or side file left behind');
});

test('a v20 database (td layout before migrations 21-26) reaches td\'s v38 shape; journal order and tags kept', (t) => {
  const {dir, dbPath} = legacyProject({
    version: 20,
    wal: true,
    extraSql: `
      INSERT INTO work_sessions (id, name, session_id) VALUES ('ws-1a2b', 'w', 'ses_a');
      INSERT INTO work_session_issues (work_session_id, issue_id, tagged_at) VALUES ('ws-1a2b', 'td-abc123', '2026-02-03 20:00:00 -0800 PST m=+1.5');
      INSERT INTO work_session_issues (work_session_id, issue_id) VALUES ('ws-1a2b', 'td-aaa001');
      INSERT INTO issues (id, title) VALUES ('td-abc123', 'Tagged');
      INSERT INTO board_issue_positions (id, board_id, issue_id, position) VALUES ('bip_67d3a1d03c0c7cad', 'bd-all-issues', 'td-abc123', 1), ('bip_x', 'bd-all-issues', 'td-aaa001', 2);
      INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, new_data, timestamp) VALUES (NULL, 'ses_a', 'create', 'issue', 'td-abc123', '{}', '2026-02-03T22:00:00Z');
      INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, new_data, timestamp) VALUES ('', 'ses_a', 'update', 'issue', 'td-abc123', '{}', '2026-02-03T22:00:01Z');`,
  });
  const original = new Database(`${dbPath}`, {readonly: true});
  const journalBefore = original.prepare('SELECT rowid, id, action_type, entity_id FROM action_log ORDER BY rowid').all() as Array<{rowid: number; id: string | null; action_type: string; entity_id: string}>;
  original.close();
  const store = Store.openAt(dir);
  try {
    const db = store.db;
    t.is(store.schemaVersion(), 38);
    t.deepEqual(store.migration!.steps.map((s) => s.version), Array.from({length: 18}, (_, i) => 21 + i));
    // 22: positions spaced by 65536, unique position index gone
    t.deepEqual(db.prepare('SELECT id, position FROM board_issue_positions ORDER BY id').all(), [
      {id: 'bip_67d3a1d03c0c7cad', position: 65536},
      {id: 'bip_x', position: 131072},
    ]);
    // 24: td's deterministic tag ids (spec §2.4 test vector)
    const tags = db.prepare('SELECT id, issue_id, tagged_at FROM work_session_issues ORDER BY issue_id').all() as Array<{id: string; issue_id: string; tagged_at: string}>;
    const wsi = (ws: string, issue: string) => `wsi_${createHash('sha256').update(`${ws}|${issue}`).digest('hex').slice(0, 16)}`;
    t.deepEqual(tags.map((r) => [r.id, r.issue_id]), [
      [wsi('ws-1a2b', 'td-aaa001'), 'td-aaa001'],
      ['wsi_421570fd3e6cc3c0', 'td-abc123'],
    ]);
    t.is(tags[1]!.tagged_at, '2026-02-03 20:00:00-08:00', 'tagged_at copied (then made canonical by 36)');
    // 26: every journal row has an id, same order, same content
    const journalAfter = db.prepare('SELECT rowid, id, action_type, entity_id FROM action_log ORDER BY rowid').all() as typeof journalBefore;
    t.deepEqual(journalAfter.map((r) => [r.action_type, r.entity_id]), journalBefore.map((r) => [r.action_type, r.entity_id]));
    t.true(journalAfter.every((r) => typeof r.id === 'string' && /^al-[0-9a-f]{8}$/.test(r.id)));
    const fresh = new Database(':memory:');
    fresh.exec(specV38Ddl());
    const shape = schemaShape(db);
    const want = schemaShape(fresh);
    // td's own migration 24 leaves work_session_issues without foreign keys until 30 adds them with CASCADE: same end state
    t.deepEqual(shape, want);
    fresh.close();
    t.is(db.pragma('quick_check', {simple: true}), 'ok');
  } finally {
    store.close();
  }
});

for (const step of MIGRATIONS) {
  test(`a failure in migration ${step.version} restores the original bytes and names the step`, (t) => {
    const {dir, dbPath} = legacyProject({version: 20, wal: true});
    const before = hashFiles(dbPath);
    const listing = filesIn(dirname(dbPath));
    const e = expectStoreError(
      t,
      () =>
        upgradeDatabase(dir, dbPath, {
          beforeStep: (v) => {
            if (v === step.version) throw new Error('injected fault');
          },
        }),
      new RegExp(`^migration ${step.version} \\(${step.name.replace(/[()]/g, '\\$&')}\\) failed: injected fault`),
    );
    t.truthy(e);
    t.deepEqual(hashFiles(dbPath), before, 'database and -wal/-shm/-journal byte-identical');
    t.deepEqual(filesIn(dirname(dbPath)), [...listing, 'db.lock'].sort());
    // and the next open migrates it for real
    const store = Store.openAt(dir);
    t.is(store.schemaVersion(), SCHEMA_VERSION);
    store.close();
  });
}

test('migration 30 refuses an FK violation its clean-up cannot fix: file byte-identical', (t) => {
  // A table td does not know, pointing at an issue that is gone: foreign_key_check catches it.
  const {dir, dbPath} = legacyProject({
    extraSql: "CREATE TABLE sidecar_links (id TEXT PRIMARY KEY, issue_id TEXT REFERENCES issues(id)); INSERT INTO sidecar_links VALUES ('x', 'td-nothere');",
  });
  const before = hashFiles(dbPath);
  expectStoreError(t, () => Store.openAt(dir), /^migration 30 \(foreign-key rebuild\) failed: foreign_key_check found 1 violation\(s\).*sidecar_links/);
  t.deepEqual(hashFiles(dbPath), before);
  const check = new Database(dbPath, {readonly: true});
  t.is((check.prepare("SELECT value FROM schema_info WHERE key='version'").get() as {value: string}).value, '27');
  check.close();
});

test('a failure after several committed steps (36, via a trigger) still restores every byte', (t) => {
  const {dir, dbPath} = legacyProject({
    wal: true,
    extraSql: "CREATE TRIGGER no_log_edits BEFORE UPDATE ON logs BEGIN SELECT RAISE(ABORT, 'logs are append-only here'); END;",
  });
  const before = hashFiles(dbPath);
  expectStoreError(t, () => Store.openAt(dir), /^migration 36 \(canonical timestamps\) failed: logs are append-only here/);
  t.deepEqual(hashFiles(dbPath), before);
});

test('a database newer than 38 opens without migrating; td tables unchanged', (t) => {
  const dir = tempDir('td-newer-');
  mkdirSync(join(dir, '.todos'));
  const dbPath = join(dir, '.todos', 'issues.db');
  const db = new Database(dbPath);
  db.exec(specV38Ddl());
  db.exec("ALTER TABLE issues ADD COLUMN future_field TEXT DEFAULT 'x'; CREATE TABLE future_things (id TEXT PRIMARY KEY)");
  db.exec("UPDATE schema_info SET value = '39' WHERE key = 'version'");
  const masterBefore = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name').all();
  db.close();
  const store = Store.openAt(dir);
  t.is(store.migration, undefined);
  t.is(store.schemaVersion(), 39);
  const masterAfter = store.db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name NOT LIKE 'td_sync_%' ORDER BY name").all();
  t.deepEqual(masterAfter, masterBefore);
  store.close();
});

test('the fixtures fail the same way: a step 30 violation leaves a real td file byte-identical', (t) => {
  if (!fixturesPresent()) {
    t.log('skipped: ../shared/fixtures is absent');
    t.pass();
    return;
  }
  const {dir, dbPath} = fixtureProject(FIXTURE_NAMES[0]);
  // plant the fault in the copy (the file stays in WAL mode)
  const db = new Database(dbPath);
  db.pragma('foreign_keys = OFF');
  db.exec("CREATE TABLE sidecar_links (id TEXT PRIMARY KEY, issue_id TEXT REFERENCES issues(id)); INSERT INTO sidecar_links VALUES ('x', 'td-nothere');");
  db.close();
  const before = hashFiles(dbPath);
  expectStoreError(t, () => Store.openAt(dir), /^migration 30 \(foreign-key rebuild\) failed/);
  t.deepEqual(hashFiles(dbPath), before);
});

test('backups are never overwritten: a killed upgrade\'s copy is kept, a second migration of the same version gets its own name', (t) => {
  const {dir, dbPath} = legacyProject();
  // an upgrade killed half-way left its in-progress copy (the only copy of the original)
  writeFileSync(`${dbPath}.pre-migrate-in-progress.bak`, 'original bytes of an interrupted upgrade');
  Store.openAt(dir).close();
  t.is(readFileSync(`${dbPath}.pre-migrate-interrupted.bak`, 'utf8'), 'original bytes of an interrupted upgrade');
  t.true(existsSync(`${dbPath}.pre-migrate-27.bak`));
  t.false(existsSync(`${dbPath}.pre-migrate-in-progress.bak`));

  // restore the v27 original by hand and migrate it again
  const first = readFileSync(`${dbPath}.pre-migrate-27.bak`);
  writeFileSync(dbPath, first);
  const store = Store.openAt(dir);
  t.is(store.migration?.backupPath, `${dbPath}.pre-migrate-27-2.bak`);
  store.close();
  t.deepEqual(readFileSync(`${dbPath}.pre-migrate-27.bak`), first);
});

test('a read-only open upgrades an old database first (as td does on every open); inspect mode never does', (t) => {
  const {dir, dbPath} = legacyProject({wal: true});
  const before = hashFiles(dbPath);
  const inspected = Store.openAt(dir, {readonly: true, inspect: true});
  t.is(inspected.schemaVersion(), 27);
  t.is(inspected.migration, undefined);
  inspected.close();
  t.is(hashFiles(dbPath).db, before.db);

  const reader = Store.openAt(dir, {readonly: true});
  try {
    t.is(reader.schemaVersion(), 38);
    t.is(reader.migration?.fromVersion, 27);
    t.true(reader.readonly);
    t.truthy(reader.db.prepare('SELECT closed_by_session, defer_until FROM issues LIMIT 1').get(), 'v38 columns readable');
  } finally {
    reader.close();
  }
  t.false(existsSync(`${dbPath}-wal`));
});

test('several processes opening the same old database at once: one migrates, the others wait and find v38', async (t) => {
  const {dir, dbPath} = legacyProject({wal: true});
  const code = `
    import {Store} from './packages/td-sync-cli/src/store/index.js';
    const s = Store.openAt(${JSON.stringify(dir)});
    console.log(JSON.stringify({version: s.schemaVersion(), steps: s.migration ? s.migration.steps.length : 0, issues: s.db.prepare('SELECT count(*) AS n FROM issues').get().n}));
    s.close();`;
  const run = () =>
    new Promise<{version: number; steps: number; issues: number}>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', code], {cwd: REPO});
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
      child.on('close', (c) => (c === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`exit ${c}: ${out}${err}`))));
    });
  const results = await Promise.all([run(), run(), run(), run()]);
  t.true(results.every((r) => r.version === 38 && r.issues === LEGACY_CONTENT.issues), JSON.stringify(results));
  t.is(results.filter((r) => r.steps > 0).length, 1, 'exactly one process ran the steps');
  t.deepEqual(filesIn(dirname(dbPath)).filter((f) => f.includes('pre-migrate')), ['issues.db.pre-migrate-27.bak', 'issues.db.pre-migrate-27.bak-wal']);
});

test('a process killed in the middle of migrating: the next open finishes the job, the original stays in the interrupted backup', (t) => {
  const {dir, dbPath} = legacyProject({wal: true});
  const original = hashFiles(dbPath);
  const code = `
    import {upgradeDatabase} from './packages/td-sync-cli/src/store/index.js';
    upgradeDatabase(${JSON.stringify(dir)}, ${JSON.stringify(dbPath)}, {beforeStep: (v) => { if (v === 33) process.kill(process.pid, 'SIGKILL'); }});`;
  const r = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', code], {cwd: REPO, encoding: 'utf8'});
  t.is(r.signal, 'SIGKILL');
  const half = new Database(dbPath, {readonly: true});
  t.is((half.prepare("SELECT value FROM schema_info WHERE key='version'").get() as {value: string}).value, '32', 'steps up to 32 were committed');
  half.close();
  t.deepEqual(hashFiles(`${dbPath}.pre-migrate-in-progress.bak`), original, 'the backup holds the original bytes');

  const store = Store.openAt(dir);
  t.is(store.schemaVersion(), 38);
  t.deepEqual(store.migration!.steps.map((s) => s.version), [33, 34, 35, 36, 37, 38]);
  t.is(store.db.pragma('quick_check', {simple: true}), 'ok');
  t.is((store.db.prepare('SELECT count(*) AS n FROM action_log WHERE synced_at IS NULL AND undone = 0').get() as {n: number}).n, LEGACY_CONTENT.pending);
  store.close();
  t.deepEqual(hashFiles(`${dbPath}.pre-migrate-interrupted.bak`), original, 'and is kept under an "interrupted" name');
});
