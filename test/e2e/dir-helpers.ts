/**
 * Helpers for the `dir` end-to-end tests: a team of td projects sharing one folder, each driven
 * through the built `td` binary, and their task tables read straight from SQLite for comparison.
 */
import Database from 'better-sqlite3';
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {newProject, tempDir, type TdResult} from '../helpers/td.js';

export interface Member {
  name: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Run td; throws with the output when it exits non-zero. */
  td(args: string[]): TdResult;
  /** Run td, returning the result whatever the exit code. */
  tryTd(args: string[]): TdResult;
}

export interface Team {
  shared: string;
  members: Member[];
}

/** `n` projects, each configured with `td config set` to sync through one shared folder. */
export function team(n: number, extraEnv: NodeJS.ProcessEnv = {}): Team {
  const shared = tempDir('td-shared-');
  const members: Member[] = [];
  for (let i = 0; i < n; i++) {
    const p = newProject(extraEnv);
    const name = String.fromCharCode(65 + i);
    const member: Member = {
      name,
      dir: p.dir,
      env: p.env,
      tryTd: (args) => p.td(args),
      td: (args) => {
        const r = p.td(args);
        if (r.code !== 0) throw new Error(`[${name}] td ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        return r;
      },
    };
    member.td(['config', 'set', 'sync.backend', 'dir']);
    member.td(['config', 'set', 'sync.dir.path', shared]);
    members.push(member);
  }
  return {shared, members};
}

/** Add entries to the project's `.tdrc.json` (which `td config set` created). */
export function addToConfig(member: Member, extra: Record<string, unknown>): void {
  const file = join(member.dir, '.tdrc.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({...config, ...extra}, null, 2));
}

type Row = Record<string, unknown>;

export const TASK_TABLES = ['issues', 'logs', 'comments', 'issue_dependencies'] as const;

/** Every row of the synced task tables, as the project's database holds them. */
export function taskTables(member: Member): Record<string, Row[]> {
  const db = new Database(join(member.dir, '.todos/issues.db'), {readonly: true, fileMustExist: true});
  try {
    const out: Record<string, Row[]> = {};
    for (const t of TASK_TABLES) out[t] = db.prepare(`SELECT * FROM ${t} ORDER BY id`).all() as Row[];
    return out;
  } finally {
    db.close();
  }
}

export function query<T = Row>(member: Member, sql: string, ...params: unknown[]): T[] {
  return queryDb<T>(member, {readonly: true}, sql, ...params);
}

/**
 * Right after a killed td, the database may have a hot rollback journal that only a writable
 * connection can roll back (what td's next open does too).
 */
export function queryAfterCrash<T = Row>(member: Member, sql: string, ...params: unknown[]): T[] {
  return queryDb<T>(member, {readonly: false}, sql, ...params);
}

function queryDb<T>(member: Member, options: {readonly: boolean}, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(member.dir, '.todos/issues.db'), {readonly: options.readonly, fileMustExist: true, timeout: 10_000});
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The first difference between two projects' task tables, or undefined when identical. */
export function difference(a: Member, b: Member): string | undefined {
  const ta = taskTables(a);
  const tb = taskTables(b);
  for (const t of TASK_TABLES) {
    const ra = new Map(ta[t]!.map((r) => [String(r.id), r]));
    const rb = new Map(tb[t]!.map((r) => [String(r.id), r]));
    for (const id of new Set([...ra.keys(), ...rb.keys()])) {
      const x = ra.get(id);
      const y = rb.get(id);
      if (!x || !y) return `${t} ${id}: only in ${x ? a.name : b.name}`;
      for (const col of Object.keys(x)) {
        if (JSON.stringify(x[col]) !== JSON.stringify(y[col])) return `${t} ${id}.${col}: ${a.name}=${JSON.stringify(x[col])} ${b.name}=${JSON.stringify(y[col])}`;
      }
    }
  }
  return undefined;
}

/** Sync every member in turn, twice around: everyone pushes, then everyone pulls everything. */
export function syncAll(t: Team): void {
  for (let round = 0; round < 2; round++) for (const m of t.members) m.td(['sync']);
}

/** Every event stored in a `dir` shared folder: identity -> copies (a torn last line left by a kill is not an event). */
export function storedIdentities(shared: string): Map<string, number> {
  const counts = new Map<string, number>();
  const devices = join(shared, 'devices');
  let ds: string[] = [];
  try {
    ds = readdirSync(devices);
  } catch {
    return counts;
  }
  for (const device of ds) {
    for (const file of readdirSync(join(devices, device)).filter((f) => f.endsWith('.ndjson'))) {
      for (const line of readFileSync(join(devices, device, file), 'utf8').split('\n')) {
        if (!line.startsWith('{')) continue;
        let e: {deviceId?: string; sessionId?: string; clientActionId?: number};
        try {
          e = JSON.parse(line);
        } catch {
          continue; // a torn last line left by a kill
        }
        if (e.clientActionId === undefined) continue;
        const key = `${e.deviceId}/${e.sessionId}/${e.clientActionId}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/** Titles long enough for td's title rules, distinct per call. */
export const title = (who: string, n: number, words = ['Fix', 'the', 'flaky', 'upload', 'retry', 'path']) =>
  `${words[n % words.length]} task ${n} written by project ${who}`;

/** Bytes in a shared folder's device files: grows when any project writes to it. */
export function folderBytes(shared: string): number {
  let total = 0;
  const devices = join(shared, 'devices');
  let names: string[] = [];
  try {
    names = readdirSync(devices);
  } catch {
    return 0;
  }
  for (const d of names) for (const f of readdirSync(join(devices, d))) total += statSync(join(devices, d, f)).size;
  return total;
}
