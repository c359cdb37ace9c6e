/**
 * `sync.dir.*` settings: validation, path resolution and the remote id.
 *
 *   sync.dir.path          the shared folder (absolute, or relative to the project root)
 *   sync.dir.segmentBytes  optional: roll a device's segment file after about this many bytes
 */
import {existsSync, realpathSync, statSync} from 'node:fs';
import {basename, dirname, isAbsolute, join, resolve} from 'node:path';
import {ConfigError, type ConfigContext, type JsonObject} from 'td-sync-sdk';

export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
const MIN_SEGMENT_BYTES = 1024;

export interface DirConfig extends JsonObject {
  /** Absolute path of the shared folder. */
  path: string;
  segmentBytes: number;
}

export function validateDirConfig(raw: JsonObject, context?: ConfigContext): DirConfig {
  const path = raw.path;
  if (typeof path !== 'string' || path.trim() === '') {
    throw new ConfigError('sync.dir.path is not set: the dir backend needs the shared folder to sync through', {
      code: 'dir_path_missing',
      hint: 'run "td config set sync.dir.path /path/to/shared/folder" (or "td sync init")',
    });
  }
  const segmentBytes = raw.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  if (typeof segmentBytes !== 'number' || !Number.isInteger(segmentBytes) || segmentBytes < MIN_SEGMENT_BYTES) {
    throw new ConfigError(`sync.dir.segmentBytes must be an integer of at least ${MIN_SEGMENT_BYTES} (got ${JSON.stringify(segmentBytes)})`, {
      code: 'dir_segment_bytes_invalid',
      hint: 'remove the setting to use the default (8 MiB)',
    });
  }
  return {path: absoluteRealPath(resolveDirPath(path.trim(), context)), segmentBytes};
}

/**
 * Relative paths are resolved against the project root. A host that does not pass the project root
 * (older hosts) gets td's own discovery: the nearest folder above the working directory holding
 * `.todos/`, else the working directory.
 */
export function resolveDirPath(path: string, context?: ConfigContext): string {
  const expanded = path === '~' || path.startsWith('~/') ? join(process.env.HOME ?? '', path.slice(1)) : path;
  if (isAbsolute(expanded)) return resolve(expanded);
  return resolve(context?.projectRoot ?? findProjectRoot(process.cwd()), expanded);
}

function findProjectRoot(from: string): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, '.todos'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(from);
    dir = parent;
  }
}

/**
 * The real path of `path`, following symlinks of the part that exists (the folder itself may not
 * exist yet, before `td sync init` creates it), so two spellings of one folder are one target.
 */
export function absoluteRealPath(path: string): string {
  const rest: string[] = [];
  let head = resolve(path);
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return resolve(path);
      rest.push(basename(head));
      head = parent;
    }
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
