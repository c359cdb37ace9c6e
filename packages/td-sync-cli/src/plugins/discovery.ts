/**
 * Where backend and plugin packages are found, in this order and nowhere else:
 *   1. oclif plugins: the CLI's core plugins, then those added by `td plugins install` (user) or
 *      `td plugins link` (link);
 *   2. the project's own node_modules (`<project root>/node_modules`, scoped packages too) — not
 *      the parent folders' (DESIGN §4): a node_modules planted above the project, in a shared
 *      home or /tmp, must not be able to hand td code to run.
 * Finding reads package.json files only; importing is load.ts's job.
 */
import {readFileSync, readdirSync, realpathSync} from 'node:fs';
import {join} from 'node:path';
import {BACKEND_PREFIX, followsConvention} from './names.js';

export type PackageSource = 'core' | 'user' | 'link' | 'node_modules';

export interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  'td-sync'?: {backend?: string; plugin?: string};
  [key: string]: unknown;
}

/** The slice of an oclif Config / Plugin the host reads (tests pass plain objects). */
export interface OclifPluginLike {
  name: string;
  type: string;
  root: string;
  pjson?: unknown;
  isRoot?: boolean;
}
export interface OclifConfigLike {
  getPluginsList(): OclifPluginLike[];
}

export interface FoundPackage {
  name: string;
  version?: string;
  root: string;
  source: PackageSource;
  pjson: PackageJson;
}

export interface DiscoveryOptions {
  /** The running CLI's oclif Config (`this.config` in a command). */
  oclif?: OclifConfigLike;
  projectRoot: string;
}

const SOURCE_ORDER: Record<string, number> = {core: 0, user: 1, link: 2, dev: 3};

function oclifPackages(oclif: OclifConfigLike | undefined): FoundPackage[] {
  if (!oclif) return [];
  return oclif
    .getPluginsList()
    .filter((p) => !p.isRoot && p.type !== 'root')
    .map((p) => ({
      name: p.name,
      version: (p.pjson as PackageJson | undefined)?.version,
      root: p.root,
      source: (p.type === 'user' || p.type === 'link' ? p.type : p.type === 'dev' ? 'link' : 'core') as PackageSource,
      pjson: (p.pjson ?? {}) as PackageJson,
      order: SOURCE_ORDER[p.type] ?? 3,
    }))
    .sort((a, b) => a.order - b.order)
    .map(({order: _order, ...rest}) => rest);
}

function readPackageJson(root: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** The node_modules folders searched for a project: its own, only. */
export function nodeModulesDirs(projectRoot: string): string[] {
  return [join(projectRoot, 'node_modules')];
}

function fromNodeModules(nodeModules: string, name: string): FoundPackage | undefined {
  const root = join(nodeModules, ...name.split('/'));
  const pjson = readPackageJson(root);
  if (!pjson) return undefined;
  let real = root;
  try {
    real = realpathSync(root);
  } catch {
    /* keep the link path */
  }
  return {name: pjson.name ?? name, version: pjson.version, root: real, source: 'node_modules', pjson};
}

/** Find one package by exact npm name: oclif plugins first, then the project's node_modules. */
export function findPackage(packageName: string, options: DiscoveryOptions): FoundPackage | undefined {
  const viaOclif = oclifPackages(options.oclif).find((p) => p.name === packageName);
  if (viaOclif) return viaOclif;
  for (const nm of nodeModulesDirs(options.projectRoot)) {
    const found = fromNodeModules(nm, packageName);
    if (found) return found;
  }
  return undefined;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Every installed package that is (by name or by its package.json) a td sync backend or plugin,
 * first occurrence of each name wins (same order as findPackage).
 */
export function listPackages(options: DiscoveryOptions, prefix = BACKEND_PREFIX): FoundPackage[] {
  const kind = prefix === BACKEND_PREFIX ? 'backend' : 'plugin';
  const seen = new Map<string, FoundPackage>();
  for (const p of oclifPackages(options.oclif)) {
    const declared = typeof p.pjson['td-sync']?.[kind] === 'string';
    if ((declared || followsConvention(p.name, prefix)) && !seen.has(p.name)) seen.set(p.name, p);
  }
  for (const nm of nodeModulesDirs(options.projectRoot)) {
    for (const entry of listDir(nm)) {
      const names = entry.startsWith('@') ? listDir(join(nm, entry)).map((e) => `${entry}/${e}`) : [entry];
      for (const name of names) {
        if (seen.has(name) || !followsConvention(name, prefix)) continue;
        const found = fromNodeModules(nm, name);
        if (found) seen.set(name, found);
      }
    }
  }
  return [...seen.values()];
}
