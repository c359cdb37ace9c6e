/**
 * Finding the project's config file with cosmiconfig (module `td`), from the working directory up
 * to the project root and never beyond. cosmiconfig 9's default strategy searches one directory and
 * its 'global' strategy would also read ~/.config/td/config*, so we walk ourselves and ask
 * cosmiconfig about one directory at a time. First file found wins (no merging across folders).
 */
import {readFileSync} from 'node:fs';
import {basename, dirname, extname, relative, isAbsolute} from 'node:path';
import {ConfigError, type JsonObject} from 'td-sync-sdk';
import {isPlainObject} from './keys.js';

export const SEARCH_PLACES = Object.freeze([
  'package.json',
  '.tdrc',
  '.tdrc.json',
  '.tdrc.yaml',
  '.tdrc.yml',
  '.tdrc.js',
  '.tdrc.cjs',
  '.tdrc.mjs',
  '.tdrc.ts',
  'td.config.js',
  'td.config.cjs',
  'td.config.mjs',
  'td.config.ts',
]);

export type ConfigFormat = 'json' | 'yaml' | 'package-json' | 'js' | 'ts';

export interface FoundConfig {
  file: string;
  format: ConfigFormat;
  config: JsonObject;
}

/** Directories to search: start, its parents, ..., projectRoot (just projectRoot when start is outside it). */
export function searchDirs(start: string, projectRoot: string): string[] {
  const rel = relative(projectRoot, start);
  if (rel.startsWith('..') || isAbsolute(rel)) return [projectRoot];
  const dirs: string[] = [];
  let dir = start;
  for (;;) {
    dirs.push(dir);
    if (dir === projectRoot) return dirs;
    const up = dirname(dir);
    if (up === dir) return dirs;
    dir = up;
  }
}

export function formatOf(file: string): ConfigFormat {
  const name = basename(file);
  if (name === 'package.json') return 'package-json';
  const ext = extname(name);
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.ts') return 'ts';
  if (ext === '.js' || ext === '.cjs' || ext === '.mjs') return 'js';
  // `.tdrc`: JSON or YAML by content
  try {
    const text = readFileSync(file, 'utf8');
    if (text.trim() === '') return 'json';
    JSON.parse(text);
    return 'json';
  } catch {
    return 'yaml';
  }
}

function refuseTs(file: string): never {
  throw new ConfigError(`TypeScript config ${file} is not supported`, {
    code: 'config_unsupported',
    hint: `rename it to ${basename(file).replace(/\.ts$/, '.mjs')} (plain JavaScript) or use .tdrc.json`,
  });
}

export async function findProjectConfig(start: string, projectRoot: string): Promise<FoundConfig | null> {
  const {cosmiconfig} = await import('cosmiconfig');
  const explorer = cosmiconfig('td', {
    searchStrategy: 'none',
    searchPlaces: [...SEARCH_PLACES],
    cache: false,
    loaders: {'.ts': refuseTs},
  });
  for (const dir of searchDirs(start, projectRoot)) {
    let result: Awaited<ReturnType<typeof explorer.search>>;
    try {
      result = await explorer.search(dir);
    } catch (e) {
      if ((e as {kind?: string}).kind === 'config') throw e;
      throw new ConfigError(`cannot read td config in ${dir}: ${(e as Error).message}`, {code: 'config_invalid', hint: 'fix the file, or remove it', cause: e});
    }
    if (!result) continue;
    const config = result.isEmpty || result.config == null ? {} : result.config;
    if (!isPlainObject(config)) {
      throw new ConfigError(`td config in ${result.filepath} must be an object (got ${Array.isArray(config) ? 'an array' : typeof config})`, {code: 'config_invalid'});
    }
    return {file: result.filepath, format: formatOf(result.filepath), config};
  }
  return null;
}
