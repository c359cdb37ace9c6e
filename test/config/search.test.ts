/** Every config file form cosmiconfig finds for module `td`, the walk to the project root, and merging with the user file. */
import test from 'ava';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {loadConfig, lookup} from '../../packages/td-sync-cli/src/config/load.js';
import type {ConfigFormat} from '../../packages/td-sync-cli/src/config/search.js';
import {isolatedEnv, tempDir} from '../helpers/td.js';

function project() {
  const dir = tempDir('td-cfg-');
  mkdirSync(join(dir, '.todos'));
  return dir;
}

const FORMS: Array<[string, ConfigFormat, string]> = [
  ['.tdrc', 'json', '{"sync": {"backend": "dir"}}'],
  ['.tdrc', 'yaml', 'sync:\n  backend: dir\n'],
  ['.tdrc.json', 'json', '{"sync": {"backend": "dir"}}'],
  ['.tdrc.yaml', 'yaml', 'sync:\n  backend: dir\n'],
  ['.tdrc.yml', 'yaml', 'sync:\n  backend: dir\n'],
  ['.tdrc.js', 'js', 'module.exports = {sync: {backend: "dir"}};\n'],
  ['.tdrc.cjs', 'js', 'module.exports = {sync: {backend: "dir"}};\n'],
  ['.tdrc.mjs', 'js', 'export default {sync: {backend: "dir"}};\n'],
  ['td.config.js', 'js', 'module.exports = {sync: {backend: "dir"}};\n'],
  ['td.config.cjs', 'js', 'module.exports = {sync: {backend: "dir"}};\n'],
  ['td.config.mjs', 'js', 'export default {sync: {backend: "dir"}};\n'],
  ['package.json', 'package-json', '{"name": "app", "td": {"sync": {"backend": "dir"}}}'],
];

for (const [file, format, text] of FORMS) {
  test(`finds ${file} (${format})`, async (t) => {
    const dir = project();
    writeFileSync(join(dir, file), text);
    const loaded = await loadConfig({cwd: dir, env: isolatedEnv()});
    t.is(loaded.project?.file, join(dir, file));
    t.is(loaded.project?.format, format);
    t.is(lookup(loaded, 'sync.backend').value, 'dir');
  });
}

test('a package.json without a td key is not a config', async (t) => {
  const dir = project();
  writeFileSync(join(dir, 'package.json'), '{"name": "app"}');
  writeFileSync(join(dir, '.tdrc.json'), '{"sync": {"backend": "http"}}');
  const loaded = await loadConfig({cwd: dir, env: isolatedEnv()});
  t.is(loaded.project?.file, join(dir, '.tdrc.json'));
});

test('TypeScript configs are refused with a clear message', async (t) => {
  for (const file of ['.tdrc.ts', 'td.config.ts']) {
    const dir = project();
    writeFileSync(join(dir, file), 'export default {sync: {backend: "dir"}};\n');
    const e = await t.throwsAsync(loadConfig({cwd: dir, env: isolatedEnv()}));
    t.is((e as {code?: string}).code, 'config_unsupported');
    t.regex(e!.message, /TypeScript config .* is not supported/);
    t.regex((e as {hint?: string}).hint!, /\.mjs/);
  }
});

test('searched from a subfolder up to the project root, not beyond', async (t) => {
  const outer = tempDir('td-cfg-outer-');
  writeFileSync(join(outer, '.tdrc.json'), '{"sync": {"backend": "from-outside"}}');
  const root = join(outer, 'proj');
  const sub = join(root, 'src', 'deep');
  mkdirSync(join(root, '.todos'), {recursive: true});
  mkdirSync(sub, {recursive: true});
  // git is what makes a subfolder belong to its project (td's discovery)
  const env = isolatedEnv();
  const {execFileSync} = await import('node:child_process');
  execFileSync('git', ['init', '-q', root]);

  let loaded = await loadConfig({cwd: sub, env});
  t.is(loaded.projectRoot, root);
  t.is(loaded.project, null, 'a config above the project root is not read');

  writeFileSync(join(root, '.tdrc.yaml'), 'sync:\n  backend: at-root\n');
  loaded = await loadConfig({cwd: sub, env});
  t.is(lookup(loaded, 'sync.backend').value, 'at-root');

  writeFileSync(join(root, 'src', 'package.json'), '{"name": "src", "td": {"sync": {"backend": "nearest"}}}');
  loaded = await loadConfig({cwd: sub, env});
  t.is(loaded.project?.file, join(root, 'src', 'package.json'));
  t.is(lookup(loaded, 'sync.backend').value, 'nearest');

  loaded = await loadConfig({cwd: outer, env, workDir: sub});
  t.is(lookup(loaded, 'sync.backend').value, 'nearest', '-w/--work-dir is where the search starts');
});

test('the user file gives defaults under the project config', async (t) => {
  const dir = project();
  const env = isolatedEnv();
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'td'), {recursive: true});
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'td', 'config.json'), JSON.stringify({sync: {url: 'http://td.example', backend: 'http', github: {repo: 'me/default', labels: true}}}));
  writeFileSync(join(dir, '.tdrc.json'), JSON.stringify({sync: {backend: 'github', github: {repo: 'acme/app'}}}));
  const loaded = await loadConfig({cwd: dir, env});
  t.deepEqual(loaded.merged, {sync: {url: 'http://td.example', backend: 'github', github: {repo: 'acme/app', labels: true}}});
  t.deepEqual(lookup(loaded, 'sync.url'), {value: 'http://td.example', source: 'user', file: join(env.XDG_CONFIG_HOME!, 'td', 'config.json')});
  t.is(lookup(loaded, 'sync.github.repo').source, 'project');
});

test('a config that is not an object, or does not parse, is an error naming the file', async (t) => {
  const dir = project();
  writeFileSync(join(dir, '.tdrc.json'), '[1, 2]');
  const e = await t.throwsAsync(loadConfig({cwd: dir, env: isolatedEnv()}));
  t.regex(e!.message, /\.tdrc\.json must be an object/);
  const dir2 = project();
  writeFileSync(join(dir2, '.tdrc.json'), '{"sync": ');
  const e2 = await t.throwsAsync(loadConfig({cwd: dir2, env: isolatedEnv()}));
  t.regex(e2!.message, /\.tdrc\.json/);
});
