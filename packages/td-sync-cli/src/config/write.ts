/**
 * `td config set|unset`: edit the project's config file (the one in effect, else a new
 * `<project root>/.tdrc.json`) or, with `--global` and for td's own keys, the user file.
 * Only JSON is edited; a YAML, JavaScript or TypeScript config is refused, saying so.
 */
import {existsSync, readFileSync} from 'node:fs';
import {basename, join} from 'node:path';
import {ConfigError, type JsonObject} from 'td-sync-sdk';
import {resolveBackendPackage, resolvePluginPackage} from '../plugins/names.js';
import {getPath, isPlainObject, isTdUserKey, parseTdValue, parseValue, secretProblem, SECRETS_HINT, setPath, splitKey, unsetPath} from './keys.js';
import type {LoadedConfig} from './load.js';
import type {ConfigFormat} from './search.js';
import {readJsonObjectFile, writeJsonFile} from './user.js';

export type Scope = 'project' | 'user';

interface EditTarget {
  scope: Scope;
  file: string;
  format: ConfigFormat;
  exists: boolean;
}

/** Where a write of `key` goes. td's own keys always go to the user file, where td reads them. */
export function editTarget(loaded: LoadedConfig, key: string, global: boolean): EditTarget & {reason?: string} {
  if (global || isTdUserKey(key)) {
    return {
      scope: 'user',
      file: loaded.user.file,
      format: 'json',
      exists: existsSync(loaded.user.file),
      reason: !global && isTdUserKey(key) ? `${key} is one of td's own settings, kept in the user file where td reads it` : undefined,
    };
  }
  if (loaded.project) return {scope: 'project', file: loaded.project.file, format: loaded.project.format, exists: true};
  return {scope: 'project', file: join(loaded.projectRoot, '.tdrc.json'), format: 'json', exists: false};
}

function refuseUneditable(target: EditTarget): void {
  const name = basename(target.file);
  if (target.format === 'js' || target.format === 'ts') {
    throw new ConfigError(`${target.file} is a ${target.format === 'js' ? 'JavaScript' : 'TypeScript'} config: td config cannot edit code`, {
      code: 'config_not_editable',
      hint: `change ${name} by hand, or replace it with a .tdrc.json that td config can edit`,
    });
  }
  if (target.format === 'yaml') {
    throw new ConfigError(`${target.file} is a YAML config: td config edits JSON files only`, {
      code: 'config_not_editable',
      hint: `change ${name} by hand, or replace it with a .tdrc.json`,
    });
  }
}

/** Read the object the key lives in, and a function that writes it back. */
function openForEdit(target: EditTarget): {root: JsonObject; save(): void} {
  refuseUneditable(target);
  if (target.format === 'package-json') {
    const text = readFileSync(target.file, 'utf8');
    const pkg = JSON.parse(text) as JsonObject;
    const indent = /^(\s+)"/m.exec(text)?.[1] ?? 2;
    if (!isPlainObject(pkg.td)) pkg.td = {};
    return {root: pkg.td as JsonObject, save: () => writeJsonFile(target.file, pkg, indent)};
  }
  const root = readJsonObjectFile(target.file) ?? {};
  return {root, save: () => writeJsonFile(target.file, root)};
}

/** Check a value makes sense for its key before storing it. */
export function validateValue(key: string, value: unknown): void {
  const secret = secretProblem(key, value);
  if (secret) throw new ConfigError(secret, {code: 'secret_in_config', hint: SECRETS_HINT});
  if (key === 'sync.backend') {
    if (typeof value !== 'string') throw new ConfigError('sync.backend must be a backend name such as dir, http, github or a package name', {code: 'invalid_value'});
    resolveBackendPackage(value);
  }
  if (key === 'plugins') {
    if (!Array.isArray(value)) {
      throw new ConfigError('plugins must be a JSON list of names, relative files or [name, options] pairs', {
        code: 'invalid_value',
        hint: `e.g. td config set plugins '["redact", "./td-plugins/audit.mjs", ["@acme/policy", {"strict": true}]]'`,
      });
    }
    for (const entry of value) {
      const name = Array.isArray(entry) ? entry[0] : entry;
      if (typeof name !== 'string' || (Array.isArray(entry) && (entry.length > 2 || (entry[1] !== undefined && !isPlainObject(entry[1]))))) {
        throw new ConfigError(`plugins entry ${JSON.stringify(entry)} must be a name, a relative file, or [name, {options}]`, {code: 'invalid_value'});
      }
      if (!/^(\.{1,2}\/|\/)/.test(name)) resolvePluginPackage(name);
    }
  }
}

export interface SetResult {
  key: string;
  value: unknown;
  previous: unknown;
  scope: Scope;
  file: string;
  created: boolean;
  note?: string;
}

export function setConfigValue(loaded: LoadedConfig, key: string, raw: string, options: {global?: boolean; string?: boolean} = {}): SetResult {
  const segs = splitKey(key);
  const value = isTdUserKey(key) ? parseTdValue(key, raw) : options.string ? raw : parseValue(raw);
  validateValue(key, value);
  const target = editTarget(loaded, key, !!options.global);
  const doc = openForEdit(target);
  const previous = getPath(doc.root, segs);
  setPath(doc.root, segs, value);
  doc.save();
  return {key, value, previous, scope: target.scope, file: target.file, created: !target.exists, note: target.reason};
}

export interface UnsetResult {
  key: string;
  removed: boolean;
  previous: unknown;
  scope: Scope;
  file: string;
}

export function unsetConfigValue(loaded: LoadedConfig, key: string, options: {global?: boolean} = {}): UnsetResult {
  const segs = splitKey(key);
  const target = editTarget(loaded, key, !!options.global);
  if (!target.exists) return {key, removed: false, previous: undefined, scope: target.scope, file: target.file};
  const doc = openForEdit(target);
  const previous = getPath(doc.root, segs);
  const removed = unsetPath(doc.root, segs);
  if (removed) doc.save();
  return {key, removed, previous, scope: target.scope, file: target.file};
}

/** Write several keys at once into the project config (used by `td sync init`). */
export function setProjectValues(loaded: LoadedConfig, values: Array<[string, unknown]>): {file: string; created: boolean} {
  const target = editTarget(loaded, 'sync.backend', false);
  for (const [key, value] of values) validateValue(key, value);
  const doc = openForEdit(target);
  for (const [key, value] of values) setPath(doc.root, splitKey(key), value);
  doc.save();
  return {file: target.file, created: !target.exists};
}
