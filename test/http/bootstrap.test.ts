/**
 * td's snapshot bootstrap (spec §12.2 step 2, §14 scenario 43; data model §6.7) through the built
 * `td` and the stand-in building real snapshots (`snapshots: 'build'`): a project joining a server
 * that holds at least the threshold of events starts from the snapshot, then pulls only what is
 * newer; below the threshold, with local changes pending, or with a corrupt snapshot it pulls
 * normally. Serial: each test runs several td processes against a stand-in in this process.
 */
import test from 'ava';
import {existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {tdAsync, tempDir} from '../helpers/td.js';
import {newProject} from './project.js';
import {call, pushBody, wireEvent} from '../td-sync-server/call.js';
import {startTdSyncServer, type TdSyncServer} from '../td-sync-server/server.js';
import {backendOn, HIGH_LIMITS} from './helpers.js';
import {snapshotThreshold} from '../../packages/td-sync-cli/src/engine/bootstrap.js';

type Project = Awaited<ReturnType<typeof newProject>>;
const BACKUP = '.todos/issues.db.pre-snapshot-backup';

async function server(t: {teardown(fn: () => Promise<void>): void}): Promise<{s: TdSyncServer; dataDir: string}> {
  const dataDir = tempDir('tdss-boot-');
  const s = await startTdSyncServer({rateLimits: HIGH_LIMITS, snapshots: 'build', dataDir});
  t.teardown(() => s.close());
  return {s, dataDir};
}

/** Push `count` td issue creations (ids from `from`) as another device would. */
async function pushIssues(s: TdSyncServer, from: number, count: number): Promise<void> {
  const events = Array.from({length: count}, (_, i) => {
    const n = from + i;
    const id = `td-zz${String(n).padStart(5, '0')}`;
    return wireEvent(n, {entity_id: id, payload: {new_data: {id, title: `remote task ${n}`, status: 'open', type: 'task', priority: 'P2'}, previous_data: {}, schema_version: 1}});
  });
  const r = await call(s.url, 'POST', `/v1/projects/${s.projectId}/sync/push`, {key: s.adminKey, body: pushBody(events, 'dev-other', 'ses-other')});
  if (r.status !== 200) throw new Error(`push failed: ${r.status} ${r.text}`);
}

async function linked(s: TdSyncServer, env: NodeJS.ProcessEnv): Promise<Project> {
  const p = await newProject({TD_AUTH_KEY: s.adminKey, ...env});
  const r = await tdAsync(p.dir, ['sync', 'init', '--backend', 'http', '--set', `url=${s.url}`, '--set', `projectId=${s.projectId}`], p.env);
  if (r.code !== 0) throw new Error(`sync init failed: ${r.stdout}${r.stderr}`);
  return p;
}

async function sync(p: Project, ...args: string[]) {
  const r = await tdAsync(p.dir, ['sync', '--json', ...args], p.env);
  if (r.code !== 0) throw new Error(`td sync failed (${r.code}): ${r.stdout}${r.stderr}`);
  return r.json() as {pushed: number; pulled: number; applied: number; pending: number; warnings: string[]; bootstrapped?: {seq: string; events: number}};
}

function read<T>(p: Project, sql: string): T[] {
  const db = new Database(join(p.dir, '.todos/issues.db'), {readonly: true});
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const remoteTitles = (p: Project) => read<{title: string}>(p, "SELECT title FROM issues WHERE id LIKE 'td-zz%' ORDER BY id").map((r) => r.title);
const syncState = (p: Project) => read<{last_pulled_server_seq: number; last_pushed_action_id: number; sync_disabled: number; project_id: string}>(p, 'SELECT * FROM sync_state')[0];
const pulls = (s: TdSyncServer) => s.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/sync/pull')).length;
const snapshots = (s: TdSyncServer) => s.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/sync/snapshot')).length;
const expected = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => `remote task ${from + i}`);

test.serial('scenario 43: a project joining a server with >= threshold events bootstraps from the snapshot (backup, sync_state = X-Snapshot-Seq, rows), then pulls only newer events', async (t) => {
  const {s} = await server(t);
  await pushIssues(s, 1, 12);
  const p = await linked(s, {TD_SYNC_SNAPSHOT_THRESHOLD: '10'});

  const first = await sync(p);
  t.deepEqual(first.bootstrapped, {seq: '12', events: 12});
  t.is(first.pulled, 0, 'the regular pull is skipped after a bootstrap');
  t.is(pulls(s), 0);
  t.is(snapshots(s), 1);
  t.true(existsSync(join(p.dir, BACKUP)), 'the database was backed up before the swap');
  // The backup is the project as it was (no remote rows), the live database is the snapshot.
  const backup = new Database(join(p.dir, BACKUP), {readonly: true});
  t.is((backup.prepare("SELECT COUNT(*) AS n FROM issues WHERE id LIKE 'td-zz%'").get() as {n: number}).n, 0);
  backup.close();
  const state = syncState(p);
  t.is(state.last_pulled_server_seq, 12, 'the local cursor equals X-Snapshot-Seq');
  t.is(state.last_pushed_action_id, 0);
  t.is(state.sync_disabled, 0);
  t.is(state.project_id, s.projectId);
  t.deepEqual(remoteTitles(p), expected(1, 12));
  t.false(readdirSync(join(p.dir, '.todos')).some((f) => f.includes('snapshot-staged')), 'no staged file left behind');
  t.is(first.pending, 0);

  // Later syncs pull only what is newer than the snapshot, and push nothing from the snapshot.
  await pushIssues(s, 13, 3);
  const second = await sync(p);
  t.is(second.bootstrapped, undefined);
  t.is(second.pushed, 0, 'the snapshot\'s rows are not sent back');
  t.is(second.pulled, 3);
  t.is(snapshots(s), 1, 'no second bootstrap');
  t.deepEqual(remoteTitles(p), expected(1, 15));
  t.is(syncState(p).last_pulled_server_seq, 15);

  // The project keeps working: a local change is pushed and the server has it.
  const created = await tdAsync(p.dir, ['create', 'local after bootstrap'], p.env);
  t.is(created.code, 0, created.stderr);
  const third = await sync(p);
  t.is(third.pushed, 1);
  const status = await call(s.url, 'GET', `/v1/projects/${s.projectId}/sync/status`, {key: s.adminKey});
  t.is(status.json().event_count, 16);

  // Text mode, another project joining: td's lines, in order, on stdout.
  const q = await linked(s, {TD_SYNC_SNAPSHOT_THRESHOLD: '10'});
  const text = await tdAsync(q.dir, ['sync'], q.env);
  t.is(text.code, 0, text.stderr);
  const lines = text.stdout.split('\n');
  const announced = lines.indexOf('bootstrapping from snapshot (server has 16 events)...');
  t.true(announced >= 0, text.stdout);
  t.true(lines.indexOf('Bootstrap complete (seq 16).') > announced, text.stdout);
  t.false(/Nothing to pull|Pulled/.test(text.stdout), 'no pull line after a bootstrap');
  t.is(syncState(q).last_pulled_server_seq, 16);
  t.is(read<{n: number}>(q, "SELECT COUNT(*) AS n FROM issues WHERE title = 'local after bootstrap'")[0].n, 1);
});

test.serial('scenario 43: below the threshold (default 100) the first sync pulls normally, no snapshot is fetched', async (t) => {
  const {s} = await server(t);
  await pushIssues(s, 1, 12);
  const p = await linked(s, {});
  const r = await sync(p);
  t.is(r.bootstrapped, undefined);
  t.is(r.pulled, 12);
  t.is(snapshots(s), 0);
  t.false(existsSync(join(p.dir, BACKUP)));
  t.deepEqual(remoteTitles(p), expected(1, 12));
  t.is(syncState(p).last_pulled_server_seq, 12);

  // TD_SYNC_SNAPSHOT_THRESHOLD=0 disables it even with many events.
  const q = await linked(s, {TD_SYNC_SNAPSHOT_THRESHOLD: '0'});
  const r2 = await sync(q);
  t.is(r2.bootstrapped, undefined);
  t.is(r2.pulled, 12);
  t.is(snapshots(s), 0);
});

test.serial('scenario 43: skipped when local events are pending (td\'s warning), then a normal push and pull', async (t) => {
  const {s} = await server(t);
  await pushIssues(s, 1, 12);
  const p = await linked(s, {TD_SYNC_SNAPSHOT_THRESHOLD: '10'});
  const created = await tdAsync(p.dir, ['create', 'local before first sync'], p.env);
  t.is(created.code, 0, created.stderr);
  const r = await sync(p);
  t.is(r.bootstrapped, undefined);
  t.true(r.warnings.includes('bootstrap skipped: local changes pending push'), JSON.stringify(r.warnings));
  t.is(r.pushed, 1);
  t.true(r.pulled >= 12);
  t.is(snapshots(s), 0);
  t.false(existsSync(join(p.dir, BACKUP)));
  t.deepEqual(remoteTitles(p), expected(1, 12));
  t.is(read<{n: number}>(p, "SELECT COUNT(*) AS n FROM issues WHERE title = 'local before first sync'")[0].n, 1);

  // Text mode prints td's warning on stderr.
  const q = await linked(s, {TD_SYNC_SNAPSHOT_THRESHOLD: '10'});
  await tdAsync(q.dir, ['create', 'another local one'], q.env);
  const text = await tdAsync(q.dir, ['sync'], q.env);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stderr, /bootstrap skipped: local changes pending push/);
});

test.serial('scenario 43: a corrupt snapshot falls back to a normal pull and leaves the database as it was', async (t) => {
  const {s, dataDir} = await server(t);
  await pushIssues(s, 1, 12);
  // The stand-in serves cached snapshots from <dataDir>/snapshots/<project>/<seq>.db: plant a
  // file with a SQLite header and garbage after it.
  const folder = join(dataDir, 'snapshots', s.projectId);
  mkdirSync(folder, {recursive: true});
  const junk = Buffer.alloc(8192, 0x5a);
  Buffer.from('SQLite format 3\0', 'latin1').copy(junk, 0);
  writeFileSync(join(folder, '12.db'), junk);

  const p = await linked(s, {TD_SYNC_SNAPSHOT_THRESHOLD: '10'});
  const before = read<{id: string}>(p, 'SELECT id FROM issues ORDER BY id');
  const r = await sync(p);
  t.is(snapshots(s), 1, 'the snapshot was fetched');
  t.is(r.bootstrapped, undefined);
  t.true(r.warnings.some((w) => w.startsWith('bootstrap failed, falling back to normal pull: ')), JSON.stringify(r.warnings));
  t.false(existsSync(join(p.dir, BACKUP)), 'nothing was swapped');
  t.false(readdirSync(join(p.dir, '.todos')).some((f) => f.includes('snapshot-staged')));
  t.is(r.pulled, 12);
  t.deepEqual(remoteTitles(p), expected(1, 12));
  t.is(read<{id: string}>(p, "SELECT id FROM issues WHERE id NOT LIKE 'td-zz%' ORDER BY id").length, before.length);
  t.is(syncState(p).last_pulled_server_seq, 12);

  // A snapshot that is not SQLite at all is refused the same way.
  const {s: s2, dataDir: d2} = await server(t);
  await pushIssues(s2, 1, 11);
  mkdirSync(join(d2, 'snapshots', s2.projectId), {recursive: true});
  writeFileSync(join(d2, 'snapshots', s2.projectId, '11.db'), 'not a database at all');
  const q = await linked(s2, {TD_SYNC_SNAPSHOT_THRESHOLD: '10'});
  const r2 = await sync(q);
  t.true(r2.warnings.some((w) => /bootstrap failed, falling back to normal pull: .*not a SQLite database/.test(w)), JSON.stringify(r2.warnings));
  t.is(r2.pulled, 11);
  t.false(existsSync(join(q.dir, BACKUP)));
});

test.serial('scenario 43: a snapshot that passes the checks but breaks after the swap is rolled back from the backup, then a normal pull', async (t) => {
  const {s, dataDir} = await server(t);
  await pushIssues(s, 1, 12);
  // A valid SQLite file with td's table names but not td's columns: sync_state cannot be written
  // after the rename, so the swap must be undone.
  const folder = join(dataDir, 'snapshots', s.projectId);
  mkdirSync(folder, {recursive: true});
  const fake = new Database(join(folder, '12.db'));
  fake.pragma('journal_mode = DELETE');
  fake.exec("CREATE TABLE issues (id TEXT PRIMARY KEY); CREATE TABLE action_log (id TEXT); CREATE TABLE sync_state (unrelated TEXT); CREATE TABLE schema_info (key TEXT PRIMARY KEY, value TEXT); INSERT INTO schema_info VALUES ('version', '38'); INSERT INTO issues VALUES ('td-fake');");
  fake.close();

  const p = await linked(s, {TD_SYNC_SNAPSHOT_THRESHOLD: '10'});
  await tdAsync(p.dir, ["sync", "--status"], p.env);
  const device = read<{value: string}>(p, "SELECT value FROM td_sync_meta WHERE key = 'device_id'");
  const r = await sync(p);
  t.is(r.bootstrapped, undefined);
  t.true(r.warnings.some((w) => w.startsWith('bootstrap failed, falling back to normal pull: ')), JSON.stringify(r.warnings));
  t.true(existsSync(join(p.dir, BACKUP)), 'the backup made before the swap is kept');
  t.is(read<{n: number}>(p, "SELECT COUNT(*) AS n FROM issues WHERE id = 'td-fake'")[0].n, 0, 'the broken snapshot is gone');
  t.is(r.pulled, 12);
  t.deepEqual(remoteTitles(p), expected(1, 12));
  t.is(syncState(p).last_pulled_server_seq, 12);
  t.deepEqual(read<{value: string}>(p, "SELECT value FROM td_sync_meta WHERE key = 'device_id'"), device);
});

test.serial('scenario 43: a snapshot written in WAL mode is swapped in as a rollback-journal database, no -wal/-shm left next to issues.db', async (t) => {
  const {s, dataDir} = await server(t);
  await pushIssues(s, 1, 10);
  // Let the stand-in build the real snapshot, then mark its header WAL as td's own databases were.
  const built = await call(s.url, 'GET', `/v1/projects/${s.projectId}/sync/snapshot`, {key: s.adminKey});
  t.is(built.status, 200);
  const file = join(dataDir, 'snapshots', s.projectId, '10.db');
  const bytes = readFileSync(file);
  bytes[18] = 2;
  bytes[19] = 2;
  writeFileSync(file, bytes);

  const p = await linked(s, {TD_SYNC_SNAPSHOT_THRESHOLD: '10'});
  const r = await sync(p);
  t.deepEqual(r.bootstrapped, {seq: '10', events: 10});
  t.deepEqual(remoteTitles(p), expected(1, 10));
  t.is(syncState(p).last_pulled_server_seq, 10);
  const db = join(p.dir, '.todos/issues.db');
  t.false(existsSync(`${db}-wal`));
  t.false(existsSync(`${db}-shm`));
  const header = readFileSync(db).subarray(18, 20);
  t.deepEqual([...header], [1, 1]);
});

test('scenario 43: HttpBackend.snapshot(): null on no_events (the stand-in default), else X-Snapshot-Seq as the cursor and the SQLite bytes', async (t) => {
  const plain = await startTdSyncServer({rateLimits: HIGH_LIMITS});
  t.teardown(() => plain.close());
  await pushIssues(plain, 1, 2);
  const a = await backendOn(plain);
  t.teardown(() => a.backend.close());
  t.is(await a.backend.snapshot(), null, 'a server answering no_events has no snapshot');

  const {s} = await server(t);
  const b = await backendOn(s);
  t.teardown(() => b.backend.close());
  t.is(await b.backend.snapshot(), null, 'no events yet');
  await pushIssues(s, 1, 3);
  const snap = await b.backend.snapshot();
  t.truthy(snap);
  t.is(snap!.cursor, '3');
  t.is(Buffer.from(snap!.data).subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
  t.is((await b.backend.status()).details?.eventCount, 3);
});

test('scenario 43: threshold is TD_SYNC_SNAPSHOT_THRESHOLD, then sync.snapshot_threshold, then 100', (t) => {
  t.is(snapshotThreshold({}, undefined), 100);
  t.is(snapshotThreshold({}, 7), 7);
  t.is(snapshotThreshold({TD_SYNC_SNAPSHOT_THRESHOLD: '3'}, 7), 3);
  t.is(snapshotThreshold({TD_SYNC_SNAPSHOT_THRESHOLD: '0'}, 7), 0);
  t.is(snapshotThreshold({TD_SYNC_SNAPSHOT_THRESHOLD: 'lots'}, 7), 7);
});

test.serial('scenario 43: sync.snapshot_threshold from td config turns the bootstrap on without the env variable', async (t) => {
  const {s} = await server(t);
  await pushIssues(s, 1, 6);
  const p = await linked(s, {});
  const set = await tdAsync(p.dir, ['config', 'set', 'sync.snapshot_threshold', '5'], p.env);
  t.is(set.code, 0, set.stdout + set.stderr);
  const r = await sync(p);
  t.deepEqual(r.bootstrapped, {seq: '6', events: 6});
  t.deepEqual(remoteTitles(p), expected(1, 6));
});
