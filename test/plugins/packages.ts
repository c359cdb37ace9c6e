/**
 * Small JS packages written into temp folders: backends and plugins as a third party would publish
 * them (package.json with "td-sync" entry and "oclif": {}), valid or deliberately broken.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';

export function writeFile(path: string, text: string): string {
  mkdirSync(dirname(path), {recursive: true});
  writeFileSync(path, text);
  return path;
}

export interface BackendSpec {
  /** definition.name (default: derived from the package name) */
  name?: string;
  displayName?: string;
  /** JS source of `init` (object literal) or undefined */
  init?: string;
  /** JS source of validateConfig's body; `raw` and `ctx` in scope */
  validate?: string;
  /** JS source of remoteId's body; `config` in scope */
  remoteId?: string;
  /** Replace the whole module text (for broken packages). */
  moduleText?: string;
  /** "td-sync" entry in package.json (default ./index.js); null = none declared */
  entry?: string | null;
  /** Extra package.json fields */
  pjson?: Record<string, unknown>;
}

/** A backend whose push/pull keep events in a JSON file under config.file (or memory). */
export function backendModule(spec: BackendSpec & {name: string}): string {
  return `
const name = ${JSON.stringify(spec.name)};
export default {
  apiVersion: 1,
  name,
  displayName: ${JSON.stringify(spec.displayName ?? `Test ${spec.name}`)},
  description: 'a test backend',
  validateConfig(raw, ctx) { ${spec.validate ?? 'return {...raw};'} },
  remoteId(config) { ${spec.remoteId ?? "return config.remote ?? 'default';"} },
  ${spec.init ? `init: ${spec.init},` : ''}
  create(config, context) {
    return {
      capabilities: {entityTypes: 'all', bidirectional: true, echoesOwnEvents: false, maxPushBatch: 100, maxPullPage: 100},
      async push(events) { return {acks: events.map((e) => ({clientActionId: e.clientActionId})), rejections: []}; },
      async pull() { return {events: [], cursor: null, hasMore: false}; },
      async status() { return {reachable: true, authenticated: true, identity: 'tester', remote: 'test://' + (config.remote ?? 'default')}; },
    };
  },
};
`;
}

/** Write `node_modules/<pkgName>` under `dir`. Returns the package root. */
export function writeBackendPackage(dir: string, pkgName: string, spec: BackendSpec = {}): string {
  const root = join(dir, 'node_modules', ...pkgName.split('/'));
  const short = spec.name ?? pkgName.replace(/^@[^/]+\//, '').replace(/^td-sync-backend-?/, '') ?? 'x';
  const entry = spec.entry === undefined ? './index.js' : spec.entry;
  writeFile(
    join(root, 'package.json'),
    JSON.stringify({name: pkgName, version: '1.2.3', type: 'module', main: './index.js', oclif: {}, ...(entry ? {'td-sync': {backend: entry}} : {}), ...spec.pjson}, null, 2),
  );
  writeFile(join(root, 'index.js'), spec.moduleText ?? backendModule({...spec, name: short || 'scoped'}));
  return root;
}

/** A plugin module's text: `apply` body given as JS with hooks, context in scope. */
export function pluginModule(name: string, applyBody: string): string {
  return `export default {apiVersion: 1, name: ${JSON.stringify(name)}, async apply(hooks, context) { ${applyBody} }};\n`;
}

export function writePluginPackage(dir: string, pkgName: string, applyBody: string): string {
  const root = join(dir, 'node_modules', ...pkgName.split('/'));
  writeFile(join(root, 'package.json'), JSON.stringify({name: pkgName, version: '0.1.0', type: 'module', main: './index.js', oclif: {}, 'td-sync': {plugin: './index.js'}}));
  writeFile(join(root, 'index.js'), pluginModule(pkgName, applyBody));
  return root;
}
