/** `td config get|set|list|unset` through the built binary, with an isolated HOME per test. */
import test from 'ava';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {isolatedEnv, td, tempDir} from '../helpers/td.js';

function project() {
  const dir = tempDir('td-cfgcli-');
  mkdirSync(join(dir, '.todos'));
  const env = isolatedEnv();
  return {dir, env, run: (...args: string[]) => td(dir, args, env)};
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

test("the seed's two commands write the project's .tdrc.json", (t) => {
  const p = project();
  const a = p.run('config', 'set', 'sync.backend', 'github');
  t.is(a.code, 0, a.stderr);
  t.regex(a.stderr, /not installed yet.*td plugins install td-sync-backend-github/, 'warns that github is not installed');
  const b = p.run('config', 'set', 'sync.github.repo', 'owner/repo');
  t.is(b.code, 0, b.stderr);
  t.deepEqual(readJson(join(p.dir, '.tdrc.json')), {sync: {backend: 'github', github: {repo: 'owner/repo'}}});
  t.is(p.run('config', 'get', 'sync.github.repo').stdout.trim(), 'owner/repo');
  t.false(existsSync(join(p.env.XDG_CONFIG_HOME!, 'td', 'config.json')), 'the user file is untouched');
});

test('set/get/unset/list round trip in the project, with --json', (t) => {
  const p = project();
  t.is(p.run('config', 'set', 'sync.dir.path', '../shared').code, 0);
  t.is(p.run('config', 'set', 'sync.dir.fsync', 'true').code, 0);
  t.is(p.run('config', 'set', 'sync.dir.batch', '50').code, 0);
  t.is(p.run('config', 'set', 'plugins', '["./p.mjs", ["redact", {"fields": ["title"]}]]').code, 0);
  t.is(p.run('config', 'set', '--string', 'sync.dir.label', '123').code, 0);
  const got = p.run('config', 'get', 'sync.dir.batch', '--json').json();
  t.deepEqual(got, {key: 'sync.dir.batch', value: 50, source: 'project', file: join(p.dir, '.tdrc.json')});
  t.is(p.run('config', 'get', 'sync.dir.fsync').stdout.trim(), 'true');
  t.is(p.run('config', 'get', 'sync.dir.label', '--json').json().value, '123');
  const list = p.run('config', 'list', '--json').json();
  t.deepEqual(list.config, {sync: {dir: {path: '../shared', fsync: true, batch: 50, label: '123'}}, plugins: ['./p.mjs', ['redact', {fields: ['title']}]]});
  t.regex(p.run('config', 'list').stdout, /^sync\.dir\.path=\.\.\/shared$/m);

  const un = p.run('config', 'unset', 'sync.dir.batch', '--json').json();
  t.is(un.action, 'unset');
  t.is(un.previous, 50);
  const missing = p.run('config', 'get', 'sync.dir.batch', '--json');
  t.is(missing.code, 1);
  t.is(missing.json().error.code, 'not_found');
  t.is(p.run('config', 'unset', 'sync.dir.batch', '--json').json().action, 'not_set', 'unset is idempotent');
  for (const k of ['sync.dir.path', 'sync.dir.fsync', 'sync.dir.label', 'plugins']) t.is(p.run('config', 'unset', k).code, 0);
  t.deepEqual(readJson(join(p.dir, '.tdrc.json')), {}, 'empty sections are pruned');
});

test('--global writes the user file and keeps td keys it does not know', (t) => {
  const p = project();
  const userFile = join(p.env.XDG_CONFIG_HOME!, 'td', 'config.json');
  mkdirSync(join(p.env.XDG_CONFIG_HOME!, 'td'), {recursive: true});
  writeFileSync(userFile, JSON.stringify({sync: {url: 'http://old', enabled: false, auto: {debounce: '5s'}}, feature_x: 1}));
  t.is(p.run('config', 'set', '--global', 'sync.backend', 'dir').code, 0);
  t.is(p.run('config', 'set', 'sync.auto.enabled', '0').code, 0, "td's own keys go to the user file");
  t.deepEqual(readJson(userFile), {sync: {url: 'http://old', enabled: false, auto: {debounce: '5s', enabled: false}, backend: 'dir'}, feature_x: 1});
  t.false(existsSync(join(p.dir, '.tdrc.json')));
  t.is(p.run('config', 'get', 'sync.backend').stdout.trim(), 'dir', 'the user file gives defaults');
  t.is(p.run('config', 'get', 'sync.auto.interval').stdout.trim(), '5m (default)');
  // the project overrides the user file
  t.is(p.run('config', 'set', 'sync.backend', 'http').code, 0);
  t.is(p.run('config', 'get', 'sync.backend').stdout.trim(), 'http');
  t.is(p.run('config', 'get', '--global', 'sync.backend').stdout.trim(), 'dir');
  t.is(p.run('config', 'unset', '--global', 'sync.backend').code, 0);
  t.is(readJson(userFile).sync.backend, undefined);
  t.is(p.run('config', 'set', 'sync.auto.debounce', 'soon').code, 1, 'td duration keys are checked');
});

test('JS, TS and YAML configs are not edited; package.json#td is', (t) => {
  for (const [file, text, kind] of [
    ['td.config.mjs', 'export default {sync: {backend: "dir"}};\n', /JavaScript config/],
    ['.tdrc.cjs', 'module.exports = {};\n', /JavaScript config/],
    ['.tdrc.yaml', 'sync:\n  backend: dir\n', /YAML config/],
  ] as const) {
    const p = project();
    writeFileSync(join(p.dir, file), text);
    const r = p.run('config', 'set', 'sync.backend', 'http', '--json');
    t.is(r.code, 1, file);
    t.is(r.json().error.code, 'config_not_editable');
    t.regex(r.json().error.message, kind);
    t.is(readFileSync(join(p.dir, file), 'utf8'), text, 'file unchanged');
    t.false(existsSync(join(p.dir, '.tdrc.json')), 'no shadowing .tdrc.json created');
  }
  const ts = project();
  writeFileSync(join(ts.dir, 'td.config.ts'), 'export default {};\n');
  const r = ts.run('config', 'set', 'sync.backend', 'http');
  t.is(r.code, 1);
  t.regex(r.stderr, /TypeScript config .* not supported/);

  const pkg = project();
  writeFileSync(join(pkg.dir, 'package.json'), JSON.stringify({name: 'app', version: '1.0.0', td: {sync: {backend: 'dir'}}}, null, 4));
  t.is(pkg.run('config', 'set', 'sync.dir.path', '/mnt/tasks').code, 0);
  const written = readFileSync(join(pkg.dir, 'package.json'), 'utf8');
  t.deepEqual(JSON.parse(written), {name: 'app', version: '1.0.0', td: {sync: {backend: 'dir', dir: {path: '/mnt/tasks'}}}});
  t.regex(written, /^ {4}"name"/m, 'indentation kept');
});

test('secrets are refused with a message saying where they go; nothing is written', (t) => {
  const p = project();
  const token = 'ghp_' + 'Z9'.repeat(18);
  for (const [key, value] of [
    ['sync.github.token', 'abc'],
    ['sync.http.api_key', 'abc'],
    ['sync.github.repo', token],
    ['sync.github', `{"repo": "a/b", "password": "x"}`],
  ]) {
    const r = p.run('config', 'set', key!, value!);
    t.is(r.code, 1, key);
    t.regex(r.stderr, /refusing to store/);
    t.regex(r.stderr, /GITHUB_TOKEN|environment/);
    t.false(r.stderr.includes(token), 'the token is not echoed');
  }
  t.false(existsSync(join(p.dir, '.tdrc.json')));
  const json = p.run('config', 'set', 'sync.github.token', 'abc', '--json');
  t.is(json.json().error.code, 'secret_in_config');
});

test('edits the config in effect: the nearest file from a subfolder up to the project root', (t) => {
  const p = project();
  execFileSync('git', ['init', '-q', p.dir]);
  writeFileSync(join(p.dir, '.tdrc'), '{"sync": {"backend": "dir"}}');
  const sub = join(p.dir, 'a', 'b');
  mkdirSync(sub, {recursive: true});
  const r = td(sub, ['config', 'set', 'sync.dir.path', 'x'], p.env);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(readJson(join(p.dir, '.tdrc')), {sync: {backend: 'dir', dir: {path: 'x'}}});
  t.false(existsSync(join(sub, '.tdrc.json')));
  t.true(statSync(join(p.dir, '.tdrc')).isFile());
});
