/**
 * Shared pieces of the benchmarks: the built engine and store (dist/, what users run), an
 * in-memory backend serving pre-built pages, temp projects, timing, and the one-line JSON result
 * every case prints last (bench/run.ts collects them into the table).
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir, loadavg} from 'node:os';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import {createSyncHooks, defineBackend, type BackendDefinition, type PullResult, type PushResult, type SyncEvent} from 'td-sync-sdk';
import type {ResolvedTarget} from '../packages/td-sync-cli/src/engine/api.js';
import type {Store} from '../packages/td-sync-cli/src/store/index.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_DIST = join(REPO, 'packages/td-sync-cli/dist');
export const TD_BIN = join(REPO, 'packages/td-sync-cli/bin/run.js');

/** The built engine and store (run `npm run build` first; `npm run bench` does). */
export const engine = (await import(join(CLI_DIST, 'engine/index.js'))) as typeof import('../packages/td-sync-cli/src/engine/index.js');
export const storeMod = (await import(join(CLI_DIST, 'store/index.js'))) as typeof import('../packages/td-sync-cli/src/store/index.js');

export const N = Number(process.env.BENCH_EVENTS ?? 100_000);

const dirs: string[] = [];
export function tempDir(prefix = 'td-bench-'): string {
  const d = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), prefix));
  dirs.push(d);
  return d;
}
process.on('exit', () => {
  if (!process.env.BENCH_KEEP) for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

/** A fresh td project (td v38 schema) in a temp dir. */
export function newStore(): Store {
  const root = tempDir();
  return storeMod.Store.init(root).store;
}

export const credentials = (env: Record<string, string> = {}) => ({
  env: (name: string) => env[name],
  readFile: async () => undefined,
  writeFile: async () => {},
  deleteFile: async () => {},
  redact: () => {},
});

/** A backend that pushes into an array and pulls pre-built events in pages, in one total order. */
export function memoryBackend(remote: SyncEvent[], options: {ordering?: 'total' | 'unordered'; pushed?: SyncEvent[]} = {}): BackendDefinition {
  return defineBackend({
    apiVersion: 1,
    name: 'bench',
    displayName: 'In-memory bench backend',
    validateConfig: (raw) => raw,
    remoteId: () => 'memory',
    create() {
      return {
        capabilities: {entityTypes: 'all', bidirectional: true, echoesOwnEvents: true, maxPushBatch: 1000, maxPullPage: 1000, ordering: options.ordering ?? 'total'},
        async push(events): Promise<PushResult> {
          const acks = events.map((e) => {
            options.pushed?.push(e);
            return {clientActionId: e.clientActionId, remoteSeq: remote.length + (options.pushed?.length ?? 0)};
          });
          return {acks, rejections: []};
        },
        async pull(req): Promise<PullResult> {
          const after = req.cursor ? Number(req.cursor) : 0;
          const events = remote.slice(after, after + req.limit);
          return {events, cursor: String(after + events.length), hasMore: after + events.length < remote.length};
        },
        async status() {
          return {reachable: true, authenticated: true, remote: 'memory'};
        },
      };
    },
  });
}

export function target(definition: BackendDefinition, config: Record<string, unknown> = {}, env: Record<string, string> = {}): ResolvedTarget {
  return {
    targetId: `${definition.name}:${definition.name === 'bench' ? 'memory' : 'bench'}`,
    backendName: definition.name,
    packageName: `td-sync-backend-${definition.name}`,
    source: 'core',
    definition,
    config: config as ResolvedTarget['config'],
    hooks: createSyncHooks(),
    credentials: credentials(env),
  };
}

export async function time<T>(fn: () => T | Promise<T>): Promise<{ms: number; value: T}> {
  const t0 = performance.now();
  const value = await fn();
  return {ms: performance.now() - t0, value};
}

export const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Figure {
  /** What is measured, e.g. "apply 100k events (engine)". */
  name: string;
  value: number;
  unit: string;
  /** The floor / baseline measured in the same run. */
  floor?: {name: string; value: number};
  /** value / floor (or floor / value for times: always "how close to the floor", 1 = as fast). */
  ratio?: number;
  goal?: string;
  met?: boolean;
}

export interface CaseResult {
  case: string;
  figures: Figure[];
  notes?: string[];
  /** Wrong results (row counts...): the case fails. */
  errors: string[];
  load: number[];
}

/** Print a case's figures readably, then one JSON line (prefixed) for bench/run.ts. */
export function report(result: Omit<CaseResult, 'load'>): void {
  const full: CaseResult = {...result, load: loadavg().map((l) => Math.round(l * 100) / 100)};
  console.log(`\n== ${full.case}  (load average ${full.load.join(' ')})`);
  for (const f of full.figures) {
    const floor = f.floor ? `   floor: ${f.floor.name} ${fmt(f.floor.value)} ${f.unit}` : '';
    const ratio = f.ratio !== undefined ? `   ratio ${f.ratio.toFixed(2)}` : '';
    const goal = f.goal ? `   goal ${f.goal}: ${f.met ? 'met' : 'MISSED'}` : '';
    console.log(`  ${f.name}: ${fmt(f.value)} ${f.unit}${floor}${ratio}${goal}`);
  }
  for (const n of full.notes ?? []) console.log(`  note: ${n}`);
  for (const e of full.errors) console.log(`  WRONG RESULT: ${e}`);
  console.log(`BENCH_RESULT ${JSON.stringify(full)}`);
  if (full.errors.length > 0) process.exitCode = 1;
}

export const fmt = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1));

export function check(errors: string[], what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) errors.push(`${what}: ${String(actual)}, expected ${String(expected)}`);
}

// ---- td processes and the td-sync stand-in (separate processes, like real ones) ----
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';

export interface ServerInfo {url: string; apiKey: string; projectId: string; stop(): void}

/** The td-sync stand-in in its own process, in-memory database, rate limits out of the way. */
export async function startServer(): Promise<ServerInfo> {
  // BENCH_SERVER_PROF=<dir>: CPU profile of the stand-in too (written when it exits)
  const prof = process.env.BENCH_SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '--import=tsx', join(REPO, 'test/td-sync-server/cli.ts'), '--port', '0'], {
    env: {...process.env, SYNC_RATE_LIMIT_AUTH: '1000000', SYNC_RATE_LIMIT_PUSH: '1000000', SYNC_RATE_LIMIT_PULL: '1000000', SYNC_RATE_LIMIT_OTHER: '1000000'},
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const info = await new Promise<{url: string; apiKey: string; projectId: string}>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`td-sync stand-in exited (${code}) before printing its address`)));
    child.stdout!.setEncoding('utf8').once('data', (line: string) => resolve(JSON.parse(line)));
  });
  process.on('exit', () => child.kill('SIGTERM'));
  return {...info, stop: () => child.kill('SIGTERM')};
}

/** An environment of its own (HOME/XDG) for a td child process. */
export function isolatedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = tempDir('td-bench-home-');
  mkdirSync(join(home, '.config'), {recursive: true});
  return {
    PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CACHE_HOME: join(home, '.cache'), TD_DATA_DIR: join(home, '.local/share/td'), OCLIF_SKIP_NEW_VERSION_CHECK: 'true', NO_COLOR: '1', TZ: 'UTC', ...extra,
  };
}

export interface TdRun {code: number; stdout: string; stderr: string; ms: number; maxRssKb?: number}

const PROBE = join(REPO, 'bench/rss-probe.mjs');

/** Run the built td; with `rss`, a preloaded probe records the process's peak RSS (KiB). */
export function tdRun(cwd: string, args: string[], env: NodeJS.ProcessEnv, options: {rss?: boolean} = {}): Promise<TdRun> {
  const rssFile = options.rss ? join(tempDir('td-bench-rss-'), 'rss') : undefined;
  const childEnv = rssFile ? {...env, NODE_OPTIONS: `--import=${PROBE}`, TD_BENCH_RSS_FILE: rssFile} : env;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [TD_BIN, ...args], {cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      let maxRssKb: number | undefined;
      if (rssFile) {
        try {
          maxRssKb = Number(readFileSync(rssFile, 'utf8'));
        } catch {
          /* the probe did not run */
        }
      }
      resolve({code: code ?? -1, stdout, stderr, ms, maxRssKb});
    });
  });
}

/** A td project (td init) with its own environment. */
export async function tdProject(extra: Record<string, string> = {}): Promise<{dir: string; env: NodeJS.ProcessEnv}> {
  const dir = tempDir('td-bench-proj-');
  const env = isolatedEnv(extra);
  const r = await tdRun(dir, ['init'], env);
  if (r.code !== 0) throw new Error(`td init failed: ${r.stdout}${r.stderr}`);
  return {dir, env};
}

export {writeFileSync};
