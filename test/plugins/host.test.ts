/**
 * Discovery, loading, validation and plugin wiring, in-process against packages written into temp
 * projects (the oclif side is a plain object with getPluginsList(), as the command passes this.config).
 */
import test from 'ava';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {loadConfig} from '../../packages/td-sync-cli/src/config/load.js';
import {findPackage, listPackages, type OclifConfigLike} from '../../packages/td-sync-cli/src/plugins/discovery.js';
import {listBackends, resolveTarget} from '../../packages/td-sync-cli/src/plugins/host.js';
import {isolatedEnv, tempDir} from '../helpers/td.js';
import {pluginModule, writeBackendPackage, writeFile, writePluginPackage} from './packages.js';

function project(config: object | null = null) {
  const dir = tempDir('td-host-');
  mkdirSync(join(dir, '.todos'));
  if (config) writeFileSync(join(dir, '.tdrc.json'), JSON.stringify(config));
  return dir;
}

const noOclif: OclifConfigLike = {getPluginsList: () => []};

async function target(dir: string, extra: {oclif?: OclifConfigLike; backend?: string} = {}) {
  const config = await loadConfig({cwd: dir, env: isolatedEnv()});
  return resolveTarget({config, oclif: extra.oclif ?? noOclif, backend: extra.backend});
}

for (const [typed, pkg] of [
  ['github', 'td-sync-backend-github'],
  ['td-sync-backend-github', 'td-sync-backend-github'],
  ['@acme', '@acme/td-sync-backend'],
  ['@acme/jira', '@acme/td-sync-backend-jira'],
  ['@acme/td-sync-backend-jira', '@acme/td-sync-backend-jira'],
] as const) {
  test(`sync.backend "${typed}" finds ${pkg} in the project's node_modules`, async (t) => {
    const dir = project({sync: {backend: typed, t1: {remote: 'r1'}}});
    writeBackendPackage(dir, pkg, {name: 't1'});
    const r = await target(dir);
    t.is(r.packageName, pkg);
    t.is(r.source, 'node_modules');
    t.is(r.backendName, 't1');
    t.is(r.targetId, 't1:r1');
    t.deepEqual(r.config, {remote: 'r1'});
  });
}

test('only the project\'s own node_modules is searched: a backend in a parent folder\'s node_modules is not loaded', async (t) => {
  const outer = tempDir('td-host-outer-');
  writeBackendPackage(outer, 'td-sync-backend-up', {name: 'up'});
  const dir = join(outer, 'apps', 'proj');
  mkdirSync(join(dir, '.todos'), {recursive: true});
  writeFileSync(join(dir, '.tdrc.json'), JSON.stringify({sync: {backend: 'up'}}));
  const e = await t.throwsAsync(target(dir));
  t.regex(e!.message, /sync backend "up" not found: no package td-sync-backend-up/);
  // The same package in the project's own node_modules is found.
  writeBackendPackage(dir, 'td-sync-backend-up', {name: 'up'});
  const r = await target(dir);
  t.is(r.packageName, 'td-sync-backend-up');
  t.is(r.targetId, 'up:default');
});

test('oclif plugins come before node_modules, core before user/link', async (t) => {
  const dir = project({sync: {backend: 'twice'}});
  writeBackendPackage(dir, 'td-sync-backend-twice', {name: 'from-node-modules'});
  const elsewhere = tempDir('td-host-oclif-');
  const userRoot = writeBackendPackage(elsewhere, 'td-sync-backend-twice', {name: 'from-user'});
  const coreRoot = writeBackendPackage(join(elsewhere, 'core'), 'td-sync-backend-twice', {name: 'from-core'});
  const pjson = {name: 'td-sync-backend-twice', version: '1.0.0', 'td-sync': {backend: './index.js'}};
  const oclif: OclifConfigLike = {
    getPluginsList: () => [
      {name: 'td-sync-cli', type: 'core', root: '/nowhere', isRoot: true, pjson: {}},
      {name: 'td-sync-backend-twice', type: 'user', root: userRoot, pjson},
      {name: 'td-sync-backend-twice', type: 'core', root: coreRoot, pjson},
    ],
  };
  const r = await target(dir, {oclif});
  t.is(r.backendName, 'from-core');
  t.is(r.source, 'core');
  const userOnly: OclifConfigLike = {getPluginsList: () => [{name: 'td-sync-backend-twice', type: 'link', root: userRoot, pjson}]};
  const r2 = await target(dir, {oclif: userOnly});
  t.is(r2.backendName, 'from-user');
  t.is(r2.source, 'link');
  t.is(findPackage('td-sync-backend-twice', {projectRoot: dir})?.source, 'node_modules');
});

test('listPackages finds every backend once: oclif, plain and scoped node_modules, not other packages', async (t) => {
  const dir = project();
  writeBackendPackage(dir, 'td-sync-backend-a');
  writeBackendPackage(dir, '@acme/td-sync-backend');
  writeBackendPackage(dir, '@acme/td-sync-backend-jira');
  writeFile(join(dir, 'node_modules/left-pad/package.json'), '{"name":"left-pad"}');
  writeFile(join(dir, 'node_modules/@acme/other/package.json'), '{"name":"@acme/other"}');
  const coreRoot = writeBackendPackage(tempDir(), 'td-sync-backend-a', {name: 'core-a'});
  const oclif: OclifConfigLike = {getPluginsList: () => [{name: 'td-sync-backend-a', type: 'core', root: coreRoot, pjson: {name: 'td-sync-backend-a'}}]};
  const found = listPackages({oclif, projectRoot: dir});
  t.deepEqual(found.map((p) => `${p.name}:${p.source}`).sort(), ['@acme/td-sync-backend-jira:node_modules', '@acme/td-sync-backend:node_modules', 'td-sync-backend-a:core'].sort());
  const loaded = await listBackends({oclif, projectRoot: dir});
  t.deepEqual(loaded.map((b) => b.name).sort(), ['@acme', '@acme/jira', 'a'].sort());
  t.true(loaded.every((b) => b.loaded));
});

test('an invalid backend package is a clear error naming the package and what is missing', async (t) => {
  const dir = project({sync: {backend: 'broken'}});
  writeBackendPackage(dir, 'td-sync-backend-broken', {moduleText: `export default {apiVersion: 2, name: 'broken', displayName: 'Broken', remoteId() {}};\n`});
  const e = await t.throwsAsync(target(dir));
  t.is((e as {code?: string}).code, 'backend_invalid');
  t.regex(e!.message, /td-sync-backend-broken/);
  t.regex(e!.message, /apiVersion must be 1/);
  t.regex(e!.message, /validateConfig must be a function/);
  t.regex(e!.message, /create must be a function/);
  t.regex(e!.message, /node_modules/);
});

test('a backend package without any export, or whose entry is missing, or that throws on import', async (t) => {
  const dir = project();
  writeBackendPackage(dir, 'td-sync-backend-empty', {moduleText: 'export const unrelated = 1;\n'});
  writeBackendPackage(dir, 'td-sync-backend-noentry', {entry: './dist/index.js'});
  writeBackendPackage(dir, 'td-sync-backend-boom', {moduleText: 'throw new Error("kaboom at import");\n'});
  const empty = await t.throwsAsync(target(dir, {backend: 'empty'}));
  t.regex(empty!.message, /td-sync-backend-empty.*no default export and no export named "backend"/);
  const noentry = await t.throwsAsync(target(dir, {backend: 'noentry'}));
  t.is((noentry as {code?: string}).code, 'backend_load_failed');
  t.regex(noentry!.message, /dist\/index\.js does not exist/);
  const boom = await t.throwsAsync(target(dir, {backend: 'boom'}));
  t.regex(boom!.message, /td-sync-backend-boom.*kaboom at import/);
});

test('a named export "backend" and CommonJS packages are accepted', async (t) => {
  const dir = project();
  writeBackendPackage(dir, 'td-sync-backend-named', {
    moduleText: `export const backend = {apiVersion: 1, name: 'named', displayName: 'Named', validateConfig: (r) => r, remoteId: () => 'r', create() {}};\n`,
  });
  const cjsRoot = join(dir, 'node_modules', 'td-sync-backend-cjs');
  writeFile(join(cjsRoot, 'package.json'), JSON.stringify({name: 'td-sync-backend-cjs', main: 'index.js', 'td-sync': {backend: './index.js'}}));
  writeFile(join(cjsRoot, 'index.js'), `module.exports = {backend: {apiVersion: 1, name: 'cjs', displayName: 'CJS', validateConfig: (r) => r, remoteId: () => 'c', create() {}}};\n`);
  t.is((await target(dir, {backend: 'named'})).targetId, 'named:r');
  t.is((await target(dir, {backend: 'cjs'})).targetId, 'cjs:c');
});

test('an unknown backend lists what is installed and how to install', async (t) => {
  const dir = project({sync: {backend: 'nope'}});
  writeBackendPackage(dir, 'td-sync-backend-here');
  const e = await t.throwsAsync(target(dir));
  t.is((e as {code?: string}).code, 'backend_not_found');
  t.regex(e!.message, /td-sync-backend-nope/);
  t.regex(e!.message, /here \(td-sync-backend-here, node_modules\)/);
  t.regex((e as {hint?: string}).hint!, /td plugins install td-sync-backend-nope/);
});

test('no backend configured says how to configure one', async (t) => {
  const dir = project();
  const e = await t.throwsAsync(target(dir));
  t.is((e as {code?: string}).code, 'sync_not_configured');
  t.regex((e as {hint?: string}).hint!, /td sync init/);
});

test('--backend overrides sync.backend; the backend validates its own section', async (t) => {
  const dir = project({sync: {backend: 'one', two: {remote: 'x', n: 1}}});
  writeBackendPackage(dir, 'td-sync-backend-one');
  writeBackendPackage(dir, 'td-sync-backend-two', {validate: "if (typeof raw.remote !== 'string') throw new Error('sync.two.remote is required'); return {remote: raw.remote, root: ctx.projectRoot};"});
  const r = await target(dir, {backend: 'two'});
  t.is(r.targetId, 'two:x');
  t.deepEqual(r.config, {remote: 'x', root: dir});
  const dir2 = project({sync: {backend: 'two'}});
  writeBackendPackage(dir2, 'td-sync-backend-two', {validate: "if (typeof raw.remote !== 'string') throw new Error('remote is required'); return raw;"});
  const e = await t.throwsAsync(target(dir2));
  t.is((e as {code?: string}).code, 'config_invalid');
  t.regex(e!.message, /sync\.two is invalid: remote is required/);
});

test('plugins: package names, relative files and [name, options] all tap the same hooks', async (t) => {
  const dir = project({
    sync: {backend: 'b'},
    plugins: ['redact', './plugins/local.mjs', ['@acme/audit', {level: 3}]],
  });
  writeBackendPackage(dir, 'td-sync-backend-b');
  writePluginPackage(dir, 'td-sync-plugin-redact', "hooks.beforePush.tap('redact', (events) => events.filter((e) => e.entityId !== 'secret'));");
  writePluginPackage(dir, '@acme/td-sync-plugin-audit', "hooks.beforePush.tap('audit', (events) => events.map((e) => ({...e, sessionId: 'level-' + context.options.level})));");
  writeFile(join(dir, 'plugins/local.mjs'), pluginModule('local', "hooks.beforePush.tap('local', (events) => [...events, {entityId: 'added-by-local'}]);"));
  const r = await target(dir);
  t.deepEqual(r.plugins, ['td-sync-plugin-redact', join(dir, 'plugins/local.mjs'), '@acme/td-sync-plugin-audit']);
  const out = await r.hooks.beforePush.promise([{entityId: 'secret'}, {entityId: 'ok'}] as any, {target: r.targetId, backend: 'b', dryRun: false});
  t.deepEqual(
    out.map((e: any) => `${e.entityId}/${e.sessionId}`),
    ['ok/level-3', 'added-by-local/level-3'],
  );
});

test('a plugin that throws while applying fails cleanly, naming it', async (t) => {
  const dir = project({sync: {backend: 'b'}, plugins: ['./bad-plugin.mjs']});
  writeBackendPackage(dir, 'td-sync-backend-b');
  writeFile(join(dir, 'bad-plugin.mjs'), pluginModule('bad', "throw new Error('plugin exploded');"));
  const e = await t.throwsAsync(target(dir));
  t.is((e as {code?: string}).code, 'plugin_failed');
  t.regex(e!.message, /bad-plugin\.mjs.*plugin exploded/);
});

test('an invalid or missing plugin is a clear error', async (t) => {
  const dir = project({sync: {backend: 'b'}, plugins: ['./not-a-plugin.mjs']});
  writeBackendPackage(dir, 'td-sync-backend-b');
  writeFile(join(dir, 'not-a-plugin.mjs'), 'export default {name: "x"};\n');
  const e = await t.throwsAsync(target(dir));
  t.is((e as {code?: string}).code, 'plugin_invalid');
  t.regex(e!.message, /apply\(hooks, context\) must be a function/);
  const dir2 = project({sync: {backend: 'b'}, plugins: ['ghost']});
  writeBackendPackage(dir2, 'td-sync-backend-b');
  const e2 = await t.throwsAsync(target(dir2));
  t.is((e2 as {code?: string}).code, 'plugin_not_found');
  t.regex(e2!.message, /td-sync-plugin-ghost/);
});

test('errors thrown by plugin taps name the plugin, hook and tap, for sync, promise and callback taps', async (t) => {
  const dir = project({sync: {backend: 'b'}, plugins: ['./p.mjs']});
  writeBackendPackage(dir, 'td-sync-backend-b');
  writeFile(
    join(dir, 'p.mjs'),
    pluginModule(
      'p',
      `hooks.beforePush.tap('s', () => { throw new Error('sync boom'); });
       hooks.beforeApply.tapPromise('p', async () => { throw new Error('promise boom'); });
       hooks.afterPush.tapAsync('a', (result, ctx, cb) => cb(new Error('callback boom')));
       hooks.afterSync.tapPromise('typed', async () => { throw Object.assign(new Error('typed'), {[Symbol.for('td-sync.error')]: true, kind: 'transient'}); });`,
    ),
  );
  const r = await target(dir);
  const ctx = {target: r.targetId, backend: 'b', dryRun: false};
  const e1 = await t.throwsAsync(r.hooks.beforePush.promise([], ctx));
  t.regex(e1!.message, /p\.mjs \(beforePush tap "s"\) failed: sync boom/);
  t.is((e1 as {code?: string}).code, 'plugin_failed');
  const e2 = await t.throwsAsync(r.hooks.beforeApply.promise([], ctx));
  t.regex(e2!.message, /\(beforeApply tap "p"\) failed: promise boom/);
  const e3 = await t.throwsAsync(r.hooks.afterPush.promise({acks: [], rejections: []}, ctx));
  t.regex(e3!.message, /\(afterPush tap "a"\) failed: callback boom/);
  const e4 = await t.throwsAsync(r.hooks.afterSync.promise({} as any));
  t.is(e4!.message, 'typed', 'typed SDK errors pass through for the engine to act on');
  // taps added later by others (a backend) are not blamed on the plugin
  r.hooks.onError.tap('backend', () => {
    throw new Error('not a plugin');
  });
  t.throws(() => r.hooks.onError.call({target: 'x', phase: 'push', error: new Error('x')}), {message: 'not a plugin'});
});

test("td's own sync.url (or TD_SYNC_URL) with no sync.backend means the http backend", async (t) => {
  const {configuredBackendName} = await import('../../packages/td-sync-cli/src/plugins/host.js');
  const dir = project();
  const env = isolatedEnv();
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'td'), {recursive: true});
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'td', 'config.json'), JSON.stringify({sync: {url: 'https://td-sync.example', enabled: true}}));
  t.is(configuredBackendName({config: await loadConfig({cwd: dir, env}), oclif: noOclif}), 'http');
  t.is(configuredBackendName({config: await loadConfig({cwd: dir, env: isolatedEnv({TD_SYNC_URL: 'http://127.0.0.1:9'})}), oclif: noOclif}), 'http');
  writeFileSync(join(dir, '.tdrc.json'), JSON.stringify({sync: {backend: 'dir'}}));
  t.is(configuredBackendName({config: await loadConfig({cwd: dir, env}), oclif: noOclif}), 'dir', 'an explicit backend wins');
});

test('unknown keys: a backend that lists configKeys gets a warning per other key (closest known one named); $ keys and known ones pass', async (t) => {
  const {unknownKeyWarnings, topLevelWarnings} = await import('../../packages/td-sync-cli/src/plugins/config-warnings.js');
  const definition = {name: 'acme', configKeys: ['repo', 'pageSize']} as never;
  t.deepEqual(unknownKeyWarnings(definition, {repo: 'a/b', pageSize: 5}), []);
  const [typo, stranger] = unknownKeyWarnings(definition, {repo: 'a/b', pagesize: 5, colour: 'red'});
  t.regex(typo!, /^sync\.acme\.pagesize is not a setting of the acme backend and is ignored \(did you mean sync\.acme\.pageSize\?\); remove it with "td config unset sync\.acme\.pagesize"$/);
  t.regex(stranger!, /^sync\.acme\.colour is not a setting/);
  t.notRegex(stranger!, /did you mean/, 'no suggestion when nothing is close');
  t.deepEqual(unknownKeyWarnings({name: 'old'} as never, {anything: 1}), [], 'a backend without configKeys is not second-guessed');

  const dir = project({$schema: 'https://example.com/td.json', sync: {backend: 'dir'}, plugin: ['x']});
  const config = await loadConfig({cwd: dir, env: isolatedEnv()});
  const warnings = topLevelWarnings(config);
  t.is(warnings.length, 1, warnings.join('\n'));
  t.regex(warnings[0]!, /"plugin" in .*\.tdrc\.json is not a td setting and is ignored \(did you mean "plugins"\?\)/);
});
