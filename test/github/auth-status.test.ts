import test from 'ava';
import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {isSyncError} from 'td-sync-sdk';
import backend, {resolveToken, validateConfig} from '../../packages/td-sync-backend-github/src/index.js';
import {ghAuthToken} from '../../packages/td-sync-backend-github/src/auth.js';
import {testContext} from '../../packages/td-sync-backend-github/test/context.js';
import {Project, emulator, fastConfig} from './harness.js';

test('no token anywhere: an AuthError naming the three sources', async (t) => {
  const ctx = testContext({env: {}});
  const err = await t.throwsAsync(resolveToken(ctx.credentials, 'https://api.github.com', async () => undefined));
  t.true(isSyncError(err) && err.kind === 'auth' && err.code === 'github_token_missing');
  t.regex(err!.message, /GITHUB_TOKEN/);
  t.regex(err!.message, /GH_TOKEN/);
  t.regex(err!.message, /gh auth token/);
});

test('token order: GITHUB_TOKEN, then GH_TOKEN, then gh; each is registered for redaction', async (t) => {
  const both = testContext({env: {GITHUB_TOKEN: 'ghp_first', GH_TOKEN: 'ghp_second'}});
  t.like(await resolveToken(both.credentials, 'https://api.github.com', async () => 'gho_third'), {token: 'ghp_first', source: 'GITHUB_TOKEN'});
  t.deepEqual(both.secrets, ['ghp_first']);
  const gh = testContext({env: {GH_TOKEN: ''}});
  t.like(await resolveToken(gh.credentials, 'https://ghe.example/api/v3', async (host) => (host === 'ghe.example' ? 'gho_third' : undefined)), {token: 'gho_third', source: 'gh auth token'});
  t.deepEqual(gh.secrets, ['gho_third']);
});

test('gh auth token runs the real gh CLI when it is on PATH, and is skipped when it is not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-gh-'));
  const script = join(dir, 'gh');
  writeFileSync(script, '#!/bin/sh\nif [ "$1 $2" = "auth token" ]; then echo gho_from_cli; else exit 1; fi\n');
  chmodSync(script, 0o755);
  t.is(await ghAuthToken('github.com', {...process.env, PATH: dir}), 'gho_from_cli');
  t.is(await ghAuthToken('github.com', {...process.env, PATH: mkdtempSync(join(tmpdir(), 'no-gh-'))}), undefined);
});

test('an under-scoped classic token: AuthError naming the missing scope, token never shown', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  em.addToken('ghp_readonly_0123456789', {scopes: ['read:user'], login: 'octocat'});
  const p = new Project(em, 'A', fastConfig(em), 'ghp_readonly_0123456789');
  p.createIssue({title: 'x'});
  const err = await t.throwsAsync(p.push());
  t.true(isSyncError(err) && err.kind === 'auth' && err.code === 'github_token_scope', String(err));
  t.regex(err!.message, /"repo" scope/);
  t.false(JSON.stringify({m: err!.message, d: (err as {details?: unknown}).details, h: (err as {hint?: string}).hint}).includes('ghp_readonly_0123456789'));
  t.true(p.ctx.secrets.includes('ghp_readonly_0123456789'));
  t.false(p.ctx.logs.some((l) => l.message.includes('ghp_readonly')));
});

test('a fine-grained token with issues:read only: AuthError naming issues:write', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  em.addToken('github_pat_readonly', {login: 'octocat', permissions: {issues: 'read'}});
  const p = new Project(em, 'A', fastConfig(em), 'github_pat_readonly');
  p.createIssue({title: 'x'});
  const err = await t.throwsAsync(p.push());
  t.true(isSyncError(err) && err.kind === 'auth', String(err));
  t.regex(err!.message, /Issues: (read and )?write/);
  t.is(em.issues('acme/app').length, 0);
});

test('a bad token: AuthError 401', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const p = new Project(em, 'A', fastConfig(em), 'ghp_wrong');
  const err = await t.throwsAsync(p.pull());
  t.true(isSyncError(err) && err.code === 'github_token_invalid');
});

test('status: viewer login, repo reachable, token scopes, rate limit', async (t) => {
  const em = await emulator({login: 'octocat'});
  t.teardown(() => em.close());
  const ctx = testContext({env: {GITHUB_TOKEN: em.token}});
  const b = backend.create(validateConfig(fastConfig(em)), ctx);
  const s = await (await b).status();
  t.true(s.reachable);
  t.true(s.authenticated);
  t.is(s.identity, 'octocat');
  t.is(s.remote, `${new URL(em.url).host}/acme/app`);
  t.true(typeof s.rateLimit?.remaining === 'number' && s.rateLimit.remaining > 0);
  t.truthy(s.rateLimit?.resetAt);
  t.like(s.details, {repoReachable: true, tokenSource: 'GITHUB_TOKEN', tokenScopes: ['repo']});
  t.false(JSON.stringify(s).includes(em.token));
  const missing = await backend.create(validateConfig(fastConfig(em, {repo: 'acme/nope'})), testContext({env: {GITHUB_TOKEN: em.token}}));
  const s2 = await missing.status();
  t.false(s2.details?.repoReachable as boolean);
  const noToken = await backend.create(validateConfig(fastConfig(em)), testContext({env: {}}));
  // gh is not installed in the test environment (or not logged in to the emulator host)
  const s3 = await noToken.status();
  t.false(s3.authenticated);
});

test('no-op pull costs exactly one request', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  for (let i = 0; i < 10; i++) a.log(a.createIssue({title: `t${i}`}).id as string, 'hello');
  await a.sync();
  await a.pull();
  const before = em.requestLog.length;
  const events = await a.pull();
  t.deepEqual(events, []);
  t.is(em.requestLog.length - before, 1);
  t.is(em.requestLog.at(-1)!.cost, 1);
});
