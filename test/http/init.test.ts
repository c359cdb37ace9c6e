/**
 * `td sync init --backend http`: the questions (server URL, then a project, listing the user's
 * projects), finalize (create or link), through the library and through the built td.
 */
import test from 'ava';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {isSyncError, type InitContext, type SyncError} from 'td-sync-sdk';
import {createTestContext} from 'td-sync-sdk/testkit';
import httpBackend from 'td-sync-backend-http';
import {tdAsync} from '../helpers/td.js';
import {newProject} from './project.js';
import {server} from './helpers.js';

function initContext(env: Record<string, string>, existing: Record<string, unknown> = {}, projectRoot = '/work/team-app'): InitContext & {logs: ReturnType<typeof createTestContext>['logs']} {
  const tc = createTestContext({env});
  return {projectRoot, existing, credentials: tc.context.credentials, logger: tc.context.logger, logs: tc.logs};
}

async function failure(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (e) {
    if (isSyncError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

test('questions: the URL, then the project, listing the projects of a known server', async (t) => {
  const s = await server(t);
  const ctx = initContext({TD_AUTH_KEY: s.adminKey}, {url: s.url});
  const qs = await httpBackend.init!.questions(ctx);
  t.deepEqual(qs.map((q) => q.name), ['url', 'projectId']);
  t.is(qs[0].default, s.url);
  t.is(qs[0].validate!('ftp://x') !== undefined, true);
  t.true(qs[1].message.includes(s.projectId), 'the admin project is listed');
  t.is(qs[1].type, 'text');
  t.is(qs[1].default, s.projectId, 'a single project is the default');
});

test('questions never send the key to a server nobody named (the bare localhost default)', async (t) => {
  const s = await server(t);
  const saved = process.env.TD_SYNC_URL;
  delete process.env.TD_SYNC_URL;
  const savedCfg = process.env.TD_CONFIG_DIR;
  process.env.TD_CONFIG_DIR = '/nonexistent-td-config';
  try {
    const qs = await httpBackend.init!.questions(initContext({TD_AUTH_KEY: s.adminKey}));
    t.is(qs[0].default, 'http://localhost:8080');
    t.is(qs[1].default, 'new');
  } finally {
    if (saved !== undefined) process.env.TD_SYNC_URL = saved;
    if (savedCfg === undefined) delete process.env.TD_CONFIG_DIR;
    else process.env.TD_CONFIG_DIR = savedCfg;
  }
  // The server the logged-in key belongs to (auth.json server_url) is a known server.
  const ctx = initContext({});
  await ctx.credentials.writeFile('auth.json', {api_key: s.adminKey, server_url: s.url, device_id: 'ab'.repeat(16)});
  const qs2 = await httpBackend.init!.questions(ctx);
  t.is(qs2[0].default, s.url);
  t.true(qs2[1].message.includes(s.projectId));
});

test('finalize: "new:<name>" creates a project, "new" names it after the folder, an id links after a membership check', async (t) => {
  const s = await server(t);
  const ctx = initContext({TD_AUTH_KEY: s.adminKey});
  const created = await httpBackend.init!.finalize!({url: `${s.url}/`, projectId: 'new:team board'}, ctx);
  t.is(created.url, s.url);
  t.regex(String(created.projectId), /^p_[0-9a-f]{16}$/);
  t.is(s.store.project(String(created.projectId))!.name, 'team board');
  const byFolder = await httpBackend.init!.finalize!({url: s.url, projectId: 'new'}, ctx);
  t.is(s.store.project(String(byFolder.projectId))!.name, 'team-app');
  t.deepEqual(await httpBackend.init!.finalize!({url: s.url, projectId: s.projectId}, ctx), {url: s.url, projectId: s.projectId});
  // The result is a valid config for the target.
  const cfg = httpBackend.validateConfig(created);
  t.is(httpBackend.remoteId(cfg), `${s.url}/${created.projectId}`);
});

test('finalize refuses without a key, and for a project the user is not a member of', async (t) => {
  const s = await server(t);
  const e1 = await failure(httpBackend.init!.finalize!({url: s.url, projectId: s.projectId}, initContext({})));
  t.is(e1.code, 'http_not_logged_in');
  t.regex(e1.hint ?? '', /td auth login/);
  const stranger = s.addUser('stranger@example.com');
  const e2 = await failure(httpBackend.init!.finalize!({url: s.url, projectId: s.projectId}, initContext({TD_AUTH_KEY: stranger.key})));
  t.is(e2.code, 'http_forbidden');
  const e3 = await failure(httpBackend.init!.finalize!({url: 'not a url', projectId: 'p'}, initContext({TD_AUTH_KEY: stranger.key})));
  t.is(e3.kind, 'config');
});

test('td sync init --backend http with flags creates a project; --interactive shows the list and links', async (t) => {
  const s = await server(t);
  const p = await newProject({TD_AUTH_KEY: s.adminKey});
  const r = await tdAsync(p.dir, ['sync', 'init', '--backend', 'http', '--set', `url=${s.url}`, '--set', 'projectId=new:from flags'], p.env);
  t.is(r.code, 0, r.stdout + r.stderr);
  const cfg = JSON.parse(readFileSync(join(p.dir, '.tdrc.json'), 'utf8'));
  t.is(cfg.sync.backend, 'http');
  t.is(s.store.project(cfg.sync.http.projectId)!.name, 'from flags');
  t.is(cfg.sync.http.url, s.url);

  const q = await newProject({TD_AUTH_KEY: s.adminKey, TD_SYNC_URL: s.url});
  const i = await tdAsync(q.dir, ['sync', 'init', '--backend', 'http', '--interactive'], q.env, `\n${cfg.sync.http.projectId}\n`);
  t.is(i.code, 0, i.stdout + i.stderr);
  t.true(i.stdout.includes(s.projectId) && i.stdout.includes(cfg.sync.http.projectId), 'both projects were listed');
  t.is(JSON.parse(readFileSync(join(q.dir, '.tdrc.json'), 'utf8')).sync.http.projectId, cfg.sync.http.projectId);
});
