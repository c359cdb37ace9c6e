/**
 * `td sync` end to end through the built binary: two projects through the bundled `dir` backend,
 * the text and --json reports, --push/--pull/--dry-run/--backend, a plugin tap that throws, and a
 * backend that hits a rate limit.
 */
import test from 'ava';
import {mkdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {tempDir} from '../helpers/td.js';
import {pluginModule, writeBackendPackage, writeFile} from '../plugins/packages.js';
import {syncProject} from './helpers.js';

function pair() {
  const shared = join(tempDir('td-shared-'), 'tasks');
  mkdirSync(shared);
  const a = syncProject();
  const b = syncProject();
  for (const p of [a, b]) {
    const r = p.run(['sync', 'init', '--backend', 'dir', '--set', `path=${shared}`]);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  return {a, b, shared};
}

const titles = (p: ReturnType<typeof syncProject>) => p.query<{title: string}>('SELECT title FROM issues WHERE deleted_at IS NULL ORDER BY title').map((r) => r.title);

test('two projects sync through dir: text report, then --json', (t) => {
  const {a, b, shared} = pair();
  a.create('alpha task', 'beta task');
  const push = a.run(['sync']);
  t.is(push.code, 0, push.stderr);
  t.regex(push.stdout, /^Pushed \d+ events\.$/m);
  t.regex(push.stdout, /^Nothing to pull\.$/m);

  const pull = b.run(['sync', '--json']);
  t.is(pull.code, 0, pull.stdout + pull.stderr);
  const report = pull.json();
  t.is(report.target, `dir:${shared}`);
  t.is(report.backend, 'dir');
  t.true(report.pulled >= 2);
  t.is(report.applied, report.pulled);
  t.is(report.stopped, undefined);
  t.deepEqual(titles(b), ['alpha task', 'beta task']);

  const again = a.run(['sync']);
  t.regex(again.stdout, /Nothing to push\./);
  const status = a.run(['sync', 'status', '--json']).json();
  t.is(status.pendingEvents, 0);
  t.not(status.lastSyncAt, null);
  t.is(status.remote.reachable, true);
});

test('--push, --pull and --dry-run do only what they say', (t) => {
  const {a, b} = pair();
  a.create('one');
  b.create('two');
  const dry = a.run(['sync', '--dry-run', '--json']).json();
  t.true(dry.dryRun);
  t.true(dry.pushed > 0);
  const pendingBefore = a.run(['sync', 'status', '--json']).json().pendingEvents;
  t.true(pendingBefore > 0, 'a dry run marks nothing as synced');

  const pushOnly = a.run(['sync', '--push']);
  t.is(pushOnly.code, 0, pushOnly.stderr);
  t.regex(pushOnly.stdout, /Pushed/);
  t.notRegex(pushOnly.stdout, /pull/i);

  const pullOnly = b.run(['sync', '--pull']);
  t.is(pullOnly.code, 0, pullOnly.stderr);
  t.regex(pullOnly.stdout, /Pulled \d+ events \(\d+ applied\)\./);
  t.notRegex(pullOnly.stdout, /push/i);
  t.deepEqual(titles(b), ['one', 'two']);
  t.true(b.run(['sync', 'status', '--json']).json().pendingEvents > 0, "b's own task was not pushed");
});

test('--backend overrides the configured backend for one run', (t) => {
  const p = syncProject();
  p.create('only task');
  p.config({sync: {backend: 'missing-one', ok: {remote: 'elsewhere'}}});
  writeBackendPackage(p.dir, 'td-sync-backend-ok');
  t.is(p.run(['sync']).code, 1);
  const r = p.run(['sync', '--backend', 'ok', '--json']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(r.json().target, 'ok:elsewhere');
  t.true(r.json().pushed > 0);
});

test('a plugin tap that throws during sync fails the run cleanly; nothing is marked synced', (t) => {
  const p = syncProject();
  p.create('task one', 'task two');
  p.config({sync: {backend: 'ok'}, plugins: ['./plugins/throws.mjs']});
  writeBackendPackage(p.dir, 'td-sync-backend-ok');
  writeFile(join(p.dir, 'plugins/throws.mjs'), pluginModule('throws', "hooks.beforePush.tap('throws', () => { throw new Error('tap exploded'); });"));
  const r = p.run(['sync', '--json']);
  t.is(r.code, 1);
  t.is(r.json().error.code, 'plugin_failed');
  t.regex(r.json().error.message, /throws\.mjs \(beforePush tap "throws"\) failed: tap exploded/);
  t.deepEqual(p.query('SELECT * FROM td_sync_acks'), []);
  const status = p.run(['sync', 'status', '--json']).json();
  t.true(status.pendingEvents > 0);
});

test('a beforePush plugin that drops events is obeyed (they stay pending)', (t) => {
  const p = syncProject();
  p.create('keep me', 'drop me');
  p.config({sync: {backend: 'ok'}, plugins: ['./plugins/drop.mjs']});
  writeBackendPackage(p.dir, 'td-sync-backend-ok');
  writeFile(
    join(p.dir, 'plugins/drop.mjs'),
    pluginModule('drop', "hooks.beforePush.tap('drop', (events) => events.filter((e) => JSON.stringify(e.payload).indexOf('drop me') === -1));"),
  );
  const r = p.run(['sync', '--push', '--json']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.true(r.json().pushed >= 1);
  t.true(r.json().pending >= 1, 'the dropped event is still pending');
});

test('a rate-limited backend stops the run, says when to retry, and exits non-zero', (t) => {
  const p = syncProject();
  p.create('rate limited sync attempt');
  p.config({sync: {backend: 'slow'}});
  const retryAt = new Date(Date.now() + 10 * 60_000).toISOString();
  writeBackendPackage(p.dir, 'td-sync-backend-slow', {
    moduleText: `
const rateLimit = () => Object.assign(new Error('secondary rate limit hit'), {[Symbol.for('td-sync.error')]: true, kind: 'rate_limit', code: 'rate_limited', retryAt: new Date(${JSON.stringify(retryAt)}), details: {retryAt: ${JSON.stringify(retryAt)}}});
export default {apiVersion: 1, name: 'slow', displayName: 'Slow', validateConfig: (r) => r, remoteId: () => 'x',
  create() { return {capabilities: {entityTypes: 'all', bidirectional: true, echoesOwnEvents: false, maxPushBatch: 10, maxPullPage: 10},
    async push() { throw rateLimit(); }, async pull() { throw rateLimit(); }, async status() { return {reachable: true, authenticated: true, remote: 'x'}; }}; }};
`,
  });
  const r = p.run(['sync']);
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stderr, /rate limit/);
  t.regex(r.stderr, /retry after .*\(in (9|10) min\)/);
  const j = p.run(['sync', '--json']);
  t.is(j.code, 1);
  const out = j.json();
  const retry = out.stopped?.retryAt ?? out.error?.details?.retryAt;
  t.is(retry, retryAt);
  t.deepEqual(p.query('SELECT * FROM td_sync_acks'), []);
});

test('a conflicting edit is reported by td sync and listed by td sync conflicts', (t) => {
  const {a, b} = pair();
  a.create('shared task to edit');
  t.is(a.run(['sync']).code, 0);
  t.is(b.run(['sync']).code, 0);
  const id = b.query<{id: string}>('SELECT id FROM issues')[0]!.id;
  a.update(id, {title: 'edited on a'});
  b.update(id, {title: 'edited on b'});
  t.is(a.run(['sync']).code, 0);
  const r = b.run(['sync']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /Warning: \d+ conflict\(s\) resolved, both versions kept; see `td sync conflicts`/);
  const list = b.run(['sync', 'conflicts', '--json']).json() as Array<{entityType: string; entityId: string; local: unknown; remote: unknown}>;
  t.true(list.length >= 1);
  t.is(list[0]!.entityId, id);
  t.truthy(list[0]!.local);
  t.truthy(list[0]!.remote);
  const text = b.run(['sync', 'conflicts', '--since', '1h']).stdout;
  t.regex(text, /Recent sync conflicts:/);
  t.regex(text, new RegExp(id));
  t.is(b.run(['sync', 'status', '--json']).json().conflicts, list.length);
});

test('an onConflict plugin listed in the config decides the conflict (local wins)', (t) => {
  const {a, b} = pair();
  a.create('task both sides will edit');
  t.is(a.run(['sync']).code, 0);
  t.is(b.run(['sync']).code, 0);
  const id = b.query<{id: string}>('SELECT id FROM issues')[0]!.id;
  const cfg = JSON.parse(readFileSync(join(b.dir, '.tdrc.json'), 'utf8'));
  b.config({...cfg, plugins: [['./plugins/keep-local.mjs', {reason: 'b knows best'}]]});
  writeFile(
    join(b.dir, 'plugins/keep-local.mjs'),
    pluginModule('keep-local', "hooks.onConflict.tapPromise('keep-local', async () => ({winner: 'local', reason: context.options.reason}));"),
  );
  a.update(id, {title: 'title from a'});
  b.update(id, {title: 'title from b'});
  t.is(a.run(['sync']).code, 0);
  const r = b.run(['sync', '--json']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.true(r.json().conflicts >= 1);
  t.deepEqual(titles(b), ['title from b']);
  const conflicts = b.run(['sync', 'conflicts', '--json']).json() as Array<{resolution: string; resolvedBy: string}>;
  t.true(conflicts.length >= 1);
  t.notRegex(conflicts[0]!.resolvedBy, /^default$/, JSON.stringify(conflicts[0]));
});
