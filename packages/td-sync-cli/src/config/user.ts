/**
 * td's user-level config file, `~/.config/td/config.json` (td's own: `{"sync": {"url", "auto": {...}}}`).
 * It gives defaults under the project's config. Writes keep every key we do not know.
 */
import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {ConfigError, type JsonObject} from 'td-sync-sdk';
import {userConfigDir} from '../store/project.js';
import {isPlainObject} from './keys.js';

export function userConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(userConfigDir(env), 'config.json');
}

export function readJsonObjectFile(file: string): JsonObject | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`, {code: 'config_invalid'});
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`, {code: 'config_invalid', hint: 'fix or remove the file'});
  }
  if (!isPlainObject(value)) throw new ConfigError(`${file} must hold a JSON object`, {code: 'config_invalid'});
  return value;
}

export function readUserConfig(env: NodeJS.ProcessEnv = process.env): {file: string; config: JsonObject} {
  const file = userConfigFile(env);
  return {file, config: readJsonObjectFile(file) ?? {}};
}

/** Write JSON atomically (temp file + rename), 2-space indent like td. */
export function writeJsonFile(file: string, value: unknown, indent: string | number = 2, mode?: number): void {
  mkdirSync(dirname(file), {recursive: true});
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, indent) + '\n', mode === undefined ? undefined : {mode});
  renameSync(tmp, file);
}
