/**
 * A small oclif base for the commands this package contributes (`td auth …`, `td sync link`).
 * It cannot use the CLI's TdCommand (a backend never imports the CLI), so it repeats td's
 * conventions: `--json` and `-w/--work-dir`, results on stdout, `ERROR: …` + hint on stderr, and
 * in JSON mode one `{"error":{"code","message","hint"}}` on stdout with exit status 1. Keys are
 * scrubbed from everything printed.
 */
import {chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {Command, Errors, Flags} from '@oclif/core';
import {ConfigError, type CredentialStore, type JsonObject} from 'td-sync-sdk';
import {tdConfigDir} from './config.js';

const secrets = new Set<string>();
export const scrub = (text: string) => {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('[REDACTED]');
  return out;
};

/** td's credential files in ~/.config/td (0600 files, 0755 folder, 2-space JSON, like the Go td). */
export class TdCredentialFiles implements CredentialStore {
  constructor(
    readonly environment: NodeJS.ProcessEnv = process.env,
    readonly dir = tdConfigDir(environment),
  ) {}

  env(name: string): string | undefined {
    const v = this.environment[name];
    if (v && /key|token|secret/i.test(name)) secrets.add(v);
    return v === '' ? undefined : v;
  }

  path(name: string): string {
    return join(this.dir, name.endsWith('.json') ? name : `${name}.json`);
  }

  async readFile(name: string): Promise<JsonObject | undefined> {
    let text: string;
    try {
      text = readFileSync(this.path(name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const v = JSON.parse(text) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const key = (v as JsonObject).api_key;
        if (typeof key === 'string') secrets.add(key);
        return v as JsonObject;
      }
      return undefined;
    } catch {
      throw new ConfigError(`${this.path(name)} is not valid JSON`, {code: 'config_invalid', hint: 'run "td auth login" to rewrite it, or delete it'});
    }
  }

  async writeFile(name: string, value: JsonObject): Promise<void> {
    const file = this.path(name);
    mkdirSync(this.dir, {recursive: true, mode: 0o755});
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', {mode: 0o600});
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  }

  async deleteFile(name: string): Promise<void> {
    rmSync(this.path(name), {force: true});
  }

  redact(secret: string): void {
    secrets.add(secret);
  }
}

/** The td project root: the nearest folder holding `.todos/` (or `.td-root`), from `start` up. */
export function findTdRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    try {
      if (statSync(join(dir, '.todos')).isDirectory() || existsSync(join(dir, '.td-root'))) return dir;
    } catch {
      /* keep walking */
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export abstract class HttpCommand extends Command {
  static baseFlags = {
    json: Flags.boolean({description: 'Format output as JSON (errors too).', helpGroup: 'GLOBAL'}),
    'work-dir': Flags.string({char: 'w', description: 'Project directory (default: TD_WORK_DIR, then the current directory).', helpGroup: 'GLOBAL'}),
  };

  protected jsonMode = false;
  protected readonly files = new TdCredentialFiles();

  public async init(): Promise<void> {
    await super.init();
    this.jsonMode = this.argv.includes('--json');
  }

  protected printJson(value: unknown): void {
    process.stdout.write(scrub(JSON.stringify(value, null, 2)) + '\n');
  }

  protected say(text: string): void {
    process.stdout.write(scrub(text) + '\n');
  }

  protected note(text: string): void {
    process.stderr.write(scrub(text));
  }

  protected async catch(err: Error & {exitCode?: number; code?: unknown; hint?: unknown}): Promise<any> {
    if (err instanceof Errors.ExitError) throw err;
    let code = typeof err.code === 'string' && !/^[A-Z_]+$/.test(err.code) ? err.code : 'invalid_input';
    if ((err as {oclif?: unknown}).oclif && code === 'invalid_input') code = 'invalid_input';
    const envelope: Record<string, unknown> = {code, message: scrub(err.message ?? String(err))};
    if (typeof err.hint === 'string') envelope.hint = scrub(err.hint);
    if (this.jsonMode) process.stdout.write(JSON.stringify({error: envelope}) + '\n');
    else {
      process.stderr.write(`ERROR: ${envelope.message}\n`);
      if (envelope.hint) process.stderr.write(`  ${envelope.hint}\n`);
    }
    this.exit(typeof err.exitCode === 'number' && err.exitCode > 0 ? err.exitCode : 1);
  }
}
