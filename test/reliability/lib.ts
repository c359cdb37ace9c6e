/**
 * Shared set-up for the reliability suite: td projects wired to each backend (a shared folder, the
 * td-sync stand-in, the GitHub emulator — the latter two run in this process, so td is always run
 * asynchronously), SIGKILLed syncs, remote duplicate counts, comparable task state, and the soak
 * counters that `scripts/soak-summary.mjs` adds up.
 *
 * Iteration counts: `TD_SOAK=1` selects the long figures; the default run takes the small ones.
 */
import Database from 'better-sqlite3';
import {appendFileSync, mkdirSync, symlinkSync} from 'node:fs';
import {join} from 'node:path';
import {folderBytes, storedIdentities} from '../e2e/dir-helpers.js';
import {killedTdSync, type KillOutcome} from '../helpers/kill.js';
import {isolatedEnv, REPO, tdAsync, tempDir, type TdResult} from '../helpers/td.js';
import {startTdSyncServer, type TdSyncServer} from '../td-sync-server/server.js';
import {startGitHubEmulator, type GitHubEmulator} from '../github-emulator/index.js';

export const SOAK = process.env.TD_SOAK === '1';
/** The CI figure, or the soak figure under TD_SOAK=1. */
export const pick = (ci: number, soak: number) => (SOAK ? soak : ci);

export type CountKind = 'crashPoints' | 'faultsInjected' | 'badInputs' | 'concurrentRuns' | 'operationsConverged' | 'lost' | 'duplicated';

/** Append one counter line to $TD_SOAK_COUNTS (the soak summary sums them); no-op otherwise. */
export function count(kind: CountKind, n = 1, test?: string): void {
  const file = process.env.TD_SOAK_COUNTS;
  if (!file || n === 0) return;
  appendFileSync(file, JSON.stringify({kind, n, test}) + '\n');
}

export {rng} from '../helpers/rng.js';

export const HIGH_LIMITS = {auth: 1_000_000, push: 1_000_000, pull: 1_000_000, other: 1_000_000};

export type BackendName = 'dir' | 'http' | 'github';

export interface Proj {
  name: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  /** td, whatever the exit code. */
  exec(args: string[], env?: NodeJS.ProcessEnv): Promise<TdResult>;
  /** td; throws with the output on a non-zero exit. */
  run(args: string[]): Promise<TdResult>;
}

export interface Remote {
  backend: BackendName;
  /** A new project synced to this remote. */
  project(name?: string, extraEnv?: NodeJS.ProcessEnv): Promise<Proj>;
  /** Identity -> how often the remote stores it (events for dir/http, issues and comments for github). */
  stored(): Map<string, number>;
  /** How much the remote holds right now (changes when a sync wrote something). */
  progress(): number;
  server?: TdSyncServer;
  em?: GitHubEmulator;
  shared?: string;
  close(): Promise<void>;
}

export function makeProj(dir: string, env: NodeJS.ProcessEnv, name: string): Proj {
  const exec = (args: string[], e?: NodeJS.ProcessEnv) => tdAsync(dir, args, e ?? env);
  return {
    name,
    dir,
    env,
    exec,
    async run(args) {
      const r = await exec(args);
      if (r.code !== 0) throw new Error(`[${name}] td ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r;
    },
  };
}

/** A bare td project (td init) with an isolated HOME. */
export async function bareProject(name = 'P', extraEnv: NodeJS.ProcessEnv = {}): Promise<Proj> {
  const dir = tempDir('td-rel-');
  const env = isolatedEnv(extraEnv);
  const p = makeProj(dir, env, name);
  await p.run(['init']);
  return p;
}

async function configure(p: Proj, pairs: Array<[string, string]>): Promise<void> {
  for (const [k, v] of pairs) await p.run(['config', 'set', k, v]);
}

let names = 0;
const nextName = () => String.fromCharCode(65 + (names++ % 26));

export async function dirRemote(): Promise<Remote> {
  const shared = tempDir('td-rel-shared-');
  return {
    backend: 'dir',
    shared,
    async project(name = nextName(), extraEnv = {}) {
      const p = await bareProject(name, extraEnv);
      await configure(p, [['sync.backend', 'dir'], ['sync.dir.path', shared]]);
      return p;
    },
    stored: () => storedIdentities(shared),
    progress: () => folderBytes(shared),
    async close() {},
  };
}

export async function httpRemote(options: Parameters<typeof startTdSyncServer>[0] = {}): Promise<Remote> {
  const s = await startTdSyncServer({rateLimits: HIGH_LIMITS, ...options});
  return {
    backend: 'http',
    server: s,
    async project(name = nextName(), extraEnv = {}) {
      const p = await bareProject(name, {TD_AUTH_KEY: s.adminKey, ...extraEnv});
      await configure(p, [['sync.backend', 'http'], ['sync.http.url', s.url], ['sync.http.projectId', s.projectId]]);
      return p;
    },
    stored() {
      const counts = new Map<string, number>();
      for (const e of s.store.events(s.projectId)) {
        const key = `${e.device_id}/${e.session_id}/${e.client_action_id}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    },
    progress: () => s.requests.length,
    close: () => s.close(),
  };
}

/** Link the workspace's github backend into the project's node_modules (as `npm install` would). */
export function linkGithubBackend(dir: string): void {
  mkdirSync(join(dir, 'node_modules'), {recursive: true});
  symlinkSync(join(REPO, 'packages/td-sync-backend-github'), join(dir, 'node_modules/td-sync-backend-github'), 'dir');
}

const TD_BEGIN = /<!-- td:begin ([A-Za-z0-9_.:-]+) -->/;
const TD_RECORD = /<!-- td:(log|handoff|comment|overflow) ([A-Za-z0-9_.:-]+)(?: on ([A-Za-z0-9_.:-]+))? -->/;

export async function githubRemote(options: Parameters<typeof startGitHubEmulator>[0] = {}): Promise<Remote> {
  // The td side lifts its creation pacing for these long runs (below), so the emulator lifts GitHub's
  // content-creation and secondary-point limits to match: a run paused by them is a clean stop, not
  // what these tests are about. The limits and td's answer to them are tested where they belong
  // (test/github-emulator, the backend's own suite, and the injected limit faults in faults.test.ts).
  const em = await startGitHubEmulator({seed: 1, ...options, limits: {contentPerMinute: 1_000_000, contentPerHour: 10_000_000, secondaryPointsPerMinute: 10_000_000, ...options.limits}});
  em.createRepo('acme/app');
  return {
    backend: 'github',
    em,
    async project(name = nextName(), extraEnv = {}) {
      const p = await bareProject(name, {GITHUB_TOKEN: em.token, ...extraEnv});
      linkGithubBackend(p.dir);
      await configure(p, [
        ['sync.backend', 'github'],
        ['sync.github.repo', 'acme/app'],
        ['sync.github.baseUrl', em.url],
        ['sync.github.writeSpacingMs', '0'],
        // The long runs create far more than GitHub's 60 issues/comments a minute; the pacing
        // itself is tested by the backend's own suite (a paused run is a clean stop, not a failure).
        ['sync.github.createsPerMinute', '100000'],
        ['sync.github.createsPerHour', '1000000'],
      ]);
      return p;
    },
    stored() {
      const counts = new Map<string, number>();
      const add = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
      for (const i of em.issues('acme/app')) {
        const id = TD_BEGIN.exec(i.body)?.[1];
        if (id) add(`issue/${id}`);
        for (const c of i.comments) {
          const m = TD_RECORD.exec(c.body);
          if (m) add(`${m[1]}/${m[2]}`);
        }
      }
      return counts;
    },
    progress: () => em.requestLog.length,
    close: () => em.close(),
  };
}

export function remoteFor(backend: BackendName, options: Record<string, unknown> = {}): Promise<Remote> {
  if (backend === 'dir') return dirRemote();
  if (backend === 'http') return httpRemote(options);
  return githubRemote(options);
}

/** Identities stored more than once on the remote. */
export function duplicates(r: Remote): string[] {
  return [...r.stored()].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
}

type Row = Record<string, unknown>;

export function sql<T = Row>(p: {dir: string}, query: string, ...params: unknown[]): T[] {
  // Writable: right after a kill the database may have a hot journal only a writer rolls back.
  const db = new Database(join(p.dir, '.todos/issues.db'), {fileMustExist: true, timeout: 10_000});
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
}

export function quickCheck(p: {dir: string}): string {
  return sql<{quick_check: string}>(p, 'PRAGMA quick_check')[0]!.quick_check;
}

/**
 * The task state every backend must carry identically: issue fields, and which logs/comments exist
 * (by id and issue). Dependencies are left to the backends' own tests (github keeps them in the block).
 */
export function taskState(p: {dir: string}): {issues: Row[]; logs: string[]; comments: string[]} {
  return {
    issues: sql(p, "SELECT id, title, status, priority, type, COALESCE(description,'') AS description, deleted_at IS NOT NULL AS deleted FROM issues ORDER BY id"),
    logs: sql<{k: string}>(p, "SELECT id || ' on ' || issue_id || ': ' || message AS k FROM logs ORDER BY id").map((r) => r.k),
    comments: sql<{k: string}>(p, "SELECT id || ' on ' || issue_id || ': ' || text AS k FROM comments ORDER BY id").map((r) => r.k),
  };
}

/** Pending (unsynced) journal rows of a project for any target. */
export function pendingCount(p: {dir: string}): number {
  return sql<{n: number}>(p, "SELECT COUNT(*) AS n FROM action_log WHERE undone = 0 AND rowid NOT IN (SELECT action_rowid FROM td_sync_acks)")[0]!.n;
}

/** `td sync --json` as parsed JSON (report or error envelope) with its exit code. */
export async function syncJson(p: Proj, ...args: string[]): Promise<{code: number; report: Record<string, any>; raw: TdResult}> {
  const raw = await p.exec(['sync', '--json', ...args]);
  let report: Record<string, any> = {};
  try {
    report = JSON.parse(raw.stdout);
  } catch {
    report = {unparsed: raw.stdout, stderr: raw.stderr};
  }
  return {code: raw.code, report, raw};
}

/** Sync every project in turn until a whole round pulls and pushes nothing (at most `rounds`). */
export async function settle(projects: Proj[], rounds = 4): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    let moved = 0;
    for (const p of projects) {
      const r = await syncJson(p);
      if (r.code !== 0) throw new Error(`[${p.name}] settle: td sync exited ${r.code}: ${r.raw.stdout}${r.raw.stderr}`);
      moved += (r.report.pushed ?? 0) + (r.report.applied ?? 0);
    }
    if (moved === 0 && round > 0) return;
  }
}

/** The first difference between projects' task state, or undefined. */
export function divergence(projects: Proj[]): string | undefined {
  const [first, ...rest] = projects;
  const a = JSON.stringify(taskState(first!));
  for (const p of rest) {
    const b = JSON.stringify(taskState(p));
    if (a !== b) {
      const sa = taskState(first!);
      const sb = taskState(p);
      for (const k of ['issues', 'logs', 'comments'] as const) {
        const xa = (sa[k] as unknown[]).map((x) => JSON.stringify(x));
        const xb = (sb[k] as unknown[]).map((x) => JSON.stringify(x));
        const onlyA = xa.filter((x) => !xb.includes(x));
        const onlyB = xb.filter((x) => !xa.includes(x));
        if (onlyA.length || onlyB.length) return `${k}: only in ${first!.name}: ${onlyA.slice(0, 3).join(' | ')}; only in ${p.name}: ${onlyB.slice(0, 3).join(' | ')}`;
      }
      return `${first!.name} != ${p.name}`;
    }
  }
  return undefined;
}

export type {KillOutcome} from '../helpers/kill.js';

/**
 * `td sync` SIGKILLed: after `delayMs`, or (when `whenProgress`) `delayMs` after the remote first
 * shows progress (a request answered, the folder grew) — or at `fallbackMs` when it shows none by
 * then (a pull-only run never writes to a folder).
 */
export function killedSync(p: Proj, remote: Remote, plan: {delayMs: number; whenProgress: boolean; fallbackMs?: number; args?: string[]}): Promise<KillOutcome> {
  return killedTdSync(p, {delayMs: plan.delayMs, args: plan.args, ...(plan.whenProgress ? {progress: () => remote.progress(), fallbackMs: plan.fallbackMs} : {})});
}

/** Titles td accepts (long enough), distinct per call. */
export const title = (who: string, n: number) => `Reliability task ${n} written by project ${who}`;

/** A random local change: create, update, log, comment, close/reopen, delete. Returns a label. */
export async function randomOp(p: Proj, r: () => number, n: number): Promise<string> {
  const ids = sql<{id: string; status: string}>(p, 'SELECT id, status FROM issues WHERE deleted_at IS NULL ORDER BY id');
  const pickId = () => ids[Math.floor(r() * ids.length)]!;
  const x = r();
  if (ids.length === 0 || x < 0.3) {
    await p.run(['create', title(p.name, n), '--priority', `P${Math.floor(r() * 4)}`]);
    return 'create';
  }
  const t = pickId();
  if (x < 0.5) {
    await p.run(['update', t.id, '--title', `${title(p.name, n)} (renamed)`]);
    return 'update';
  }
  if (x < 0.65) {
    await p.run(['log', t.id, `progress note ${n} from ${p.name}`]);
    return 'log';
  }
  if (x < 0.8) {
    await p.run(['comment', t.id, `comment ${n} from ${p.name}`]);
    return 'comment';
  }
  if (x < 0.9) {
    await p.run([t.status === 'closed' ? 'reopen' : 'close', t.id]);
    return 'close/reopen';
  }
  if (x < 0.95) {
    await p.run(['update', t.id, '--priority', `P${Math.floor(r() * 4)}`]);
    return 'priority';
  }
  await p.run(['delete', t.id]);
  return 'delete';
}
