/**
 * What the engine needs to know about td's synced tables: columns, defaults, foreign keys, and the
 * value conversions td applies when a JSON payload becomes a row (spec §6.3) or a row becomes a
 * JSON snapshot (backfill and conflict snapshots, errata 7).
 */
import type Database from 'better-sqlite3';
import {ENTITY_TYPES, type EntityType, type JsonObject} from 'td-sync-sdk';

export interface Column {
  name: string;
  type: string;
  notnull: boolean;
  /** The DEFAULT expression as SQLite reports it (`''`, `'open'`, `0`, `CURRENT_TIMESTAMP`), or null. */
  dflt: string | null;
}

export interface ForeignKey {
  /** The referenced table. */
  table: string;
  from: string;
  to: string;
  onDelete: string;
}

export interface TableInfo {
  name: EntityType;
  columns: Map<string, Column>;
  columnNames: string[];
  fks: ForeignKey[];
}

/** Columns that never leave this machine (scrubbed outbound and inbound). */
export const LOCAL_ONLY: Partial<Record<EntityType, readonly string[]>> = {
  work_sessions: ['worktree_id', 'worktree_root', 'repo_root'],
};

/** td's entity_type label for journal rows the engine writes itself (issues are `issue`). */
export const ENTITY_LABEL: Record<EntityType, string> = {
  issues: 'issue', logs: 'logs', comments: 'comments', handoffs: 'handoff', boards: 'boards',
  board_issue_positions: 'board_position', issue_dependencies: 'dependency', issue_files: 'file_link',
  work_sessions: 'work_sessions', work_session_issues: 'work_session_issues', issue_reviews: 'issue_reviews', notes: 'notes',
};

const cache = new WeakMap<Database.Database, Map<string, TableInfo>>();
const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A prepared statement cached per connection (the apply path runs the same few SQL texts per event). */
export function sql(db: Database.Database, text: string): Database.Statement {
  let perDb = statements.get(db);
  if (!perDb) {
    perDb = new Map();
    statements.set(db, perDb);
  }
  let s = perDb.get(text);
  if (!s) {
    s = db.prepare(text);
    perDb.set(text, s);
  }
  return s;
}

export function isEntityType(value: string): value is EntityType {
  return (ENTITY_TYPES as readonly string[]).includes(value);
}

/** Column and FK description of one synced table (cached per connection). Undefined if absent. */
export function tableInfo(db: Database.Database, table: string): TableInfo | undefined {
  if (!isEntityType(table)) return undefined;
  let perDb = cache.get(db);
  if (!perDb) {
    perDb = new Map();
    cache.set(db, perDb);
  }
  const hit = perDb.get(table);
  if (hit) return hit;
  const cols = db.prepare(`PRAGMA table_info(${table})`).all() as Array<{name: string; type: string; notnull: number; dflt_value: string | null}>;
  if (cols.length === 0) return undefined;
  const fks = (db.prepare(`PRAGMA foreign_key_list(${table})`).all() as Array<{table: string; from: string; to: string; on_delete: string}>).map(
    (f) => ({table: f.table, from: f.from, to: f.to ?? 'id', onDelete: f.on_delete}),
  );
  const info: TableInfo = {
    name: table,
    columns: new Map(cols.map((c) => [c.name, {name: c.name, type: (c.type ?? '').toUpperCase(), notnull: c.notnull === 1, dflt: c.dflt_value}])),
    columnNames: cols.map((c) => c.name),
    fks,
  };
  perDb.set(table, info);
  return info;
}

/** Tables (and their FK columns) whose rows reference `parent`. */
export function childTables(db: Database.Database, parent: string): Array<{table: EntityType; column: string}> {
  const out: Array<{table: EntityType; column: string}> = [];
  for (const t of ENTITY_TYPES) {
    const info = tableInfo(db, t);
    for (const fk of info?.fks ?? []) if (fk.table === parent) out.push({table: t, column: fk.from});
  }
  return out;
}

export const isTextDefaultEmpty = (c: Column) => c.type === 'TEXT' && c.dflt === "''";

/** td's JSON -> column value rules: labels array -> comma string, arrays/objects -> JSON text, bool -> 0/1, null on TEXT DEFAULT '' -> ''. */
export function toSqlValue(table: string, column: Column, value: unknown): string | number | bigint | null {
  if (value === undefined || value === null) return isTextDefaultEmpty(column) ? '' : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value)) return table === 'issues' && column.name === 'labels' ? value.map((v) => String(v)).join(',') : JSON.stringify(value);
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'bigint') return value;
  return String(value);
}

/** The value a column's DEFAULT gives (CURRENT_TIMESTAMP -> `now`, in SQLite's layout). */
export function defaultValue(column: Column, now: string): string | number | null {
  const d = column.dflt;
  if (d === null || d === undefined) return null;
  if (/^current_timestamp$/i.test(d)) return now;
  const quoted = /^'(.*)'$/s.exec(d);
  if (quoted) return quoted[1].replace(/''/g, "'");
  if (/^-?\d+(\.\d+)?$/.test(d)) return Number(d);
  if (/^null$/i.test(d)) return null;
  return null;
}

/** Remove local-only columns from a payload object (returns a copy). */
export function scrub(table: string, data: JsonObject | null): JsonObject | null {
  const local = LOCAL_ONLY[table as EntityType];
  if (!data || !local) return data;
  const copy: JsonObject = {...data};
  for (const k of local) delete copy[k];
  if (copy.issue && typeof copy.issue === 'object') {
    const inner = {...(copy.issue as JsonObject)};
    for (const k of local) delete inner[k];
    copy.issue = inner;
  }
  return copy;
}

const DATETIME = /^(DATETIME|DATE|TIMESTAMP)$/;

/** A DB time text as RFC3339 (what Go's encoder prints for a parsed DATETIME). */
function rfc3339FromDb(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!m) return text;
  let zone = m[3] ?? 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return `${m[1]}T${m[2]}${zone}`;
}

/** A raw row (`SELECT *`) as a JSON snapshot: BLOB -> base64, DATETIME -> RFC3339, local-only columns removed. */
export function rowToJson(db: Database.Database, table: string, row: Record<string, unknown> | undefined | null): JsonObject | null {
  if (!row) return null;
  const info = tableInfo(db, table);
  const local = new Set(LOCAL_ONLY[table as EntityType] ?? []);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(row)) {
    if (local.has(k)) continue;
    if (Buffer.isBuffer(v)) out[k] = v.toString('base64');
    else if (typeof v === 'string' && info && DATETIME.test(info.columns.get(k)?.type ?? '')) out[k] = rfc3339FromDb(v);
    else if (typeof v === 'bigint') out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

export function readRow(db: Database.Database, table: EntityType, id: string): Record<string, unknown> | undefined {
  return sql(db, `SELECT * FROM ${table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
}

/** Time text td's inbound soft delete / restore writes: `YYYY-MM-DD HH:MM:SS+00:00` (seconds, UTC). */
export function eventTimeText(clientTimestamp: string, parse: (s: string) => Date | undefined): string {
  const d = parse(clientTimestamp) ?? new Date(Date.UTC(1, 0, 1));
  const iso = d.toISOString();
  if (d.getUTCFullYear() < 1000) return '0001-01-01 00:00:00+00:00';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+00:00`;
}
