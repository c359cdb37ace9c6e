/**
 * End to end through the built `td` and the td-sync stand-in: projects converging through
 * `td sync`, a project whose journal td had already partly synced continuing without re-push or
 * re-pull, failures with clear messages and nothing lost, and `td auth login|status|logout`,
 * `td sync link`. Serial: each test runs many td processes; one at a time keeps the machine
 * responsive and the run steadily progressing.
 */
import test from 'ava';
import {statSync, existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {isolatedEnv, tdAsync, tempDir} from '../helpers/td.js';
import {newProject} from './project.js';
import {call, pushBody, wireEvent} from '../td-sync-server/call.js';
import {startTdSyncServer, type TdSyncServer} from '../td-sync-server/server.js';
import {HIGH_LIMITS} from './helpers.js';

async function server(t: {teardown(fn: () => Promise<void>): void}): Promise<TdSyncServer> {
  const s = await startTdSyncServer({rateLimits: HIGH_LIMITS});
  t.teardown(() => s.close());
  return s;
}

type Project = Awaited<ReturnType<typeof newProject>>;

/** Run td without blocking the event loop (the stand-in runs in this process). */
const run = (p: {dir: string; env: NodeJS.ProcessEnv}, args: string[], env?: NodeJS.ProcessEnv) => tdAsync(p.dir, args, env ?? p.env);

async function linked(s: TdSyncServer, key = s.adminKey, extraEnv: NodeJS.ProcessEnv = {}): Promise<Project> {
  const p = await newProject({TD_AUTH_KEY: key, ...extraEnv});
  const r = await run(p, ['sync', 'init', '--backend', 'http', '--set', `url=${s.url}`, '--set', `projectId=${s.projectId}`]);
  if (r.code !== 0) throw new Error(`sync init failed: ${r.stdout}${r.stderr}`);
  return p;
}

async function sync(p: Project, ...args: string[]) {
  const r = await run(p, ['sync', '--json', ...args]);
  return {code: r.code, out: r.code === 0 ? r.json() : r.json().error, raw: r};
}

function issues(p: Project): Array<Record<string, unknown>> {
  const db = new Database(join(p.dir, '.todos/issues.db'), {readonly: true});
  try {
    return db.prepare('SELECT id, title, status, priority, description, deleted_at IS NOT NULL AS deleted FROM issues ORDER BY id').all() as never;
  } finally {
    db.close();
  }
}

function created(r: {stdout: string}): string {
  const m = /(td-[0-9a-f]+)/.exec(r.stdout);
  if (!m) throw new Error(`no issue id in: ${r.stdout}`);
  return m[1];
}

test.serial('two td projects sync through the stand-in with td sync init --backend http and TD_AUTH_KEY', async (t) => {
  const s = await server(t);
  const a = await linked(s);
  const b = await linked(s);
  const id = created(await run(a, ['create', 'first task from project A']));
  t.like((await sync(a)).out, {pushed: 1, pulled: 1});
  t.like((await sync(b)).out, {pushed: 0, pulled: 1, applied: 1});
  t.is((await run(b, ['update', id, '--title', 'renamed by project B'])).code, 0);
  (await sync(b));
  (await sync(a));
  t.deepEqual(issues(a), issues(b));
  t.is(issues(a)[0].title, 'renamed by project B');
  // td's own bookkeeping is kept for this target.
  const db = new Database(join(a.dir, '.todos/issues.db'), {readonly: true});
  t.deepEqual(db.prepare('SELECT project_id, last_pulled_server_seq FROM sync_state').get(), {project_id: s.projectId, last_pulled_server_seq: 2});
  t.is((db.prepare('SELECT COUNT(*) AS n FROM action_log WHERE synced_at IS NULL').get() as {n: number}).n, 0);
  db.close();
  t.is(s.store.events(s.projectId).length, 2, 'nothing pushed twice');
});

test.serial('a project td had already partly synced continues without re-sending or re-applying anything', async (t) => {
  const s = await server(t);
  const p = await newProject({TD_AUTH_KEY: s.adminKey});
  created(await run(p, ['create', 'pushed earlier by the Go td']));
  created(await run(p, ['create', 'also pushed earlier by td']));
  created(await run(p, ['create', 'still pending when td stopped']));
  // What the Go td left behind: rows 1-2 pushed (server seqs 1-2) under its device and session,
  // a teammate's event pulled (seq 3), sync_state pointing at it.
  const dbPath = join(p.dir, '.todos/issues.db');
  let db = new Database(dbPath);
  const rows = db.prepare('SELECT rowid, * FROM action_log ORDER BY rowid').all() as Array<Record<string, any>>;
  const wire = rows.slice(0, 2).map((r) => ({client_action_id: r.rowid, action_type: 'create', entity_type: 'issues', entity_id: r.entity_id, payload: {new_data: JSON.parse(r.new_data), previous_data: {}, schema_version: 1}, client_timestamp: '2026-01-01T00:00:00Z'}));
  t.is((await call(s.url, 'POST', `/v1/projects/${s.projectId}/sync/push`, {key: s.adminKey, body: pushBody(wire, 'go-td-device', 'ses_go')})).status, 200);
  t.is((await call(s.url, 'POST', `/v1/projects/${s.projectId}/sync/push`, {key: s.adminKey, body: pushBody([wireEvent(1, {entity_id: 'td-mate01', payload: {new_data: {id: 'td-mate01', title: 'already pulled teammate task', status: 'open', type: 'task', priority: 'P2'}, previous_data: {}, schema_version: 1}})], 'mate', 'ses_m')})).status, 200);
  db.prepare("UPDATE action_log SET synced_at = '2026-01-01 00:00:00', server_seq = rowid WHERE rowid <= 2").run();
  db.prepare("INSERT INTO sync_state (project_id, last_pushed_action_id, last_pulled_server_seq, last_sync_at, sync_disabled) VALUES (?, 2, 3, '2026-01-01 00:00:00', 0)").run(s.projectId);
  db.close();
  // A newer teammate event (seq 4) that td has not pulled yet.
  await call(s.url, 'POST', `/v1/projects/${s.projectId}/sync/push`, {key: s.adminKey, body: pushBody([wireEvent(2, {entity_id: 'td-mate02', payload: {new_data: {id: 'td-mate02', title: 'new teammate task to pull', status: 'open', type: 'task', priority: 'P2'}, previous_data: {}, schema_version: 1}})], 'mate', 'ses_m')});
  t.is((await run(p, ['sync', 'init', '--backend', 'http', '--set', `url=${s.url}`, '--set', `projectId=${s.projectId}`])).code, 0);
  const report = (await sync(p)).out;
  t.like(report, {pushed: 1, pulled: 2});
  t.is(s.store.events(s.projectId).length, 5, 'only the pending row was pushed');
  const pulls = s.requests.filter((r) => r.path.endsWith('/sync/pull'));
  t.true(pulls.length >= 1);
  db = new Database(dbPath, {readonly: true});
  t.deepEqual(db.prepare('SELECT last_pulled_server_seq AS seq FROM sync_state').get(), {seq: 5});
  t.deepEqual(db.prepare('SELECT rowid, server_seq FROM action_log ORDER BY rowid').all(), [{rowid: 1, server_seq: 1}, {rowid: 2, server_seq: 2}, {rowid: 3, server_seq: 5}]);
  t.truthy(db.prepare("SELECT 1 FROM issues WHERE id = 'td-mate02'").get(), 'the unpulled teammate event was applied');
  t.falsy(db.prepare("SELECT 1 FROM issues WHERE id = 'td-mate01'").get(), 'the already-pulled seq 3 was not pulled again');
  db.close();
});

/** mulberry32: a small seeded PRNG so the random work is reproducible. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const ROUNDS = Number(process.env.TD_HTTP_E2E_ROUNDS ?? 14);

for (const [seed, withFaults] of [[7, false], [2026, false], [99, true]] as const) {
  test.serial(`three td projects converge through the stand-in after random work (seed ${seed}, ${ROUNDS} steps${withFaults ? ', server faults' : ''})`, async (t) => {
    const s = await server(t);
    const projects = [await linked(s), await linked(s), await linked(s)];
    const rnd = prng(seed);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const known: string[] = [];
    for (let step = 0; step < ROUNDS; step++) {
      const p = pick(projects);
      const ids = issues(p).filter((i) => !i.deleted).map((i) => String(i.id));
      // The faults variant syncs every fourth step at least, so faults meet syncs.
      const op = withFaults && step % 4 === 3 ? 0.9 : rnd();
      if (op < 0.35 || ids.length === 0) {
        known.push(created(await run(p, ['create', `random task ${seed}-${step} from work`, '-p', pick(['P1', 'P2', 'P3'])])));
      } else if (op < 0.6) {
        await run(p, ['update', pick(ids), '--title', `edited at step ${step} by seed ${seed}`]);
      } else if (op < 0.7) {
        await run(p, ['start', pick(ids)]);
      } else if (op < 0.78) {
        await run(p, ['delete', pick(ids)]);
      } else {
        if (withFaults) {
          const path = pick(['/sync/push', '/sync/pull']);
          s.faults.add(pick([
            {kind: 'status', status: 503, path, times: 6},
            {kind: 'status', status: 500, path, afterCommit: true},
            {kind: 'drop', path, afterCommit: rnd() < 0.5},
            {kind: 'status', status: 429, path, times: 8},
          ] as const));
        }
        const r = (await sync(p));
        if (!withFaults) t.is(r.code, 0, JSON.stringify(r.out));
        s.faults.clear();
      }
    }
    // Everyone syncs until quiet: push everything, then everyone pulls everything.
    for (const p of projects) t.is((await sync(p)).code, 0);
    for (const p of projects) t.is((await sync(p)).code, 0);
    if (withFaults) t.true(s.faults.fired.filter((n) => n > 0).length >= 2, `faults fired: ${s.faults.fired.join(',')}`);
    const [a, b, c] = projects.map(issues);
    t.true(a.length > 0);
    t.deepEqual(b, a);
    t.deepEqual(c, a);
    const keys = s.store.events(s.projectId).map((e) => `${e.device_id}/${e.session_id}/${e.client_action_id}`);
    t.is(new Set(keys).size, keys.length);
  });
}

test.serial('failures through td sync: wrong key, server down then recovered, a reader pushing; nothing lost', async (t) => {
  const s = await server(t);
  const p = await linked(s);
  created(await run(p, ['create', 'task that must survive failures']));

  const wrong = await run(p, ['sync', '--json']);
  t.is(wrong.code, 0, 'sanity: a good key works');
  created(await run(p, ['create', 'second task that must survive']));

  const bad = await tdAsync(p.dir, ['sync', '--json'], {...p.env, TD_AUTH_KEY: 'td_live_WrongWrongWrongWrongWrongWrong'});
  t.not(bad.code, 0);
  const err = bad.json().error ?? bad.json().stopped;
  t.is(err.code, 'http_unauthorized');
  t.regex(err.hint, /td auth login/);
  t.false(bad.stdout.includes('WrongWrongWrong'), 'the key is never printed');

  s.faults.add({kind: 'drop', times: Infinity});
  const down = await tdAsync(p.dir, ['sync', '--json'], {...p.env});
  t.not(down.code, 0);
  // A transient stop is a report with `stopped` (what happened, what to do) and a non-zero exit.
  const stop = down.json().stopped ?? down.json().error;
  t.regex(stop.code, /http_unreachable|http_server_error/);
  t.regex(stop.hint, /nothing was lost/);
  t.is(down.json().pending, 1);
  s.faults.clear();
  const recovered = (await sync(p));
  t.is(recovered.code, 0);
  t.like(recovered.out, {pushed: 1, pending: 0});

  const reader = s.addUser('reader@example.com', {role: 'reader'});
  created(await run(p, ['create', 'task written while only a reader']));
  const denied = await tdAsync(p.dir, ['sync', '--json'], {...p.env, TD_AUTH_KEY: reader.key});
  t.not(denied.code, 0);
  const deniedErr = denied.json().error ?? denied.json().stopped;
  t.is(deniedErr.code, 'http_forbidden');
  t.regex(deniedErr.hint, /owner/);
  t.like((await sync(p)).out, {pushed: 1, pending: 0}, 'with a writer key the pending row goes out');
  t.is(s.store.events(s.projectId).length, 3);
});

test.serial('td auth login (email link + PKCE) writes auth.json 0600; status shows only a prefix; td sync uses it; logout', async (t) => {
  const s = await server(t);
  const env = isolatedEnv();
  const dir = tempDir('td-proj-');
  t.is((await tdAsync(dir, ['init'], env)).code, 0);
  const login = tdAsync(dir, ['auth', 'login', '--email', 'admin@example.com', '--server', s.url, '--poll-interval', '100', '--json'], env);
  for (let i = 0; i < 200 && s.auth.emails.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  const token = /token=(\S+)/.exec(s.auth.emails[0].text)![1];
  t.regex((await call(s.url, 'GET', `/auth/device/approve?token=${token}`)).text, /Device approved/);
  const r = await login;
  t.is(r.code, 0, r.stderr);
  const out = r.json();
  t.is(out.email, 'admin@example.com');
  const file = join(env.XDG_CONFIG_HOME!, 'td/auth.json');
  t.is(statSync(file).mode & 0o777, 0o600);
  const auth = JSON.parse(readFileSync(file, 'utf8'));
  t.deepEqual(Object.keys(auth).sort(), ['api_key', 'device_id', 'email', 'expires_at', 'server_url', 'user_id']);
  t.regex(auth.device_id, /^[0-9a-f]{32}$/);
  t.false(r.stdout.includes(auth.api_key));

  const status = await tdAsync(dir, ['auth', 'status'], env);
  t.regex(status.stdout, /Email:\s+admin@example.com/);
  t.true(status.stdout.includes(`${auth.api_key.slice(0, 12)}...`));
  t.false(status.stdout.includes(auth.api_key));

  t.is((await tdAsync(dir, ['sync', 'init', '--backend', 'http', '--set', `url=${s.url}`, '--set', `projectId=${s.projectId}`], env)).code, 0);
  await tdAsync(dir, ['create', 'task synced with a logged-in key'], env);
  const synced = await tdAsync(dir, ['sync', '--json'], env);
  t.is(synced.code, 0, synced.stdout + synced.stderr);
  t.is(s.store.events(s.projectId)[0].device_id, auth.device_id, "td's device id from auth.json is used on the wire");

  t.is((await tdAsync(dir, ['auth', 'logout'], env)).code, 0);
  t.false(existsSync(file));
  t.regex((await tdAsync(dir, ['auth', 'status'], env)).stdout, /Not logged in/);
});

test.serial('td sync link checks membership and writes the project config; a stranger gets told what to do', async (t) => {
  const s = await server(t);
  const p = await newProject({TD_AUTH_KEY: s.adminKey});
  const other = (await call(s.url, 'POST', '/v1/projects', {key: s.adminKey, body: {name: 'linked later'}})).json();
  const r = await run(p, ['sync', 'link', other.id, '--server', s.url, '--json']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.like(r.json(), {linked: true, project_id: other.id, project_name: 'linked later'});
  const cfg = JSON.parse(readFileSync(join(p.dir, '.tdrc.json'), 'utf8'));
  t.deepEqual(cfg.sync, {backend: 'http', http: {projectId: other.id, url: s.url}});
  created(await run(p, ['create', 'task for the linked project']));
  t.like((await sync(p)).out, {pushed: 1});
  t.is(s.store.events(other.id).length, 1);

  const stranger = s.addUser('stranger@example.com');
  const denied = await tdAsync(p.dir, ['sync', 'link', s.projectId, '--json'], {...p.env, TD_AUTH_KEY: stranger.key});
  t.not(denied.code, 0);
  t.is(denied.json().error.code, 'http_forbidden');
  t.regex(denied.json().error.hint, /not a member/);
});

/** Journal `n` issue creates directly in the project database (as `td create` would, faster). */
function journal(p: Project, n: number, prefix: string): void {
  const db = new Database(join(p.dir, '.todos/issues.db'));
  const now = new Date().toISOString();
  const insIssue = db.prepare("INSERT INTO issues (id, title, status, type, priority, created_at, updated_at) VALUES (?, ?, 'open', 'task', 'P2', ?, ?)");
  const insLog = db.prepare("INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, previous_data, new_data, timestamp, undone) VALUES (?, 'ses_journal', 'create', 'issue', ?, '', ?, ?, 0)");
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const id = `td-${prefix}${i.toString(16).padStart(5, '0')}`;
      insIssue.run(id, `journaled task ${i}`, now, now);
      insLog.run(`al-${prefix}${i.toString(16).padStart(5, '0')}`, id, JSON.stringify({id, title: `journaled task ${i}`, status: 'open', type: 'task', priority: 'P2', created_at: now, updated_at: now}), now);
    }
  })();
  db.close();
}

test.serial('§14.41 through td sync: 1200 pending events go out as 500, 500, 200; nothing pending -> no push request', async (t) => {
  const s = await server(t);
  const p = await linked(s);
  journal(p, 1200, 'a');
  const r = await sync(p, '--push');
  t.is(r.code, 0, JSON.stringify(r.out));
  t.is(r.out.pushed, 1200);
  t.deepEqual(s.requests.filter((q) => q.path.endsWith('/sync/push')).map((q) => q.events), [500, 500, 200]);
  const before = s.requests.length;
  t.is((await sync(p, '--push')).out.pushed, 0);
  t.is(s.requests.slice(before).filter((q) => q.path.endsWith('/sync/push')).length, 0);
});

test.serial('§14.42 through td sync: a push that keeps failing makes no pull request and leaves everything pending', async (t) => {
  const s = await server(t);
  const p = await linked(s);
  journal(p, 3, 'b');
  s.faults.add({kind: 'status', status: 503, path: '/sync/push', times: Infinity});
  const r = await sync(p);
  t.not(r.code, 0);
  t.is(s.requests.filter((q) => q.path.endsWith('/sync/pull')).length, 0, 'no pull after a failed push');
  t.is(r.raw.json().pending, 3);
  s.faults.clear();
  t.like((await sync(p)).out, {pushed: 3, pending: 0});
});

test.serial('td config set sync.backend http (bundled, no install) then td sync works', async (t) => {
  const s = await server(t);
  const p = await newProject({TD_AUTH_KEY: s.adminKey, TD_SYNC_URL: s.url});
  for (const args of [['config', 'set', 'sync.backend', 'http'], ['config', 'set', 'sync.http.project', s.projectId]]) {
    const r = await run(p, args);
    t.is(r.code, 0, r.stdout + r.stderr);
  }
  created(await run(p, ['create', 'configured by td config set']));
  const r = await sync(p);
  t.is(r.code, 0, JSON.stringify(r.out));
  t.like(r.out, {backend: 'http', pushed: 1, target: `http:${s.url}/${s.projectId}`});
  const st = await run(p, ['sync', 'status', '--json']);
  t.is(st.code, 0, st.stdout + st.stderr);
  t.false(st.stdout.includes(s.adminKey));
});

test.serial('through td sync: a 500 after commit, a 429 storm, a deleted project; nothing lost, nothing doubled, the next run completes', async (t) => {
  const s = await server(t);
  const p = await linked(s);
  journal(p, 4, 'c');
  // 500 after the server stored the events: the retry inside the same run gets duplicates = acks.
  s.faults.add({kind: 'status', status: 500, message: 'failed to apply events to project state', path: '/sync/push', afterCommit: true});
  t.like((await sync(p)).out, {pending: 0});
  t.is(s.store.events(s.projectId).length, 4);

  // A storm of 429s past the retry budget: a rate-limit stop with a time to retry, exit non-zero.
  journal(p, 2, 'd');
  s.faults.add({kind: 'status', status: 429, path: '/sync/push', times: Infinity});
  const storm = await sync(p);
  t.not(storm.code, 0);
  const stop = storm.raw.json().stopped ?? storm.raw.json().error;
  t.is(stop.code, 'http_rate_limited');
  t.truthy(stop.retryAt ?? storm.raw.json().stopped?.retryAt ?? stop.details?.retryAt);
  s.faults.clear();
  t.like((await sync(p)).out, {pushed: 2, pending: 0});

  // Deleted on the server: td-sync keeps syncing it for members; status says it was deleted.
  await fetch(`${s.url}/v1/projects/${s.projectId}`, {method: 'DELETE', headers: {authorization: `Bearer ${s.adminKey}`}});
  journal(p, 1, 'e');
  t.like((await sync(p)).out, {pushed: 1, pending: 0});
  const st = await run(p, ['sync', 'status', '--json']);
  t.regex(st.stdout, /projectDeleted|deleted on the server/);
  t.is(s.store.events(s.projectId).length, 7, 'every event stored exactly once');
});
