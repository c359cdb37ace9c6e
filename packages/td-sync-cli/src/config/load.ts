/**
 * The effective configuration of a project: the user file as defaults, the project's config file
 * (nearest to the working directory, up to the project root) on top.
 */
import type {JsonObject} from 'td-sync-sdk';
import {findProjectRoot, startDirectory} from '../store/project.js';
import {deepMerge, getPath, splitKey} from './keys.js';
import {findProjectConfig, type FoundConfig} from './search.js';
import {readUserConfig} from './user.js';

export interface LoadedConfig {
  /** Where the search started (the working directory or -w). */
  start: string;
  projectRoot: string;
  project: FoundConfig | null;
  user: {file: string; config: JsonObject};
  merged: JsonObject;
  env: NodeJS.ProcessEnv;
}

export interface LoadConfigOptions {
  workDir?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Known project root (skips discovery). */
  projectRoot?: string;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const start = startDirectory(options.workDir, env, options.cwd);
  const projectRoot = options.projectRoot ?? findProjectRoot(start, env);
  const project = await findProjectConfig(start, projectRoot);
  const user = readUserConfig(env);
  const merged = deepMerge(user.config, project?.config ?? {});
  return {start, projectRoot, project, user, merged, env};
}

export type ValueSource = 'project' | 'user' | 'default';

/** A key's effective value and where it came from. */
export function lookup(loaded: LoadedConfig, key: string): {value: unknown; source?: ValueSource; file?: string} {
  const segs = splitKey(key);
  const fromProject = loaded.project ? getPath(loaded.project.config, segs) : undefined;
  const fromUser = getPath(loaded.user.config, segs);
  if (fromProject !== undefined) return {value: getPath(loaded.merged, segs), source: 'project', file: loaded.project!.file};
  if (fromUser !== undefined) return {value: fromUser, source: 'user', file: loaded.user.file};
  return {value: undefined};
}
