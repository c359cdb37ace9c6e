/**
 * Helpers for the examples' tests: load an example package by path (as the CLI would, not through
 * a workspace import), install one into a project's node_modules the way `npm install` lays it
 * out, and a small team of td projects.
 */
import {cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {newProject, REPO, type TdResult} from '../helpers/td.js';

export const EXAMPLES = join(REPO, 'examples');

/** `import()` an example's entry by file URL (what `td` does with a package's "td-sync" entry). */
export async function importExample<T = unknown>(name: string): Promise<T> {
  const pjson = JSON.parse(readFileSync(join(EXAMPLES, name, 'package.json'), 'utf8')) as {main?: string; 'td-sync'?: {backend?: string; plugin?: string}};
  const entry = pjson['td-sync']?.backend ?? pjson['td-sync']?.plugin ?? pjson.main ?? 'index.js';
  const mod = (await import(pathToFileURL(join(EXAMPLES, name, entry)).href)) as {default: T};
  return mod.default;
}

/**
 * Copy an example into `<project>/node_modules/<name>` with the files it would publish, and give it
 * its dependency on td-sync-sdk the way npm would (a package folder next to it: here a link to the
 * workspace's built SDK, since tests run offline).
 */
export function installExample(projectDir: string, name: string): string {
  const nm = join(projectDir, 'node_modules');
  const dest = join(nm, name);
  mkdirSync(nm, {recursive: true});
  cpSync(join(EXAMPLES, name), dest, {recursive: true, filter: (src) => !src.includes('node_modules')});
  const pjson = JSON.parse(readFileSync(join(dest, 'package.json'), 'utf8')) as {dependencies?: Record<string, string>};
  if (pjson.dependencies?.['td-sync-sdk']) {
    try {
      symlinkSync(join(REPO, 'packages/td-sync-sdk'), join(nm, 'td-sync-sdk'), 'dir');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return dest;
}

export type Project = ReturnType<typeof newProject> & {ok(args: string[]): TdResult};

/** A td project whose commands must succeed (`ok`) or may fail (`td`). */
export function project(extraEnv: NodeJS.ProcessEnv = {}): Project {
  const p = newProject(extraEnv);
  return {
    ...p,
    ok(args) {
      const r = p.td(args);
      if (r.code !== 0) throw new Error(`td ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r;
    },
  };
}

/** Merge keys into the project's `.tdrc.json` (lists such as `plugins` included, which `td config set` does not take). */
export function writeConfig(p: {dir: string}, config: Record<string, unknown>): void {
  const file = join(p.dir, '.tdrc.json');
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    /* no config yet */
  }
  writeFileSync(file, JSON.stringify({...current, ...config}, null, 2));
}
