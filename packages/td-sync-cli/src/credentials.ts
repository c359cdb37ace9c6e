/**
 * Where backends get secrets: the environment, and 0600 JSON files in td's user config folder
 * (`~/.config/td/<name>.json`, e.g. td's own `auth.json`). Everything secret that passes through
 * here is registered with redact.ts, so no output ever shows it.
 */
import {chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {ConfigError, type CredentialStore, type JsonObject} from 'td-sync-sdk';
import {registerSecret} from './redact.js';
import {userConfigDir} from './store/project.js';

const SECRET_NAME = /(token|key|secret|password|passwd|credential|auth)/i;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function registerSecretsIn(value: unknown, keyLooksSecret = false): void {
  if (typeof value === 'string') {
    if (keyLooksSecret) registerSecret(value);
  } else if (Array.isArray(value)) {
    for (const v of value) registerSecretsIn(v, keyLooksSecret);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) registerSecretsIn(v, keyLooksSecret || SECRET_NAME.test(k));
  }
}

export class FileCredentialStore implements CredentialStore {
  readonly dir: string;
  private readonly environment: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv = process.env, dir = userConfigDir(env)) {
    this.environment = env;
    this.dir = dir;
  }

  env(name: string): string | undefined {
    const value = this.environment[name];
    if (value !== undefined && SECRET_NAME.test(name)) registerSecret(value);
    return value === '' ? undefined : value;
  }

  private path(name: string): string {
    const file = name.endsWith('.json') ? name : `${name}.json`;
    if (!FILE_NAME.test(file) || file.includes('..')) {
      throw new ConfigError(`credentials file name "${name}" is not a plain file name`, {code: 'invalid_input'});
    }
    return join(this.dir, file);
  }

  async readFile(name: string): Promise<JsonObject | undefined> {
    let text: string;
    try {
      text = readFileSync(this.path(name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ConfigError(`credentials file ${this.path(name)} is not valid JSON`, {code: 'config_invalid', hint: 'log in again to rewrite it, or delete it'});
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    registerSecretsIn(value);
    return value as JsonObject;
  }

  async writeFile(name: string, value: JsonObject): Promise<void> {
    registerSecretsIn(value);
    const file = this.path(name);
    mkdirSync(this.dir, {recursive: true, mode: 0o700});
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', {mode: 0o600});
    chmodSync(tmp, 0o600); // the umask may have widened it
    renameSync(tmp, file);
  }

  async deleteFile(name: string): Promise<void> {
    rmSync(this.path(name), {force: true});
  }

  redact(secret: string): void {
    registerSecret(secret);
  }
}

export function createCredentialStore(env: NodeJS.ProcessEnv = process.env): CredentialStore {
  return new FileCredentialStore(env);
}
