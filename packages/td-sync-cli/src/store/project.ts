/**
 * Finding a td project from a working directory, exactly as td does (spec §1.2): `.td-root`
 * redirect, `.todos/`, the user's associations file, the git root, the main worktree; never an
 * arbitrary walk up through parent folders.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, statSync} from 'node:fs';
import {homedir} from 'node:os';
import {basename, dirname, isAbsolute, join, resolve} from 'node:path';

export const TODOS_DIR = '.todos';
export const DB_FILE = 'issues.db';

/** td's per-user config folder (`~/.config/td`), honouring XDG_CONFIG_HOME like td's Go code does via os.UserConfigDir. */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TD_CONFIG_DIR) return env.TD_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'td');
}

/** Start directory: explicit flag > TD_WORK_DIR > cwd; a `.todos` folder means its parent. */
export function startDirectory(workDir?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  let dir = resolve(cwd, workDir || env.TD_WORK_DIR || cwd);
  if (basename(dir) === TODOS_DIR) dir = dirname(dir);
  return dir;
}

function readTdRoot(dir: string): string | undefined {
  const file = join(dir, '.td-root');
  try {
    const first = readFileSync(file, 'utf8').split(/\r?\n/)[0]?.trim();
    if (first) return resolve(dir, first);
  } catch {
    /* absent */
  }
  return undefined;
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

function association(dir: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    const map = JSON.parse(readFileSync(join(userConfigDir(env), 'associations.json'), 'utf8')) as Record<string, string>;
    const target = map[resolve(dir)];
    return target && isAbsolute(target) ? target : undefined;
  } catch {
    return undefined;
  }
}

function checkDir(dir: string, env: NodeJS.ProcessEnv): string | undefined {
  return readTdRoot(dir) ?? (isDir(join(dir, TODOS_DIR)) ? dir : undefined) ?? association(dir, env);
}

function git(dir: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000}).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The project root for a start directory (the directory itself when nothing matches). */
export function findProjectRoot(start: string, env: NodeJS.ProcessEnv = process.env): string {
  const direct = checkDir(start, env);
  if (direct) return direct;
  // git is only consulted when the folder itself is not a project (keeps the common path fast).
  if (!existsSync(start)) return start;
  const gitRoot = git(start, ['rev-parse', '--show-toplevel']);
  if (gitRoot) {
    const viaGit = checkDir(gitRoot, env);
    if (viaGit) return viaGit;
    const common = git(start, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    if (common) {
      const main = dirname(common);
      if (main !== gitRoot) {
        const viaMain = readTdRoot(main) ?? (isDir(join(main, TODOS_DIR)) ? main : undefined);
        if (viaMain) return viaMain;
      }
    }
  }
  return start;
}

export function databasePath(root: string): string {
  return join(root, TODOS_DIR, DB_FILE);
}
