/**
 * End to end through the built `td`: two projects sync through the emulator with
 * `sync.backend github`; the backend is found in each project's node_modules (a symlink to the
 * workspace package, as `npm install td-sync-backend-github` would place it).
 */
import test from 'ava';
import {mkdirSync, symlinkSync} from 'node:fs';
import {join} from 'node:path';
import {newProject, REPO, tdAsync, type TdResult} from '../helpers/td.js';
import {emulator} from './harness.js';

function project(url: string, token: string) {
  const p = newProject({GITHUB_TOKEN: token});
  mkdirSync(join(p.dir, 'node_modules'), {recursive: true});
  symlinkSync(join(REPO, 'packages/td-sync-backend-github'), join(p.dir, 'node_modules/td-sync-backend-github'), 'dir');
  // Async: the emulator answers from this process, so td must not block its event loop.
  const exec = (args: string[]) => tdAsync(p.dir, args, p.env);
  const run = async (args: string[]): Promise<TdResult> => {
    const r = await exec(args);
    if (r.code !== 0) throw new Error(`td ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  for (const [k, v] of [['sync.backend', 'github'], ['sync.github.repo', 'acme/app'], ['sync.github.baseUrl', url], ['sync.github.writeSpacingMs', '0']]) {
    const r = p.td(['config', 'set', k!, v!]);
    if (r.code !== 0) throw new Error(r.stdout + r.stderr);
  }
  return {...p, run, exec};
}

test('td sync through GitHub: A pushes, B pulls, a UI edit reaches both, the token never shows', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = project(em.url, em.token);
  const b = project(em.url, em.token);

  const id = (await a.run(['create', 'Make the login form faster', '--priority', 'P1', '--type', 'feature', '--json'])).json<{id: string}>().id;
  await a.run(['log', id, 'profiling started']);
  await a.run(['comment', id, 'first comment']);
  const pushed = (await a.run(['sync', '--json'])).json<{pushed: number; pending: number}>();
  t.is(pushed.pending, 0);
  t.true(pushed.pushed >= 3);
  const issue = em.issues('acme/app')[0]!;
  t.is(issue.title, 'Make the login form faster');
  t.true(issue.labels.includes('td:p1'));
  t.is(issue.comments.length, 2);

  const pulled = (await b.run(['sync', '--json'])).json<{pulled: number; applied: number}>();
  t.true(pulled.applied >= 3, JSON.stringify(pulled));
  const shown = (await b.run(['show', id, '--json'])).json<Record<string, unknown>>();
  t.like((shown.issue ?? shown) as object, {title: 'Make the login form faster', priority: 'P1', type: 'feature'});

  em.advanceClock(2000);
  em.ui.editIssue('acme/app', issue.number, {title: 'Login form: edited on GitHub'});
  em.ui.closeIssue('acme/app', issue.number);
  for (const p of [a, b]) {
    await p.run(['sync', '--json']);
    const row = (await p.run(['show', id, '--json'])).json<Record<string, unknown>>();
    t.like((row.issue ?? row) as object, {title: 'Login form: edited on GitHub', status: 'closed'});
  }
  // quiet afterwards: nothing to push or pull, nothing new on GitHub
  const quiet = (await a.run(['sync', '--json'])).json<{pushed: number; pulled: number}>();
  t.is(quiet.pushed, 0);
  t.is(em.issues('acme/app').length, 1);

  const status = (await a.run(['sync', '--status', '--json']));
  t.false(status.stdout.includes(em.token));
  t.like(status.json<{remote: {identity: string; authenticated: boolean}}>().remote, {identity: 'octocat', authenticated: true});
});

test('td sync with no token names the three sources and exits 1', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = project(em.url, '');
  await a.run(['create', 'A task that will not sync yet']);
  const r = await a.exec(['sync', '--json']);
  t.is(r.code, 1);
  const out = r.stdout + r.stderr;
  t.regex(out, /GITHUB_TOKEN/);
  t.regex(out, /GH_TOKEN/);
  t.regex(out, /gh auth/);
});

test('kill -9 of td between "issue created on GitHub" and "created recorded": no duplicate after the next sync', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = project(em.url, em.token);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await a.run(['create', `Task number ${i} to mirror`, '--json'])).json<{id: string}>().id);
  await a.run(['log', ids[0]!, 'a log line']);
  // GitHub applies the creations, then holds its answer; td is killed while it waits.
  em.faults.inject({kind: 'timeout', match: 'createIssue', delayMs: 20_000});
  const {spawn} = await import('node:child_process');
  const {TD_BIN} = await import('../helpers/td.js');
  const child = spawn(process.execPath, [TD_BIN, 'sync', '--json'], {cwd: a.dir, env: a.env, stdio: 'ignore'});
  const exited = new Promise((r) => child.on('exit', r));
  for (let i = 0; i < 400 && em.issues('acme/app').length < 3; i++) await new Promise((r) => setTimeout(r, 50));
  t.is(em.issues('acme/app').length, 3, 'GitHub created the issues');
  child.kill('SIGKILL');
  await exited;
  em.faults.clear();
  const r = (await a.run(['sync', '--json'])).json<{pending: number; pushed: number}>();
  t.is(r.pending, 0);
  const issues = em.issues('acme/app');
  t.is(issues.length, 3, 'no duplicate issue');
  t.is(issues.reduce((n, i) => n + i.comments.length, 0), 1, 'the log was posted once');
  t.deepEqual(issues.map((i) => /<!-- td:begin (td-[0-9a-f]+)/.exec(i.body)?.[1]).sort(), [...ids].sort());
});

test('two td projects edit one task through GitHub: different fields merge, the same field ends equal; deps and epics travel', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = project(em.url, em.token);
  const b = project(em.url, em.token);
  const epic = (await a.run(['create', 'An epic for the login work', '--type', 'epic', '--json'])).json<{id: string}>().id;
  const id = (await a.run(['create', 'Shared task between projects', '--parent', epic, '--json'])).json<{id: string}>().id;
  const dep = (await a.run(['create', 'Prerequisite task for the other', '--json'])).json<{id: string}>().id;
  await a.run(['update', id, '--depends-on', dep]);
  await a.run(['sync', '--json']);
  await b.run(['sync', '--json']);
  // concurrent edits: different fields, then the same field
  await a.run(['update', id, '--priority', 'P0']);
  await b.run(['update', id, '--points', '8']);
  await a.run(['update', id, '--title', 'Title from A']);
  em.advanceClock(2000);
  await b.run(['update', id, '--title', 'Title from B']);
  for (const p of [a, b, a, b]) await p.run(['sync', '--json']);
  const show = async (p: typeof a) => {
    const r = (await p.run(['show', id, '--json'])).json<Record<string, any>>();
    return (r.issue ?? r) as Record<string, unknown>;
  };
  const ra = await show(a);
  const rb = await show(b);
  for (const k of ['title', 'priority', 'points', 'parent_id', 'status', 'description']) t.deepEqual(ra[k], rb[k], k);
  t.is(ra.priority, 'P0');
  t.is(ra.points, 8);
  t.is(ra.parent_id, epic);
  const gh = em.issues('acme/app').find((i) => i.body.includes(`<!-- td:begin ${id} -->`))!;
  t.is(gh.title, ra.title as string, 'GitHub shows the same title td ended with');
  t.is(gh.parentNumber, em.issues('acme/app').find((i) => i.body.includes(`<!-- td:begin ${epic} -->`))!.number);
  const depsB = await b.exec(['dep', 'list', id, '--json']);
  t.true(depsB.stdout.includes(dep) || (await b.exec(['show', id, '--json'])).stdout.includes(dep), 'B knows the dependency');
});

test('td sync init --backend github --set ... checks access and writes config without the token', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const p = newProject({GITHUB_TOKEN: em.token});
  mkdirSync(join(p.dir, 'node_modules'), {recursive: true});
  symlinkSync(join(REPO, 'packages/td-sync-backend-github'), join(p.dir, 'node_modules/td-sync-backend-github'), 'dir');
  const bad = await tdAsync(p.dir, ['sync', 'init', '--backend', 'github', '--set', 'repo=acme/missing', '--set', `baseUrl=${em.url}`, '--yes', '--json'], p.env);
  t.is(bad.code, 1);
  t.regex(bad.stdout + bad.stderr, /not found/);
  const ok = await tdAsync(p.dir, ['sync', 'init', '--backend', 'github', '--set', 'repo=acme/app', '--set', `baseUrl=${em.url}`, '--set', 'import=all', '--yes', '--json'], p.env);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  const {readFileSync} = await import('node:fs');
  const rc = readFileSync(join(p.dir, '.tdrc.json'), 'utf8');
  t.false(rc.includes(em.token));
  const config = JSON.parse(rc) as {sync: {backend: string; github: Record<string, unknown>}};
  t.is(config.sync.backend, 'github');
  t.like(config.sync.github, {repo: 'acme/app', baseUrl: em.url, import: 'all'});
});
