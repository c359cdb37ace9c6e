/** `td sync`, `td sync status`, `td sync conflicts` through the built binary: errors and status. */
import test from 'ava';
import {join} from 'node:path';
import {pluginModule, writeBackendPackage, writeFile} from '../plugins/packages.js';
import {syncProject} from './helpers.js';

test('no backend configured: td sync says how to configure one', (t) => {
  const p = syncProject();
  const r = p.run(['sync', '--json']);
  t.is(r.code, 1);
  t.is(r.json().error.code, 'sync_not_configured');
  t.regex(r.json().error.hint, /td sync init/);
});

test('an unknown backend lists what is installed and how to install it', (t) => {
  const p = syncProject();
  p.config({sync: {backend: 'jira'}});
  writeBackendPackage(p.dir, 'td-sync-backend-mine');
  const r = p.run(['sync']);
  t.is(r.code, 1);
  t.regex(r.stderr, /sync backend "jira" not found/);
  t.regex(r.stderr, /dir \(td-sync-backend-dir, core\)/);
  t.regex(r.stderr, /mine \(td-sync-backend-mine, node_modules\)/);
  t.regex(r.stderr, /td plugins install td-sync-backend-jira/);
  const j = p.run(['sync', '--json', '--backend', '@acme/jira']).json();
  t.is(j.error.code, 'backend_not_found');
  t.regex(j.error.message, /@acme\/td-sync-backend-jira/);
});

test('an invalid backend package in node_modules is named with its problems', (t) => {
  const p = syncProject();
  p.config({sync: {backend: 'broken'}});
  writeBackendPackage(p.dir, 'td-sync-backend-broken', {moduleText: 'export default {apiVersion: 1, name: "broken"};\n'});
  const r = p.run(['sync', '--json']);
  t.is(r.code, 1);
  const e = r.json().error;
  t.is(e.code, 'backend_invalid');
  t.regex(e.message, /td-sync-backend-broken/);
  t.regex(e.message, /displayName must be a non-empty string/);
  t.deepEqual(e.details.problems.length, 4);
});

test('a plugin that throws while applying: sync fails cleanly, nothing is marked synced', (t) => {
  const p = syncProject();
  p.create('first task', 'second task');
  p.config({sync: {backend: 'ok'}, plugins: ['./plugins/bad.mjs']});
  writeBackendPackage(p.dir, 'td-sync-backend-ok');
  writeFile(join(p.dir, 'plugins/bad.mjs'), pluginModule('bad', "throw new Error('plugin setup failed');"));
  const r = p.run(['sync', '--json']);
  t.is(r.code, 1);
  t.is(r.json().error.code, 'plugin_failed');
  t.regex(r.json().error.message, /bad\.mjs.*plugin setup failed/);
  t.deepEqual(p.query('SELECT * FROM td_sync_acks'), []);
  t.deepEqual(p.query('SELECT * FROM td_sync_targets'), []);
  t.is(p.query<{n: number}>('SELECT count(*) AS n FROM action_log WHERE synced_at IS NOT NULL')[0]!.n, 0);
});

test('td sync status never fails and reports what it can', (t) => {
  const p = syncProject();
  const none = p.run(['sync', 'status', '--json']);
  t.is(none.code, 0);
  t.is(none.json().configured, false);
  t.true(none.json().notes.some((n: string) => /td sync init/.test(n)));

  p.config({sync: {backend: 'ghost'}});
  const ghost = p.run(['sync', 'status']);
  t.is(ghost.code, 0);
  t.regex(ghost.stdout, /note: backend: sync backend "ghost" not found/);

  p.config({sync: {backend: 'ok', ok: {remote: 'r1'}}});
  writeBackendPackage(p.dir, 'td-sync-backend-ok');
  const ok = p.run(['sync', 'status', '--json']);
  t.is(ok.code, 0, ok.stderr);
  const s = ok.json();
  t.is(s.target, 'ok:r1');
  t.is(s.package, 'td-sync-backend-ok');
  t.is(s.source, 'node_modules');
  t.is(s.cursor, null);
  t.is(s.conflicts, 0);
  t.deepEqual(s.remote, {reachable: true, authenticated: true, identity: 'tester', remote: 'test://r1'});
  const text = p.run(['sync', 'status']).stdout;
  t.regex(text, /Target \.+ ok:r1/);
  t.regex(text, /Authenticated \.+ yes \(tester\)/);
});

test('status outside a td project still answers', (t) => {
  const p = syncProject();
  const r = p.run(['sync', 'status', '--json', '-w', join(p.dir, 'nowhere')]);
  t.is(r.code, 0);
  t.true(r.json().notes.some((n: string) => /database/.test(n)));
});

test('secrets never reach the output: a backend echoing a token in status or errors', (t) => {
  const token = 'ghp_' + 'S3cr3tT0k3n'.repeat(4);
  const p = syncProject({GITHUB_TOKEN: token});
  p.config({sync: {backend: 'leaky'}});
  writeBackendPackage(p.dir, 'td-sync-backend-leaky', {
    moduleText: `export default {apiVersion: 1, name: 'leaky', displayName: 'Leaky', validateConfig: (r) => r, remoteId: () => 'x',
      create(config, context) {
        const t = context.credentials.env('GITHUB_TOKEN');
        return {capabilities: {entityTypes: 'all', bidirectional: true, echoesOwnEvents: false, maxPushBatch: 10, maxPullPage: 10},
          async push() { throw new Error('push failed with token ' + t); },
          async pull() { throw new Error('pull failed with token ' + t); },
          async status() { return {reachable: true, authenticated: true, identity: 'me ' + t, remote: 'x'}; }};
      }};\n`,
  });
  const status = p.run(['sync', 'status', '--json']);
  t.is(status.code, 0);
  t.false(status.stdout.includes(token) || status.stderr.includes(token));
  t.regex(status.stdout, /\[REDACTED\]/);
  const s2 = p.run(['sync', '--status']);
  t.false(s2.stdout.includes(token) || s2.stderr.includes(token));
});

test('td sync conflicts: empty list, limits, durations', (t) => {
  const p = syncProject();
  const r = p.run(['sync', 'conflicts']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /No sync conflicts found\./);
  t.deepEqual(p.run(['sync', 'conflicts', '--json']).json(), []);
  const tooMany = p.run(['sync', 'conflicts', '--limit', '1001']);
  t.is(tooMany.code, 1);
  t.regex(tooMany.stderr, /limit must be between 1 and 1000/);
  t.is(p.run(['sync', 'conflicts', '--limit', '0']).code, 1);
  t.is(p.run(['sync', 'conflicts', '--since', '1h30m']).code, 0);
  const badSince = p.run(['sync', 'conflicts', '--since', 'yesterday']);
  t.is(badSince.code, 1);
  t.regex(badSince.stderr, /invalid --since/);
});

test('td sync --status cannot be combined with --push', (t) => {
  const p = syncProject();
  const r = p.run(['sync', '--status', '--push']);
  t.not(r.code, 0);
  t.regex(r.stderr + r.stdout, /cannot also be provided when using --status/);
});
