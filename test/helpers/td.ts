/**
 * Test helpers shared by every suite: temporary projects, an isolated HOME per test, and the
 * built `td` binary run as a real child process.
 */
import {spawn, spawnSync, type SpawnSyncReturns} from 'node:child_process';
import {mkdtempSync, mkdirSync, realpathSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';

/** The repository root (ava's cwd). */
export const REPO = resolve(process.cwd());
export const TD_BIN = join(REPO, 'packages/td-sync-cli/bin/run.js');

export function tempDir(prefix = 'td-test-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

/** An isolated environment: its own HOME/XDG dirs so no test reads the developer's config. */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = tempDir('td-home-');
  mkdirSync(join(home, '.config'), {recursive: true});
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    TD_DATA_DIR: join(home, '.local/share/td'),
    OCLIF_SKIP_NEW_VERSION_CHECK: 'true',
    NO_COLOR: '1',
    TZ: process.env.TZ ?? 'UTC',
    ...extra,
  };
  return env;
}

export interface TdResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = any>(): T;
}

function wrap(r: SpawnSyncReturns<string> | {status: number | null; stdout: string; stderr: string}): TdResult {
  const code = r.status ?? -1;
  return {
    code,
    stdout: r.stdout,
    stderr: r.stderr,
    json<T>() {
      try {
        return JSON.parse(r.stdout) as T;
      } catch (e) {
        throw new Error(`stdout is not JSON (exit ${code}): ${r.stdout}\nstderr: ${r.stderr}`, {cause: e});
      }
    },
  };
}

/** Run the built `td` synchronously in `cwd`. */
export function td(cwd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): TdResult {
  const r = spawnSync(process.execPath, [TD_BIN, ...args], {cwd, env, encoding: 'utf8', input, timeout: 60_000});
  if (r.error) throw r.error;
  return wrap(r);
}

/** Run the built `td` asynchronously (for concurrent runs). */
export function tdAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<TdResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [TD_BIN, ...args], {cwd, env});
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolvePromise(wrap({status, stdout, stderr})));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** A fresh project: temp folder + isolated env + `td init`. */
export function newProject(extraEnv: NodeJS.ProcessEnv = {}): {dir: string; env: NodeJS.ProcessEnv; td(args: string[], input?: string): TdResult} {
  const dir = tempDir('td-proj-');
  const env = isolatedEnv(extraEnv);
  const r = td(dir, ['init'], env);
  if (r.code !== 0) throw new Error(`td init failed: ${r.stdout}${r.stderr}`);
  return {dir, env, td: (args, input) => td(dir, args, env, input)};
}
