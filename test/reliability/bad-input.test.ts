/**
 * Bad input corpus: each case is its own named test. Every case starts from a project holding one
 * task not yet synced (the "local change"), feeds td something broken, and asserts the issue's
 * criterion: a clear error naming the thing (or a recorded skip), a non-zero exit where the user
 * must act, and nothing lost — the task is still in the database, still pending unless it was
 * pushed, and the database passes quick_check.
 */
import test, {type ExecutionContext} from 'ava';
import Database from 'better-sqlite3';
import {createServer, type Server} from 'node:http';
import {appendFileSync, chmodSync, readdirSync, readFileSync, truncateSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {AddressInfo} from 'node:net';
import {writeBackendPackage} from '../plugins/packages.js';
import {call, pushBody, wireEvent} from '../td-sync-server/call.js';
import {bareProject, count, dirRemote, githubRemote, httpRemote, quickCheck, sql, syncJson, type Proj} from './lib.js';

const TASK = 'A local task that must never be lost';

async function withTask(p: Proj): Promise<string> {
  const r = await p.run(['create', TASK, '--json']);
  return r.json<{id: string}>().id;
}

/** The local change survived: the row is there and the database is sound. */
function intact(t: ExecutionContext, p: Proj, id: string): void {
  const rows = sql<{title: string}>(p, 'SELECT title FROM issues WHERE id = ?', id);
  t.is(rows[0]?.title, TASK, 'the local task is still there');
  t.is(quickCheck(p), 'ok');
  count('badInputs', 1, t.title);
}

/** Exit 1 with td's JSON error (or a stopped report) whose text matches `pattern`. */
function userMustAct(t: ExecutionContext, r: {code: number; raw: {stdout: string; stderr: string}}, pattern: RegExp): void {
  t.is(r.code, 1, `exit 1 expected\n${r.raw.stdout}\n${r.raw.stderr}`);
  t.regex(r.raw.stdout + r.raw.stderr, pattern);
  let parsed: any;
  try {
    parsed = JSON.parse(r.raw.stdout);
  } catch {
    return t.fail(`--json output is not JSON: ${r.raw.stdout}`);
  }
  const why = parsed.error ?? parsed.stopped;
  t.truthy(why?.code, 'a stable error code');
  t.truthy(why?.message, 'a message');
}

function still_pending(t: ExecutionContext, p: Proj): void {
  t.true(sql<{n: number}>(p, 'SELECT COUNT(*) AS n FROM action_log WHERE rowid NOT IN (SELECT action_rowid FROM td_sync_acks)')[0]!.n > 0, 'the change is still pending for the next run');
}

// ---------- configuration files ----------

const configCases: Array<[string, string, string, RegExp]> = [
  ['malformed .tdrc.json (a trailing comma)', '.tdrc.json', '{"sync": {"backend": "dir",}}', /tdrc\.json/],
  ['malformed .tdrc.yaml (bad indentation)', '.tdrc.yaml', 'sync:\n  backend: dir\n   dir: [unclosed', /tdrc\.yaml/],
  ['malformed .tdrc (neither JSON nor YAML)', '.tdrc', '{{{ not: [config', /tdrc/],
  ['.tdrc.json whose top level is an array', '.tdrc.json', '[1, 2, 3]', /tdrc\.json|config/i],
  ['.tdrc.json where sync is a string', '.tdrc.json', '{"sync": "dir"}', /sync/],
  ['.tdrc.json where sync.backend is a number', '.tdrc.json', '{"sync": {"backend": 42}}', /sync\.backend|backend/],
  ['.tdrc.cjs that throws while loading', '.tdrc.cjs', 'throw new Error("config exploded on purpose")', /config exploded on purpose|tdrc\.cjs/],
  ['.tdrc.mjs with a syntax error', '.tdrc.mjs', 'export default {sync: {backend: "dir",,}}', /tdrc\.mjs/],
  ['.tdrc.json setting the dir backend without sync.dir.path', '.tdrc.json', '{"sync": {"backend": "dir"}}', /sync\.dir\.path|path/],
  ['.tdrc.json with sync.dir.path pointing at a file', '.tdrc.json', '{"sync": {"backend": "dir", "dir": {"path": "./.todos/issues.db"}}}', /dir|path|folder/i],
  ['.tdrc.json with sync.http.url that is not a URL', '.tdrc.json', '{"sync": {"backend": "http", "http": {"url": "not a url", "projectId": "p1"}}}', /url/i],
  ['.tdrc.json with the http backend and no projectId', '.tdrc.json', '{"sync": {"backend": "http", "http": {"url": "http://127.0.0.1:9"}}}', /project/i],
  ['.tdrc.json naming an unknown backend', '.tdrc.json', '{"sync": {"backend": "nosuchthing"}}', /nosuchthing/],
  ['.tdrc.json naming a scoped backend that is not installed', '.tdrc.json', '{"sync": {"backend": "@acme/jira"}}', /@acme\/td-sync-backend-jira/],
  ['.tdrc.json with a token in sync.http', '.tdrc.json', '{"sync": {"backend": "http", "http": {"url": "http://127.0.0.1:9", "projectId": "p", "apiKey": "td_live_key_in_config"}}}', /apiKey|key|secret|token/i],
  ['.tdrc.json listing a plugin that does not exist', '.tdrc.json', '{"sync": {"backend": "dir", "dir": {"path": "./shared"}}, "plugins": ["td-sync-plugin-missing"]}', /td-sync-plugin-missing/],
  ['.tdrc.json listing a plugin file that does not exist', '.tdrc.json', '{"sync": {"backend": "dir", "dir": {"path": "./shared"}}, "plugins": ["./nope/plugin.js"]}', /nope\/plugin\.js|plugin/],
  ['package.json#td that is a string', 'package.json', '{"name": "x", "td": "dir"}', /package\.json|config|td/],
];

for (const [name, file, text, pattern] of configCases) {
  test(`config: ${name} -> clear error, exit 1, nothing lost`, async (t) => {
    const p = await bareProject();
    const id = await withTask(p);
    writeFileSync(join(p.dir, file), text);
    const r = await syncJson(p);
    userMustAct(t, r, pattern);
    intact(t, p, id);
    still_pending(t, p);
  });
}

test('config: a typo in a required key (sync.dir.pathh for path) -> the missing key is named with the misspelt one, exit 1, nothing lost', async (t) => {
  const remote = await dirRemote();
  const p = await remote.project();
  const id = await withTask(p);
  const rc = JSON.parse(readFileSync(join(p.dir, '.tdrc.json'), 'utf8'));
  rc.sync.dir.pathh = rc.sync.dir.path;
  delete rc.sync.dir.path;
  writeFileSync(join(p.dir, '.tdrc.json'), JSON.stringify(rc));
  const r = await syncJson(p);
  userMustAct(t, r, /sync\.dir\.path/);
  t.regex(r.report.error?.hint ?? '', /sync\.dir\.pathh is not a setting of the dir backend.*did you mean sync\.dir\.path\?/, JSON.stringify(r.report));
  intact(t, p, id);
  still_pending(t, p);
});

test('config: an unknown key under sync.dir (a typo of an optional key) is named in a warning; the run completes, nothing lost', async (t) => {
  const remote = await dirRemote();
  const p = await remote.project();
  const id = await withTask(p);
  const rc = JSON.parse(readFileSync(join(p.dir, '.tdrc.json'), 'utf8'));
  rc.sync.dir.segmentBytez = 4096;
  writeFileSync(join(p.dir, '.tdrc.json'), JSON.stringify(rc));
  const r = await syncJson(p);
  t.is(r.code, 0, r.raw.stdout + r.raw.stderr);
  t.is(r.report.pending, 0);
  t.true(r.report.warnings.some((w: string) => /sync\.dir\.segmentBytez is not a setting.*did you mean sync\.dir\.segmentBytes\?/.test(w)), JSON.stringify(r.report.warnings));
  const text = await p.exec(['sync']);
  t.regex(text.stderr, /Warning: sync\.dir\.segmentBytez is not a setting/);
  intact(t, p, id);
});

test('config: an unknown top-level key in .tdrc.json is named in a warning; the run completes, nothing lost', async (t) => {
  const remote = await dirRemote();
  const p = await remote.project();
  const id = await withTask(p);
  const rc = JSON.parse(readFileSync(join(p.dir, '.tdrc.json'), 'utf8'));
  rc.synk = {backend: 'github'};
  writeFileSync(join(p.dir, '.tdrc.json'), JSON.stringify(rc));
  const r = await syncJson(p);
  t.is(r.code, 0, r.raw.stdout + r.raw.stderr);
  t.true(r.report.warnings.some((w: string) => /"synk" in .*\.tdrc\.json is not a td setting.*did you mean "sync"\?/.test(w)), JSON.stringify(r.report.warnings));
  intact(t, p, id);
});

test('config: td config set refuses to edit a JS config and says so', async (t) => {
  const p = await bareProject();
  const id = await withTask(p);
  writeFileSync(join(p.dir, '.tdrc.cjs'), 'module.exports = {sync: {backend: "dir", dir: {path: "./s"}}};');
  const r = await p.exec(['config', 'set', 'sync.backend', 'http', '--json']);
  userMustAct(t, {code: r.code, raw: r}, /tdrc\.cjs|JavaScript|JS/i);
  t.regex(readFileSync(join(p.dir, '.tdrc.cjs'), 'utf8'), /backend: "dir"/, 'the JS config is untouched');
  intact(t, p, id);
});

test('config: td config set with an empty key is refused', async (t) => {
  const p = await bareProject();
  const id = await withTask(p);
  const r = await p.exec(['config', 'set', '', 'x', '--json']);
  t.is(r.code, 1, r.stdout + r.stderr);
  intact(t, p, id);
});

// ---------- backend packages ----------

const packageCases: Array<[string, Parameters<typeof writeBackendPackage>[2], RegExp]> = [
  ['exports an object without create()', {moduleText: 'export default {apiVersion: 1, name: "bad"};'}, /td-sync-backend-bad/],
  ['exports a number', {moduleText: 'export default 42;'}, /td-sync-backend-bad/],
  ['exports a backend with a wrong apiVersion', {moduleText: 'export default {apiVersion: 99, name: "bad", displayName: "Bad", description: "x", validateConfig: (r) => r, remoteId: () => "x", create() { return {}; }};'}, /td-sync-backend-bad/],
  ['throws on load', {moduleText: 'throw new Error("backend module exploded on import");'}, /td-sync-backend-bad/],
  ['declares an entry file that is missing', {entry: './dist/missing.js'}, /td-sync-backend-bad/],
  ['has a syntax error', {moduleText: 'export default {{;'}, /td-sync-backend-bad/],
  ['create() throws a plain Error', {moduleText: 'export default {apiVersion: 1, name: "bad", validateConfig: (r) => r, remoteId: () => "x", displayName: "Bad", description: "x", create() { throw new Error("no remote for you"); }};'}, /no remote for you|bad/],
];

for (const [name, spec, pattern] of packageCases) {
  test(`backend package that ${name} -> clear error naming it, exit 1, nothing lost`, async (t) => {
    const p = await bareProject();
    const id = await withTask(p);
    writeBackendPackage(p.dir, 'td-sync-backend-bad', spec);
    writeFileSync(join(p.dir, '.tdrc.json'), JSON.stringify({sync: {backend: 'bad'}}));
    const r = await syncJson(p);
    userMustAct(t, r, pattern);
    intact(t, p, id);
    still_pending(t, p);
  });
}

test('backend whose push throws mid-run -> exit 1 with the backend named, the change stays pending', async (t) => {
  const p = await bareProject();
  const id = await withTask(p);
  writeBackendPackage(p.dir, 'td-sync-backend-bad', {
    moduleText: `export default {apiVersion: 1, name: 'bad', displayName: 'Bad', description: 'throws in push', validateConfig: (r) => ({...r}), remoteId: () => 'x', create() { return {
      capabilities: {entityTypes: 'all', bidirectional: true, echoesOwnEvents: false, maxPushBatch: 100, maxPullPage: 100},
      async push() { throw new Error('disk on fire while pushing'); },
      async pull() { return {events: [], cursor: null, hasMore: false}; },
      async status() { return {reachable: true, authenticated: true, identity: 'x', remote: 'x'}; } }; }};`,
  });
  writeFileSync(join(p.dir, '.tdrc.json'), JSON.stringify({sync: {backend: 'bad'}}));
  const r = await syncJson(p);
  userMustAct(t, r, /disk on fire/);
  intact(t, p, id);
  still_pending(t, p);
});

test('td sync --backend naming an unknown backend -> clear error, exit 1', async (t) => {
  const remote = await dirRemote();
  const p = await remote.project();
  const id = await withTask(p);
  const r = await syncJson(p, '--backend', 'no-such-backend-here');
  userMustAct(t, r, /no-such-backend-here/);
  intact(t, p, id);
  still_pending(t, p);
});

// ---------- CLI arguments ----------

const argCases: Array<[string, string[], RegExp]> = [
  ['td create with priority P9', ['create', 'A task with an impossible priority', '--priority', 'P9', '--json'], /priority|P9/i],
  ['td create with an empty title', ['create', '', '--json'], /title/i],
  ['td dep add of a task on itself', ['dep', 'add', 'td-000000', 'td-000000', '--json'], /td-000000|itself|depend/i],
  ['td list --limit abc', ['list', '--limit', 'abc', '--json'], /limit|abc|integer/i],
  ['td list --limit -5', ['list', '--limit', '-5', '--json'], /--limit.*greater than or equal to 0/s],
  ['td sync conflicts --limit 0', ['sync', 'conflicts', '--limit', '0', '--json'], /limit must be between 1 and 1000/],
  ['td show of an id that does not exist', ['show', 'td-ffffff', '--json'], /td-ffffff/],
  ['td sync --status with --push (exclusive flags)', ['sync', '--status', '--push', '--json'], /status|push/],
  ['td update with points -3', ['update', 'td-000000', '--points', '-3', '--json'], /points|td-000000/i],
];

for (const [name, args, pattern] of argCases) {
  test(`CLI argument out of range: ${name} -> clear error, exit 1, nothing changed`, async (t) => {
    const remote = await dirRemote();
    const p = await remote.project();
    const id = await withTask(p);
    const before = sql<{n: number}>(p, 'SELECT COUNT(*) AS n FROM action_log')[0]!.n;
    const r = await p.exec(args);
    userMustAct(t, {code: r.code, raw: r}, pattern);
    t.is(sql<{n: number}>(p, 'SELECT COUNT(*) AS n FROM action_log')[0]!.n, before, 'no journal row written');
    intact(t, p, id);
  });
}

// ---------- the database ----------

test('a read-only database -> clear error, exit 1, the file is unchanged', async (t) => {
  const remote = await dirRemote();
  const p = await remote.project();
  const id = await withTask(p);
  const db = join(p.dir, '.todos/issues.db');
  const before = readFileSync(db);
  chmodSync(db, 0o444);
  chmodSync(join(p.dir, '.todos'), 0o555);
  t.teardown(() => {
    chmodSync(join(p.dir, '.todos'), 0o755);
    chmodSync(db, 0o644);
  });
  const r = await syncJson(p);
  if (process.getuid?.() === 0) {
    t.log('running as root: permissions do not stop writes; asserting only that nothing is lost');
  } else {
    userMustAct(t, r, /read-only|readonly|permission|write/i);
    t.deepEqual(readFileSync(db), before, 'the database bytes are unchanged');
  }
  chmodSync(join(p.dir, '.todos'), 0o755);
  chmodSync(db, 0o644);
  intact(t, p, id);
});

test('a database locked by another writer -> td sync stops as database_busy, exit 1, resumable', async (t) => {
  const remote = await dirRemote();
  const p = await remote.project();
  const id = await withTask(p);
  const holder = new Database(join(p.dir, '.todos/issues.db'), {timeout: 100});
  holder.exec('BEGIN IMMEDIATE');
  try {
    await p.run(['config', 'set', 'sync.lockTimeoutMs', '300']).catch(() => undefined);
    const r = await syncJson(p);
    t.not(r.code, 0, r.raw.stdout + r.raw.stderr);
    t.regex(r.raw.stdout + r.raw.stderr, /busy|locked/i);
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
  const again = await syncJson(p);
  t.is(again.code, 0, again.raw.stdout + again.raw.stderr);
  t.is(again.report.pending, 0);
  intact(t, p, id);
});

test('a database file that is not SQLite -> clear error, exit 1, the file is kept', async (t) => {
  const p = await bareProject();
  const db = join(p.dir, '.todos/issues.db');
  writeFileSync(db, 'this is not a database, it is a shopping list\n'.repeat(100));
  const before = readFileSync(db);
  const r = await p.exec(['list', '--json']);
  userMustAct(t, {code: r.code, raw: r}, /issues\.db|database|not a database/i);
  t.deepEqual(readFileSync(db), before, 'td did not overwrite the file');
  count('badInputs', 1, t.title);
});

test('a truncated database file -> clear error, exit 1, the file is kept', async (t) => {
  const p = await bareProject();
  for (let i = 0; i < 30; i++) await p.run(['create', `Task number ${i} in a database about to be cut`]);
  const db = join(p.dir, '.todos/issues.db');
  truncateSync(db, Math.floor(statSync(db).size / 3) + 17);
  const before = readFileSync(db);
  const r = await p.exec(['list', '--json']);
  t.true(r.code !== 0 || r.stdout.length > 0, 'either an error or what could be read');
  if (r.code !== 0) userMustAct(t, {code: r.code, raw: r}, /database|malformed|corrupt|issues\.db/i);
  t.deepEqual(readFileSync(db), before, 'td did not overwrite the file');
  count('badInputs', 1, t.title);
});

// ---------- the dir backend's shared folder ----------

async function dirPair() {
  const remote = await dirRemote();
  const a = await remote.project('A');
  const b = await remote.project('B');
  return {remote, a, b};
}

function segments(shared: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync(join(shared, 'devices'))) for (const f of readdirSync(join(shared, 'devices', d))) if (f.endsWith('.ndjson')) out.push(join(shared, 'devices', d, f));
  return out;
}

test('dir: a segment truncated mid-line by a partial copy -> the reader skips the torn tail, loses nothing, and catches up once the file is whole', async (t) => {
  const {remote, a, b} = await dirPair();
  await withTask(a);
  await a.run(['create', 'A second task whose line gets cut']);
  await a.run(['sync']);
  const [seg] = segments(remote.shared!);
  const whole = readFileSync(seg!);
  truncateSync(seg!, whole.length - 25);
  const idB = await withTask(b);
  const r = await syncJson(b);
  t.true(r.code === 0 || r.code === 1, r.raw.stdout + r.raw.stderr);
  intact(t, b, idB);
  writeFileSync(seg!, whole); // the rest of the copy arrives
  const again = await syncJson(b);
  t.is(again.code, 0, again.raw.stdout + again.raw.stderr);
  t.is(sql<{n: number}>(b, "SELECT COUNT(*) AS n FROM issues WHERE title = 'A second task whose line gets cut'")[0]!.n, 1);
});

test('dir: a garbage line inside another device\'s segment -> skipped or a clear error, never a crash; local work kept', async (t) => {
  const {remote, a, b} = await dirPair();
  await withTask(a);
  await a.run(['sync']);
  const [seg] = segments(remote.shared!);
  appendFileSync(seg!, '{"clientActionId": "not a number", "garbage": true}\n\u0000\u0001 binary junk\n');
  const idB = await withTask(b);
  const r = await syncJson(b);
  t.true(r.code === 0 || r.code === 1, r.raw.stdout + r.raw.stderr);
  if (r.code === 1) t.truthy(r.report.error?.message ?? r.report.stopped?.message);
  intact(t, b, idB);
  t.is(sql<{n: number}>(b, 'SELECT COUNT(*) AS n FROM issues WHERE title = ?', TASK)[0]!.n, 2, "A's task arrived too");
});

test('dir: an event with an unknown entity type in the folder -> recorded skip, the rest applies', async (t) => {
  const {remote, a, b} = await dirPair();
  await withTask(a);
  await a.run(['sync']);
  const [seg] = segments(remote.shared!);
  const lines = readFileSync(seg!, 'utf8').split('\n').filter((l) => l.startsWith('{"clientActionId"'));
  const e = JSON.parse(lines[0]!);
  appendFileSync(seg!, JSON.stringify({...e, clientActionId: 999_999, entityType: 'spaceships', entityId: 'ship-1'}) + '\n');
  const idB = await withTask(b);
  const r = await syncJson(b);
  t.is(r.code, 0, r.raw.stdout + r.raw.stderr);
  t.is(r.report.skipped, 1, `the unknown event is counted as skipped in the report: ${JSON.stringify(r.report)}\nstderr: ${r.raw.stderr}`);
  t.regex(r.raw.stderr, /spaceships/, 'and named on stderr');
  const status = JSON.parse((await b.exec(['sync', '--status', '--json'])).stdout);
  t.is(status.skippedEvents?.unreadable, 1, 'td sync --status keeps the record of the skip');
  t.regex(JSON.stringify(status.recentSkipped), /spaceships/);
  intact(t, b, idB);
  t.is(sql<{n: number}>(b, 'SELECT COUNT(*) AS n FROM issues WHERE title = ?', TASK)[0]!.n, 2);
});

// ---------- the td-sync server ----------

test('http: events with an unknown entity type from the server -> recorded skip, the rest applies', async (t) => {
  const remote = await httpRemote();
  t.teardown(() => remote.close());
  const s = remote.server!;
  // The stand-in validates pushes (400 for an unknown type), so the row goes straight into its store:
  // a newer td, or another tool, wrote it.
  const pushed = await call(s.url, 'POST', `/v1/projects/${s.projectId}/sync/push`, {key: s.adminKey, body: pushBody([wireEvent(1), wireEvent(2)])});
  t.is(pushed.status, 200, pushed.text);
  s.db.prepare("UPDATE events SET entity_type = 'spaceships', entity_id = 'ship-1' WHERE client_action_id = 1").run();
  const b = await remote.project('B');
  const idB = await withTask(b);
  const r = await syncJson(b);
  t.is(r.code, 0, r.raw.stdout + r.raw.stderr);
  t.is(r.report.skipped, 1, `the unknown event is counted as skipped in the report: ${JSON.stringify(r.report)}\nstderr: ${r.raw.stderr}`);
  t.regex(r.raw.stderr, /spaceships/, 'and named on stderr');
  t.is(sql<{n: number}>(b, "SELECT COUNT(*) AS n FROM issues WHERE id IN ('i_2', 'i_002')")[0]!.n, 1, 'the known event after it applied');
  intact(t, b, idB);
});

/** A tiny server speaking just enough of td-sync: push acks everything, pull answers `pullBody`. */
async function rawServer(t: ExecutionContext, pullBody: (res: import('node:http').ServerResponse) => void): Promise<string> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url?.includes('/sync/pull')) return pullBody(res);
      if (req.url?.includes('/sync/push')) {
        const events = (JSON.parse(body || '{}').events ?? []) as Array<{client_action_id: number}>;
        res.writeHead(200, {'content-type': 'application/json'});
        return res.end(JSON.stringify({accepted: events.length, acks: events.map((e, i) => ({client_action_id: e.client_action_id, server_seq: i + 1})), rejected: []}));
      }
      res.writeHead(200, {'content-type': 'application/json'});
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function rawProject(url: string): Promise<Proj> {
  const p = await bareProject('R', {TD_AUTH_KEY: 'td_test_raw_key_0123456789'});
  await p.run(['config', 'set', 'sync.backend', 'http']);
  await p.run(['config', 'set', 'sync.http.url', url]);
  await p.run(['config', 'set', 'sync.http.projectId', 'proj_raw']);
  return p;
}

const event = (seq: number, over: Record<string, unknown> = {}) => ({
  server_seq: seq,
  device_id: 'dev_other',
  session_id: 'ses_other',
  client_action_id: seq,
  action_type: 'create',
  entity_type: 'issues',
  entity_id: `td-raw${seq}`,
  payload: {schema_version: 1, new_data: {id: `td-raw${seq}`, title: `Pulled task ${seq} from the raw server`, status: 'open', priority: 'P2', type: 'task'}, previous_data: null},
  client_timestamp: '2026-01-01T00:00:00Z',
  ...over,
});

const serverCases: Array<[string, (res: import('node:http').ServerResponse) => void]> = [
  ['invalid UTF-8 bytes inside the pull JSON', (res) => {
    const text = JSON.stringify({events: [event(1)], last_server_seq: 1, has_more: false});
    const at = text.indexOf('Pulled task');
    const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(text.slice(at))]);
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(bytes);
  }],
  ['a pull answer that is HTML, not JSON', (res) => {
    res.writeHead(200, {'content-type': 'text/html'});
    res.end('<html><body>Bad gateway from a proxy</body></html>');
  }],
  ['a pull answer whose events is not an array', (res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({events: 'lots', last_server_seq: 'x', has_more: false}));
  }],
  ['a pulled event whose payload is a string', (res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({events: [event(1, {payload: 'not an object'})], last_server_seq: 1, has_more: false}));
  }],
  ['an oversized pull answer (64 MiB of one title)', (res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    const head = JSON.stringify({events: [event(1)], last_server_seq: 1, has_more: false}).replace('Pulled task 1 from the raw server', '@@');
    const [before, after] = head.split('@@');
    res.write(before);
    const chunk = 'x'.repeat(1 << 20);
    let i = 0;
    const more = () => {
      while (i < 64) {
        i++;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end(after);
    };
    more();
  }],
  ['a pull answer that says has_more forever without moving the cursor', (res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({events: [], last_server_seq: 0, has_more: true}));
  }],
];

for (const [name, answer] of serverCases) {
  test(`http server sends ${name} -> a clean stop or a recorded skip; local work kept`, async (t) => {
    const url = await rawServer(t, answer);
    const p = await rawProject(url);
    const id = await withTask(p);
    const r = await syncJson(p);
    t.true(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.raw.stderr.slice(0, 2000)}`);
    if (r.code === 1) {
      const why = r.report.error ?? r.report.stopped;
      t.truthy(why?.code, r.raw.stdout.slice(0, 2000));
      t.truthy(why?.message);
    }
    t.false(r.raw.stdout.includes('td_test_raw_key_0123456789'));
    intact(t, p, id);
  });
}

// ---------- GitHub: what a person can do to our issues ----------

async function githubPair(t: ExecutionContext) {
  const remote = await githubRemote();
  t.teardown(() => remote.close());
  const a = await remote.project('A');
  const b = await remote.project('B');
  const id = await withTask(a);
  await a.run(['log', id, 'a log line that will be a comment']);
  await a.run(['sync']);
  const em = remote.em!;
  const issue = () => em.issues('acme/app').find((i) => i.body.includes(`td:begin ${id}`))!;
  return {remote, em, a, b, id, issue};
}

test('github: a person mangles the managed block (end marker and JSON cut) -> a clear skip or repair, the task survives in both projects', async (t) => {
  const {em, a, b, id, issue} = await githubPair(t);
  const i = issue();
  em.advanceClock(2000);
  em.ui.editIssue('acme/app', i.number, {body: i.body.replace(/<!-- td:end [^>]+-->/, '').replace(/"title"/, '"tit')});
  for (const p of [b, a]) {
    const r = await syncJson(p);
    t.true(r.code === 0 || r.code === 1, r.raw.stdout + r.raw.stderr);
  }
  intact(t, a, id);
  t.is(sql<{n: number}>(b, 'SELECT COUNT(*) AS n FROM issues WHERE id = ?', id)[0]!.n <= 1, true, 'never a duplicate row');
  t.is(em.issues('acme/app').filter((x) => x.body.includes(`td:begin ${id}`)).length <= 1, true, 'no second issue for the task');
});

test('github: a description over the 65 536-character body limit -> pushed without error or rejected clearly; nothing lost', async (t) => {
  const remote = await githubRemote();
  t.teardown(() => remote.close());
  const a = await remote.project('A');
  const id = await withTask(a);
  await a.run(['update', id, '--description', 'long '.repeat(15_000)]);
  const r = await syncJson(a);
  t.true(r.code === 0 || r.code === 1, r.raw.stdout + r.raw.stderr);
  if (r.code === 0) t.true(r.report.pending === 0 || (r.report.rejected ?? 0) > 0 || r.report.warnings?.length > 0, JSON.stringify(r.report));
  for (const i of remote.em!.issues('acme/app')) t.true(i.body.length <= 65_536);
  intact(t, a, id);
  t.is(sql<{n: number}>(a, 'SELECT length(description) AS n FROM issues WHERE id = ?', id)[0]!.n, 'long '.repeat(15_000).length, 'the local description is intact');
});

test('github: a person deletes the td: labels -> the next sync completes and recreates what it needs', async (t) => {
  const {em, a, b, id, issue} = await githubPair(t);
  for (const l of em.labels('acme/app').filter((x) => x.name.startsWith('td:'))) em.ui.deleteLabel('acme/app', l.name);
  await a.run(['update', id, '--priority', 'P0']);
  const r = await syncJson(a);
  t.is(r.code, 0, r.raw.stdout + r.raw.stderr);
  t.is(r.report.pending, 0);
  t.true(issue().labels.includes('td:p0'), issue().labels.join(','));
  t.is((await syncJson(b)).code, 0);
  t.is(sql<{priority: string}>(b, 'SELECT priority FROM issues WHERE id = ?', id)[0]?.priority, 'P0');
  intact(t, a, id);
});

test('github: a comment whose structured data a person broke -> skipped or read as text, never a crash; the log survives locally', async (t) => {
  const {em, a, b, id, issue} = await githubPair(t);
  const c = issue().comments.find((x) => x.body.includes('td:log'))!;
  em.advanceClock(2000);
  em.ui.editComment('acme/app', c.id, c.body.replace('```json', '```json\n{{{ broken'));
  for (const p of [b, a]) {
    const r = await syncJson(p);
    t.true(r.code === 0 || r.code === 1, r.raw.stdout + r.raw.stderr);
  }
  t.is(sql<{n: number}>(a, 'SELECT COUNT(*) AS n FROM logs WHERE issue_id = ?', id)[0]!.n, 1, "A's log is still there");
  intact(t, a, id);
});

test('github: a person pastes a td:begin marker naming an unknown task into a new issue -> no crash, no task invented twice', async (t) => {
  const {em, a, b, id} = await githubPair(t);
  em.advanceClock(2000);
  em.ui.createIssue('acme/app', {title: 'Copied by a person', body: `copied text\n<!-- td:begin ${id} -->\nbroken`});
  for (const p of [b, a]) {
    const r = await syncJson(p);
    t.true(r.code === 0 || r.code === 1, r.raw.stdout + r.raw.stderr);
  }
  t.is(sql<{n: number}>(a, 'SELECT COUNT(*) AS n FROM issues WHERE id = ?', id)[0]!.n, 1);
  intact(t, a, id);
});

test('github: an unknown repository in config -> clear error naming it, exit 1', async (t) => {
  const remote = await githubRemote();
  t.teardown(() => remote.close());
  const a = await remote.project('A');
  const id = await withTask(a);
  await a.run(['config', 'set', 'sync.github.repo', 'acme/nope']);
  const r = await syncJson(a);
  userMustAct(t, r, /acme\/nope/);
  intact(t, a, id);
  still_pending(t, a);
});

test('github: sync.github.repo without an owner -> clear error, exit 1', async (t) => {
  const remote = await githubRemote();
  t.teardown(() => remote.close());
  const a = await remote.project('A');
  const id = await withTask(a);
  await a.exec(['config', 'set', 'sync.github.repo', 'justaname']);
  const rc = JSON.parse(readFileSync(join(a.dir, '.tdrc.json'), 'utf8'));
  rc.sync.github.repo = 'justaname';
  writeFileSync(join(a.dir, '.tdrc.json'), JSON.stringify(rc));
  const r = await syncJson(a);
  userMustAct(t, r, /repo|justaname/);
  intact(t, a, id);
});

test('github: a bad token -> authentication error naming the sources, exit 1, the change stays pending', async (t) => {
  const remote = await githubRemote();
  t.teardown(() => remote.close());
  const a = await remote.project('A', {GITHUB_TOKEN: 'ghp_wrongwrongwrongwrongwrongwrong0000'});
  const id = await withTask(a);
  const r = await syncJson(a);
  userMustAct(t, r, /token|credential|auth/i);
  t.false(r.raw.stdout.includes('ghp_wrongwrongwrongwrongwrongwrong0000'));
  intact(t, a, id);
  still_pending(t, a);
});

