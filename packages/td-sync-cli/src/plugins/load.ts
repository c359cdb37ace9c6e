/**
 * Importing what a package (or a plugin file) declares, and checking it against the SDK contract.
 * Errors name the package, where it was found, and what is wrong with it.
 */
import {existsSync} from 'node:fs';
import {isAbsolute, join, relative, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {backendProblems, ConfigError, pluginProblems, type BackendDefinition, type PluginDefinition} from 'td-sync-sdk';
import type {FoundPackage} from './discovery.js';

export type EntryKind = 'backend' | 'plugin';

/** The module a package declares for `kind`: `"td-sync": {"backend": "./dist/index.js"}`, else `main`, else index.js. */
export function entryPath(pkg: FoundPackage, kind: EntryKind): string {
  const declared = pkg.pjson['td-sync']?.[kind];
  const rel = typeof declared === 'string' ? declared : typeof pkg.pjson.main === 'string' ? pkg.pjson.main : 'index.js';
  const abs = resolve(pkg.root, rel);
  const inside = relative(pkg.root, abs);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new ConfigError(`package ${pkg.name} declares its ${kind} entry outside the package (${rel})`, {
      code: `${kind}_invalid`,
      hint: `fix "td-sync": {"${kind}": "./dist/index.js"} in ${join(pkg.root, 'package.json')}`,
    });
  }
  return abs;
}

export function describeOrigin(pkg: FoundPackage): string {
  return pkg.source === 'node_modules' ? `node_modules: ${pkg.root}` : `oclif ${pkg.source} plugin: ${pkg.root}`;
}

async function importFile(file: string, what: string, code: string, missingHint = 'build or reinstall the package (is "dist/" missing?)'): Promise<Record<string, unknown>> {
  if (!existsSync(file)) {
    throw new ConfigError(`${what}: entry file ${file} does not exist`, {code, hint: missingHint});
  }
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`${what}: importing ${file} failed: ${(e as Error)?.message ?? String(e)}`, {code, cause: e});
  }
}

/** Pick the export: default, or the named one; unwrap CommonJS `module.exports = {backend}`. */
function pickExport(mod: Record<string, unknown>, named: string, problems: (v: unknown) => string[]): {value?: unknown; problems: string[]} {
  const dflt = mod.default as Record<string, unknown> | undefined;
  const candidates = [mod.default, mod[named], dflt?.default, dflt?.[named]].filter((v) => v !== undefined && v !== null);
  if (candidates.length === 0) return {problems: [`no default export and no export named "${named}"`]};
  for (const c of candidates) if (problems(c).length === 0) return {value: c, problems: []};
  return {problems: problems(candidates[0])};
}

export interface LoadedBackend {
  definition: BackendDefinition;
  pkg: FoundPackage;
  entry: string;
}

export async function loadBackendPackage(pkg: FoundPackage): Promise<LoadedBackend> {
  const entry = entryPath(pkg, 'backend');
  const what = `backend package ${pkg.name} (${describeOrigin(pkg)})`;
  const mod = await importFile(entry, what, 'backend_load_failed');
  const picked = pickExport(mod, 'backend', backendProblems);
  if (!picked.value) {
    throw new ConfigError(`${what} is not a valid td sync backend: ${picked.problems.join('; ')}`, {
      code: 'backend_invalid',
      hint: `its entry ${relative(pkg.root, entry)} must export defineBackend({...}) as default or as "backend"; upgrade, fix or uninstall ${pkg.name}`,
      details: {package: pkg.name, source: pkg.source, root: pkg.root, problems: picked.problems},
    });
  }
  return {definition: picked.value as BackendDefinition, pkg, entry};
}

export interface LoadedPlugin {
  definition: PluginDefinition;
  /** Package name, or the file path for a relative plugin. */
  id: string;
  entry: string;
}

export async function loadPluginPackage(pkg: FoundPackage): Promise<LoadedPlugin> {
  const entry = entryPath(pkg, 'plugin');
  return loadPluginModule(entry, `plugin package ${pkg.name} (${describeOrigin(pkg)})`, pkg.name);
}

export async function loadPluginFile(file: string): Promise<LoadedPlugin> {
  return loadPluginModule(file, `plugin file ${file}`, file, 'fix the path in "plugins" (relative files are resolved from the folder of the config file that lists them)');
}

async function loadPluginModule(entry: string, what: string, id: string, missingHint?: string): Promise<LoadedPlugin> {
  const mod = await importFile(entry, what, 'plugin_load_failed', missingHint);
  const picked = pickExport(mod, 'plugin', pluginProblems);
  if (!picked.value) {
    throw new ConfigError(`${what} is not a valid td sync plugin: ${picked.problems.join('; ')}`, {
      code: 'plugin_invalid',
      hint: 'a plugin must export definePlugin({apiVersion: 1, name, apply(hooks, context)}) as default or as "plugin"',
      details: {plugin: id, problems: picked.problems},
    });
  }
  return {definition: picked.value as PluginDefinition, id, entry};
}
