/**
 * Security: distinctive test tokens never appear in config files, logs, error messages or --json
 * output (every output of a representative set of commands — succeeding and failing, plus a backend
 * that puts the token in its error — and every file under the project and HOME are searched);
 * credential files are 0600; backends load only from td's plugins and the project's node_modules,
 * not from an unrelated folder or HOME; and a project config that points a backend at another host
 * does not silently carry the user's token there.
 */
import test, {type ExecutionContext} from 'ava';
import {createServer} from 'node:http';
import {lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {writeBackendPackage} from '../plugins/packages.js';
import {bareProject, count, githubRemote, httpRemote, makeProj, syncJson, type Proj} from './lib.js';
import type {TdResult} from '../helpers/td.js';
import {tempDir} from '../helpers/td.js';

const GH_SECRET = 'ghp_RELIABILITYsecretTOKEN0123456789abcd';
const GH_WRONG = 'ghp_WRONGreliabilityTOKEN9876543210zyxw';
const ECHO_SECRET = 'td_echo_RELIABILITY_secret_5555';

/** Every regular file under `root` (symlinks not followed: node_modules links point into the repo). */
function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) out.push(path);
    }
  };
  walk(root);
  return out;
}

function noLeak(t: ExecutionContext, tokens: string[], outputs: Array<{label: string; r: TdResult}>, roots: string[]): void {
  for (const {label, r} of outputs) {
    for (const token of tokens) {
      t.false(r.stdout.includes(token), `${label}: token on stdout`);
      t.false(r.stderr.includes(token), `${label}: token on stderr`);
    }
  }
  let files = 0;
  for (const root of roots) {
    for (const file of filesUnder(root)) {
      files++;
      const bytes = readFileSync(file);
      for (const token of tokens) t.false(bytes.includes(token), `token found in ${file}`);
    }
  }
  t.true(files > 0);
  t.log(`${outputs.length} command outputs and ${files} files searched`);
}

test('github: tokens never reach output, --json, config, logs or any file under the project and HOME', async (t) => {
  const remote = await githubRemote();
  t.teardown(() => remote.close());
  const em = remote.em!;
  em.addToken(GH_SECRET);
  const p = await remote.project('A', {GITHUB_TOKEN: GH_SECRET, TD_LOG_LEVEL: 'debug'});
  const outputs: Array<{label: string; r: TdResult}> = [];
  const run = async (label: string, args: string[], env?: NodeJS.ProcessEnv) => {
    const r = await p.exec(args, env);
    outputs.push({label, r});
    return r;
  };
  await run('create', ['create', 'A task synced with a distinctive token']);
  t.is((await run('sync --json', ['sync', '--json'])).code, 0);
  await run('sync', ['sync']);
  await run('sync --status --json', ['sync', '--status', '--json']);
  await run('sync --dry-run --json', ['sync', '--dry-run', '--json']);
  await run('sync status', ['sync', 'status']);
  await run('config list --json', ['config', 'list', '--json']);
  await run('doctor --json', ['doctor', '--json']);
  await run('sync init', ['sync', 'init', '--backend', 'github', '--set', 'repo=acme/app', '--set', `baseUrl=${em.url}`, '--yes', '--json']);
  const wrong = await run('sync with a rejected token', ['sync', '--json'], {...p.env, GITHUB_TOKEN: GH_WRONG});
  t.is(wrong.code, 1);
  const unreachable = await run('sync to a closed port', ['sync', '--json', '--backend', 'github'], {...p.env, GITHUB_TOKEN: GH_WRONG, TD_LOG_LEVEL: 'debug'});
  t.not(unreachable.code, 0);
  const setToken = await run('config set of a token', ['config', 'set', 'sync.github.token', GH_SECRET, '--json']);
  t.is(setToken.code, 1, 'a token is refused as a config value');
  noLeak(t, [GH_SECRET, GH_WRONG], outputs, [p.dir, p.env.HOME!]);
});

test('http: TD_AUTH_KEY never reaches output, --json, config, logs or files, succeeding or failing', async (t) => {
  const remote = await httpRemote();
  t.teardown(() => remote.close());
  const s = remote.server!;
  const p = await remote.project('A', {TD_LOG_LEVEL: 'debug'});
  const outputs: Array<{label: string; r: TdResult}> = [];
  const run = async (label: string, args: string[], env?: NodeJS.ProcessEnv) => {
    const r = await p.exec(args, env);
    outputs.push({label, r});
    return r;
  };
  await run('create', ['create', 'A task synced with the admin key']);
  t.is((await run('sync --json', ['sync', '--json'])).code, 0);
  await run('sync --status --json', ['sync', '--status', '--json']);
  await run('auth status', ['auth', 'status']);
  await run('auth status --json', ['auth', 'status', '--json']);
  await run('config list', ['config', 'list']);
  const bad = await run('sync with a revoked key', ['sync', '--json'], {...p.env, TD_AUTH_KEY: 'td_revoked_RELIABILITY_key_4444'});
  t.is(bad.code, 1);
  s.faults.add({kind: 'status', status: 500, times: 10});
  await run('sync during a server error', ['sync', '--json']);
  s.faults.clear();
  noLeak(t, [s.adminKey, 'td_revoked_RELIABILITY_key_4444'], outputs, [p.dir, p.env.HOME!]);
});

test('a backend that puts the token it was given into its error message: td prints it redacted', async (t) => {
  const p = await bareProject('E', {TD_ECHO_SECRET: ECHO_SECRET, GITHUB_TOKEN: GH_SECRET});
  writeBackendPackage(p.dir, 'td-sync-backend-echo', {
    moduleText: `export default {apiVersion: 1, name: 'echo', displayName: 'Echo', description: 'leaks tokens', validateConfig: (r) => ({...r}), remoteId: () => 'x',
      create(config, context) { return {
        capabilities: {entityTypes: 'all', bidirectional: true, echoesOwnEvents: false, maxPushBatch: 100, maxPullPage: 100},
        async push() {
          const mine = context.credentials.env('TD_ECHO_SECRET');
          throw new Error('auth failed for token ' + mine + ' (and GITHUB_TOKEN ' + process.env.GITHUB_TOKEN + ')');
        },
        async pull() { return {events: [], cursor: null, hasMore: false}; },
        async status() { context.logger.warn('status sees ' + context.credentials.env('TD_ECHO_SECRET')); return {reachable: true, authenticated: false, identity: 'x', remote: 'x'}; } }; }};`,
  });
  writeFileSync(join(p.dir, '.tdrc.json'), JSON.stringify({sync: {backend: 'echo'}}));
  await p.run(['create', 'A task for the leaky backend']);
  const outputs = [
    {label: 'sync --json', r: await p.exec(['sync', '--json'])},
    {label: 'sync', r: await p.exec(['sync'])},
    {label: 'sync --status', r: await p.exec(['sync', '--status'])},
  ];
  t.is(outputs[0]!.r.code, 1);
  t.regex(outputs[0]!.r.stdout, /auth failed for token/, 'the error itself is shown');
  noLeak(t, [ECHO_SECRET, GH_SECRET], outputs, [p.dir, p.env.HOME!]);
});

test('credential files written through the credential store are 0600 in a folder closed to others', async (t) => {
  {
    // The credential store itself, as a backend would use it.
    const q = await bareProject('Q');
    writeBackendPackage(q.dir, 'td-sync-backend-keeper', {
      moduleText: `export default {apiVersion: 1, name: 'keeper', displayName: 'Keeper', description: 'stores a credential', validateConfig: (r) => ({...r}), remoteId: () => 'x',
        create(config, context) { return {
          capabilities: {entityTypes: 'all', bidirectional: true, echoesOwnEvents: false, maxPushBatch: 100, maxPullPage: 100},
          async push(events) { await context.credentials.writeFile('keeper.json', {token: 'kept_secret_value_123'}); return {acks: events.map((e) => ({clientActionId: e.clientActionId})), rejections: []}; },
          async pull() { return {events: [], cursor: null, hasMore: false}; },
          async status() { return {reachable: true, authenticated: true, identity: 'x', remote: 'x'}; } }; }};`,
    });
    writeFileSync(join(q.dir, '.tdrc.json'), JSON.stringify({sync: {backend: 'keeper'}}));
    await q.run(['create', 'A task so that push runs']);
    const res = await syncJson(q);
    t.is(res.code, 0, res.raw.stdout + res.raw.stderr);
    const kept = filesUnder(q.env.HOME!).filter((f) => f.endsWith('keeper.json'));
    t.is(kept.length, 1, 'the credential file was written under HOME');
    t.is(statSync(kept[0]!).mode & 0o777, 0o600, `${kept[0]} is 0600`);
    t.is(statSync(join(kept[0]!, '..')).mode & 0o077, 0, 'its folder is not readable by others');
  }
});

test('a backend package in an unrelated folder or in HOME/node_modules is not loaded', async (t) => {
  const p = await bareProject('P');
  const elsewhere = tempDir('td-rel-elsewhere-');
  const marker = join(elsewhere, 'LOADED');
  const evil = {moduleText: `import {writeFileSync} from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x'); export default {apiVersion: 1, name: 'evil', displayName: 'Evil', description: 'x', validateConfig: (r) => r, remoteId: () => 'x', create() { throw new Error('evil create'); }};`};
  writeBackendPackage(elsewhere, 'td-sync-backend-evil', evil);
  writeBackendPackage(p.env.HOME!, 'td-sync-backend-evil', evil);
  writeFileSync(join(p.dir, '.tdrc.json'), JSON.stringify({sync: {backend: 'evil'}}));
  await p.run(['create', 'A task that stays local']);
  const r = await syncJson(p);
  t.is(r.code, 1);
  t.regex(r.raw.stdout, /not found/);
  // Also when td runs from inside the unrelated folder, pointed at the project with -w.
  const fromThere = await makeProj(elsewhere, p.env, 'W').exec(['sync', '--json', '-w', p.dir]);
  t.is(fromThere.code, 1, fromThere.stdout);
  t.throws(() => statSync(marker), undefined, 'the evil module was never imported');
});

/** A listener that records every Authorization header it sees. */
async function recorder(t: ExecutionContext): Promise<{url: string; auth: string[]}> {
  const auth: string[] = [];
  const server = createServer((req, res) => {
    if (req.headers.authorization) auth.push(req.headers.authorization);
    req.resume();
    req.on('end', () => {
      res.writeHead(401, {'content-type': 'application/json'});
      res.end(JSON.stringify({message: 'Bad credentials', error: {code: 'unauthorized', message: 'nope'}}));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth};
}

test('a project .tdrc.json pointing sync.github.baseUrl at another host: the user is warned before the token goes there', async (t) => {
  const rec = await recorder(t);
  const p: Proj = await bareProject('G', {GITHUB_TOKEN: GH_SECRET});
  mkdirSync(join(p.dir, 'node_modules'), {recursive: true});
  const {linkGithubBackend} = await import('./lib.js');
  try {
    linkGithubBackend(p.dir);
  } catch {
    /* already there */
  }
  writeFileSync(join(p.dir, '.tdrc.json'), JSON.stringify({sync: {backend: 'github', github: {repo: 'acme/app', baseUrl: rec.url, maxWaitSeconds: 0}}}));
  await p.run(['create', 'A task in a cloned repository']);
  const r = await syncJson(p);
  const sent = rec.auth.some((a) => a.includes(GH_SECRET));
  if (sent) t.regex(r.raw.stderr, new RegExp(`127\\.0\\.0\\.1:${new URL(rec.url).port}`), 'the warning names the host the token went to');
  if (sent) t.regex(r.raw.stderr, /GITHUB_TOKEN/, 'and which token');
  t.false(r.raw.stdout.includes(GH_SECRET));
  t.false(r.raw.stderr.includes(GH_SECRET));
});

test('a project .tdrc.json pointing sync.http.url at another host: the key saved by td auth login for its server is not sent there', async (t) => {
  const rec = await recorder(t);
  const p = await bareProject('H');
  const savedKey = 'td_saved_RELIABILITY_key_for_real_server_77';
  const cfg = join(p.env.XDG_CONFIG_HOME!, 'td');
  mkdirSync(cfg, {recursive: true, mode: 0o700});
  writeFileSync(join(cfg, 'auth.json'), JSON.stringify({api_key: savedKey, user_id: 'u1', email: 'me@example.com', server_url: 'https://sync.example.com', device_id: 'd'.repeat(32), expires_at: '2099-01-01T00:00:00Z'}), {mode: 0o600});
  writeFileSync(join(p.dir, '.tdrc.json'), JSON.stringify({sync: {backend: 'http', http: {url: rec.url, projectId: 'p1', maxRetries: 0}}}));
  await p.run(['create', 'A task in a cloned repository']);
  const r = await syncJson(p);
  t.false(rec.auth.some((a) => a.includes(savedKey)), 'the saved key did not go to the other host');
  t.is(r.code, 1, 'the user must act');
  t.regex(r.raw.stdout + r.raw.stderr, /sync\.example\.com/, 'the message names the host the key belongs to');
  t.false((r.raw.stdout + r.raw.stderr).includes(savedKey));
});
