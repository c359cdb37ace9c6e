/**
 * Helpers for the task CLI suite: read a project's database with better-sqlite3 (never through
 * our Store), snapshot it to prove "nothing changed", and parse td's JSON streams.
 */
import Database from 'better-sqlite3';
import {cpSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {isolatedEnv, td, tempDir, type TdResult} from '../helpers/td.js';

export function openDb(dir: string): Database.Database {
  return new Database(join(dir, '.todos', 'issues.db'), {readonly: true, fileMustExist: true});
}

/** Every row of every table (ordered), as one comparable value. */
export function snapshot(dir: string): Record<string, unknown[]> {
  const db = openDb(dir);
  try {
    const out: Record<string, unknown[]> = {};
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{name: string}>;
    for (const {name} of tables) {
      const withoutRowid = /WITHOUT\s+ROWID/i.test(String((db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(name) as {sql: string}).sql));
      out[name] = db.prepare(`SELECT * FROM "${name}" ORDER BY ${withoutRowid ? '1' : 'rowid'}`).all();
    }
    return out;
  } finally {
    db.close();
  }
}

export interface ActionRow {
  rowid: number;
  id: string;
  session_id: string;
  action_type: string;
  entity_type: string;
  entity_id: string;
  previous_data: string;
  new_data: string;
  timestamp: string;
}

export function actions(dir: string, where = '1 = 1', ...args: unknown[]): ActionRow[] {
  const db = openDb(dir);
  try {
    return db.prepare(`SELECT rowid, * FROM action_log WHERE ${where} ORDER BY rowid`).all(...args) as ActionRow[];
  } finally {
    db.close();
  }
}

export function row<T = Record<string, any>>(dir: string, sql: string, ...args: unknown[]): T | undefined {
  const db = openDb(dir);
  try {
    return db.prepare(sql).get(...args) as T | undefined;
  } finally {
    db.close();
  }
}

export function rows<T = Record<string, any>>(dir: string, sql: string, ...args: unknown[]): T[] {
  const db = openDb(dir);
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

/** td prints one JSON document per id (pretty objects and one-line error envelopes). */
export function jsonDocs(stdout: string): any[] {
  const docs: any[] = [];
  let buf = '';
  for (const line of stdout.split('\n')) {
    if (!buf && line.trim() === '') continue;
    buf += (buf ? '\n' : '') + line;
    try {
      docs.push(JSON.parse(buf));
      buf = '';
    } catch {
      /* incomplete document: keep reading */
    }
  }
  if (buf.trim()) throw new Error(`trailing non-JSON output: ${buf}`);
  return docs;
}

export interface Project {
  dir: string;
  env: NodeJS.ProcessEnv;
  td(args: string[], input?: string, extraEnv?: NodeJS.ProcessEnv): TdResult;
}

/** A temp project (td init) whose commands run as session identity `who` (TD_SESSION_ID). */
export function project(who = 'alice'): Project {
  const dir = tempDir('td-cli-');
  const env = isolatedEnv({TD_SESSION_ID: who});
  const r = td(dir, ['init'], env);
  if (r.code !== 0) throw new Error(`td init failed: ${r.stdout}${r.stderr}`);
  return {dir, env, td: (args, input, extraEnv) => td(dir, args, extraEnv ? {...env, ...extraEnv} : env, input)};
}

/** A copy of a project's `.todos/` in a new folder (cheap fixtures for table-driven tests). */
export function cloneProject(src: Project, who = 'bob'): Project {
  const dir = tempDir('td-cli-clone-');
  mkdirSync(join(dir, '.todos'));
  cpSync(join(src.dir, '.todos', 'issues.db'), join(dir, '.todos', 'issues.db'));
  const env = isolatedEnv({TD_SESSION_ID: who});
  return {dir, env, td: (args, input, extraEnv) => td(dir, args, extraEnv ? {...env, ...extraEnv} : env, input)};
}

export const ISSUE_KEYS_REQUIRED = ['id', 'title', 'status', 'type', 'priority', 'points', 'implementer_session', 'creator_session', 'reviewer_session', 'created_at', 'updated_at', 'minor', 'defer_count'];

/** snapshot() without the local `sessions` table (a successful no-op still refreshes last_activity, as in td). */
export function dataSnapshot(dir: string): Record<string, unknown[]> {
  const {sessions: _sessions, ...rest} = snapshot(dir);
  return rest;
}
