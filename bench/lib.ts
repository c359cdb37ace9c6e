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
export function newStore(): InstanceType<typeof storeMod.Store> {
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
