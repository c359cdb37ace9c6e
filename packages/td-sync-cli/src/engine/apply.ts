/**
 * Applying one inbound event to the td tables.
 *
 * `applyTotal` is td's algorithm (spec §6.3) for backends that give every device the same order:
 * whole-row INSERT OR REPLACE for creates, field-level UPDATE when previous data is present, update
 * never creates, soft delete / restore by client timestamp, hard delete clearing parent_id, the
 * dependency-cycle rule, orphans skipped.
 *
 * `applyUnordered` is for backends whose devices see events in different orders. Each entity is a
 * set of last-writer-wins registers (one per column, plus one for existence) kept in
 * td_sync_field_stamps, each holding the value and the stamp (clientTimestamp, deviceId,
 * clientActionId) of the write that set it. An event only writes registers whose stamp is older, so
 * applying a set of events in any order gives the same registers; the table row is then
 * re-materialised from them. A row is present when its existence register says so and its parents
 * are present (a child that arrives before its parent waits and appears with it); a `depends_on`
 * edge whose reverse edge is also live shows only the one with the smaller `issue|depends_on` key.
 * The result equals applying all events in stamp order with td's rules, whatever the arrival order.
 */
import type Database from 'better-sqlite3';
import {deterministicId, normalizeEntityType, unwrapIssue, type EntityType, type JsonObject, type SyncEvent} from 'td-sync-sdk';
import {parseTdTime} from '../store/index.js';
import {childTables, defaultValue, sql, eventTimeText, LOCAL_ONLY, readRow, scrub, tableInfo, toSqlValue, type Column, type TableInfo} from './tables.js';

const CANONICAL = new Set(['create', 'update', 'delete', 'soft_delete', 'restore']);

export interface Prepared {
  info: TableInfo;
  table: EntityType;
  id: string;
  newData: JsonObject | null;
  prevData: JsonObject | null;
  /** diff(), computed once: conflict detection and applying both need it. */
  changes?: {value: JsonObject | undefined};
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isEmpty = (o: JsonObject | null) => !o || Object.keys(o).length === 0;

/** Steps 1-2 of §6.3: payload shape, entity type, entity id, action. Throws td's permanent messages. */
export function prepare(db: Database.Database, ev: SyncEvent): Prepared {
  const p = ev.payload as unknown;
  if (!isObject(p)) throw new Error('unmarshal payload: payload is not an object');
  const nd = (p as JsonObject).newData ?? null;
  const pd = (p as JsonObject).previousData ?? null;
  if ((nd !== null && !isObject(nd)) || (pd !== null && !isObject(pd))) throw new Error('unmarshal payload: newData/previousData must be objects');
  // Backends should send canonical names; td's aliases (`issue`, `dependency`...) are accepted too.
  const info = tableInfo(db, normalizeEntityType(String(ev.entityType ?? '')) ?? String(ev.entityType));
  if (!info) throw new Error(`invalid entity type: ${JSON.stringify(ev.entityType)}`);
  if (!ev.entityId) throw new Error('empty entity ID');
  if (!CANONICAL.has(String(ev.actionType))) throw new Error(`unknown action type: ${JSON.stringify(ev.actionType)}`);
  return {info, table: info.name, id: String(ev.entityId), newData: scrub(info.name, nd as JsonObject | null), prevData: scrub(info.name, pd as JsonObject | null)};
}

const unwrapFor = (table: string, d: JsonObject | null) => (table === 'issues' ? unwrapIssue(d) : d);

/** Payload of a create / replace: unwrapped, non-empty, id forced, unknown keys dropped. */
function rowData(prep: Prepared): JsonObject {
  const d = unwrapFor(prep.table, prep.newData);
  if (d === null || d === undefined) throw new Error('nil payload');
  if (isEmpty(d)) throw new Error('payload has no fields');
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(d)) if (prep.info.columns.has(k)) out[k] = v;
  out.id = prep.id;
  if (Object.keys(out).length === 1) throw new Error(`no known fields in payload for ${prep.table}/${prep.id}`);
  return out;
}

/** Changed keys of an update (keys removed -> null); `id` excluded. Undefined when there is no previous data. */
function diff(prep: Prepared): JsonObject | undefined {
  prep.changes ??= {value: computeDiff(prep)};
  return prep.changes.value;
}

/** Same value (a primitive compares directly; objects and arrays by their JSON). */
const same = (a: unknown, b: unknown) => a === b || (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && JSON.stringify(a) === JSON.stringify(b));

function computeDiff(prep: Prepared): JsonObject | undefined {
  const prev = unwrapFor(prep.table, prep.prevData);
  if (isEmpty(prev)) return undefined;
  const next = unwrapFor(prep.table, prep.newData) ?? {};
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(next)) {
    if (k === 'id') continue;
    if (!(k in prev!) || !same(prev![k], v)) out[k] = v;
  }
  for (const k of Object.keys(prev!)) if (k !== 'id' && !(k in next)) out[k] = null;
  return out;
}

const knownKeys = (prep: Prepared, d: JsonObject) => Object.keys(d).filter((k) => prep.info.columns.has(k)).sort();

function orphanDetail(db: Database.Database, prep: Prepared, data: JsonObject, cascadeOnly: boolean): string | undefined {
  for (const fk of prep.info.fks) {
    if (cascadeOnly && fk.onDelete.toUpperCase() !== 'CASCADE') continue;
    const v = data[fk.from];
    if (!((typeof v === 'string' && v !== '') || typeof v === 'number')) continue;
    const exists = sql(db, `SELECT 1 FROM ${fk.table} WHERE ${fk.to} = ?`).get(v);
    if (!exists) return `orphaned ${prep.table}/${prep.id}: ${fk.from} references missing ${fk.table}/${v}`;
  }
  return undefined;
}

export type TotalOutcome = {kind: 'applied'; replaced?: Record<string, unknown>} | {kind: 'orphan'; detail: string};

/** The local row as the caller already read it (`row` undefined = no such row), to save a second read. */
export interface KnownRow {
  row: Record<string, unknown> | undefined;
}

/** td's whole-row upsert; `mustExist` = replace-if-exists. */
function upsert(db: Database.Database, prep: Prepared, mustExist: boolean, known?: KnownRow): TotalOutcome {
  const data = rowData(prep);
  const existing = known ? known.row : readRow(db, prep.table, prep.id);
  if (mustExist && !existing) return {kind: 'applied'};
  if (!existing) {
    const detail = orphanDetail(db, prep, data, true);
    if (detail) return {kind: 'orphan', detail};
  }
  const cols = knownKeys(prep, data);
  const values = cols.map((c) => toSqlValue(prep.table, prep.info.columns.get(c)!, data[c]));
  sql(db, `INSERT OR REPLACE INTO ${prep.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...values);
  return {kind: 'applied', replaced: existing};
}

function wouldCycle(db: Database.Database, issueId: string, dependsOn: string): boolean {
  const next = sql(db, "SELECT depends_on_id AS d FROM issue_dependencies WHERE issue_id = ? AND relation_type = 'depends_on'");
  const seen = new Set<string>();
  const queue = [dependsOn];
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node === issueId) return true;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const r of next.all(node) as Array<{d: string}>) queue.push(r.d);
  }
  return false;
}

/**
 * Apply one event with td's rules (total order). Throws on failure; the caller classifies.
 * `known`: the row with this id as read in the same transaction before (nothing wrote it since).
 */
export function applyTotal(db: Database.Database, prep: Prepared, ev: SyncEvent, known?: KnownRow): TotalOutcome {
  switch (ev.actionType) {
    case 'create': {
      if (prep.table === 'issue_dependencies') {
        const d = rowData(prep);
        const rel = String(d.relation_type ?? 'depends_on');
        const a = String(d.issue_id ?? '');
        const b = String(d.depends_on_id ?? '');
        if (rel === 'depends_on' && a && b && wouldCycle(db, a, b)) {
          if (`${a}|${b}` < `${b}|${a}`) sql(db, 'DELETE FROM issue_dependencies WHERE issue_id = ? AND depends_on_id = ?').run(b, a);
          else return {kind: 'applied'};
        }
      }
      return upsert(db, prep, false, known);
    }
    case 'update': {
      const changes = diff(prep);
      if (changes) {
        const cols = knownKeys(prep, changes);
        if (cols.length > 0) {
          try {
            const values = cols.map((c) => toSqlValue(prep.table, prep.info.columns.get(c)!, changes[c]));
            const r = sql(db, `UPDATE ${prep.table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...values, prep.id);
            if (r.changes > 0) return {kind: 'applied'};
          } catch {
            /* td falls back to replace-if-exists */
          }
        }
      }
      return upsert(db, prep, true, known);
    }
    case 'delete':
      if (prep.table === 'issues') sql(db, "UPDATE issues SET parent_id = '' WHERE parent_id = ?").run(prep.id);
      sql(db, `DELETE FROM ${prep.table} WHERE id = ?`).run(prep.id);
      return {kind: 'applied'};
    case 'soft_delete':
      sql(db, `UPDATE ${prep.table} SET deleted_at = ? WHERE id = ?`).run(eventTimeText(ev.clientTimestamp, parseTdTime), prep.id);
      return {kind: 'applied'};
    case 'restore': {
      const t = eventTimeText(ev.clientTimestamp, parseTdTime);
      sql(db, `UPDATE ${prep.table} SET deleted_at = NULL, updated_at = ? WHERE id = ?`).run(t, prep.id);
      return {kind: 'applied'};
    }
    default:
      throw new Error(`unknown action type: ${JSON.stringify(ev.actionType)}`);
  }
}

/**
 * Would this event overwrite local state (a conflict candidate)? Creates and whole-row updates
 * that hit an existing row do; a field-level update does when a field it changes was also changed
 * locally (the local value is neither the author's old value nor its new one).
 */
export function overwritesLocal(prep: Prepared, ev: SyncEvent, local: Record<string, unknown> | undefined): boolean {
  if (!local) return false;
  if (ev.actionType === 'create') return true;
  if (ev.actionType !== 'update') return false;
  const changes = diff(prep);
  const cols = changes ? knownKeys(prep, changes) : [];
  if (!changes || cols.length === 0) return true;
  const prev = unwrapFor(prep.table, prep.prevData) ?? {};
  return cols.some((c) => {
    const col = prep.info.columns.get(c)!;
    const mine = local[c] ?? null;
    const before = toSqlValue(prep.table, col, prev[c]);
    const after = toSqlValue(prep.table, col, changes[c]);
    return String(mine) !== String(before) && String(mine) !== String(after);
  });
}

// ---------------------------------------------------------------------------------------------
// Unordered: last-writer-wins registers

const ALIVE = '$alive';
const EPOCH = '1970-01-01T00:00:00.000Z';

/** Sortable stamp: `<ISO ms UTC>|<deviceId>|<clientActionId, 15 digits>`. */
export function stampOf(ev: Pick<SyncEvent, 'clientTimestamp' | 'deviceId' | 'clientActionId'>): string {
  const t = parseTdTime(ev.clientTimestamp);
  const iso = t && t.getUTCFullYear() >= 1000 && t.getUTCFullYear() <= 9999 ? t.toISOString() : EPOCH;
  return `${iso}|${ev.deviceId}|${String(ev.clientActionId).padStart(15, '0')}`;
}

export const stampTime = (stamp: string) => new Date(stamp.slice(0, 24));

function sqlDefault(col: Column, nowText: string): string | number | null {
  return defaultValue(col, nowText);
}

/** Normalised value of a register; null on NOT NULL-with-default becomes the default. */
function registerValue(prep: Prepared, col: Column, raw: unknown, nowText: string): string | number | bigint | null {
  const v = toSqlValue(prep.table, col, raw);
  if (v === null && col.notnull) {
    if (col.dflt !== null) return sqlDefault(col, nowText);
    throw new Error(`NOT NULL constraint failed: ${prep.table}.${col.name}`);
  }
  return v;
}

function wholeRow(prep: Prepared, data: JsonObject, nowText: string): Map<string, unknown> {
  const local = new Set(LOCAL_ONLY[prep.table] ?? []);
  const writes = new Map<string, unknown>();
  for (const name of prep.info.columnNames) {
    if (local.has(name) || name === 'id') continue;
    const col = prep.info.columns.get(name)!;
    writes.set(name, name in data ? registerValue(prep, col, data[name], nowText) : col.notnull && col.dflt === null ? registerValue(prep, col, null, nowText) : sqlDefault(col, nowText));
  }
  return writes;
}

/** The register writes of one event. */
export function registerWrites(prep: Prepared, ev: SyncEvent): Map<string, unknown> {
  const t = parseTdTime(ev.clientTimestamp);
  const nowText = t ? t.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '') : '1970-01-01 00:00:00';
  switch (ev.actionType) {
    case 'create': {
      const w = wholeRow(prep, rowData(prep), nowText);
      w.set(ALIVE, true);
      return w;
    }
    case 'update': {
      const changes = diff(prep);
      const cols = changes ? knownKeys(prep, changes).filter((c) => c !== 'id' && !(LOCAL_ONLY[prep.table] ?? []).includes(c)) : [];
      if (changes && cols.length > 0) return new Map(cols.map((c) => [c, registerValue(prep, prep.info.columns.get(c)!, changes[c], nowText)]));
      return wholeRow(prep, rowData(prep), nowText);
    }
    case 'delete':
      return new Map([[ALIVE, false]]);
    case 'soft_delete':
      if (!prep.info.columns.has('deleted_at')) throw new Error(`no such column: deleted_at (${prep.table})`);
      return new Map([['deleted_at', eventTimeText(ev.clientTimestamp, parseTdTime)]]);
    case 'restore':
      if (!prep.info.columns.has('deleted_at')) throw new Error(`no such column: deleted_at (${prep.table})`);
      if (!prep.info.columns.has('updated_at')) throw new Error(`no such column: updated_at (${prep.table})`);
      return new Map<string, unknown>([['deleted_at', null], ['updated_at', eventTimeText(ev.clientTimestamp, parseTdTime)]]);
    default:
      throw new Error(`unknown action type: ${JSON.stringify(ev.actionType)}`);
  }
}

/** Write the registers the event wins. Returns whether any changed. */
export function ingest(db: Database.Database, table: string, id: string, writes: Map<string, unknown>, stamp: string): boolean {
  const get = sql(db, 'SELECT stamp FROM td_sync_field_stamps WHERE entity_type = ? AND entity_id = ? AND field = ?');
  const put = sql(db, 'INSERT OR REPLACE INTO td_sync_field_stamps (entity_type, entity_id, field, stamp, value) VALUES (?, ?, ?, ?, ?)');
  let changed = false;
  for (const [field, value] of writes) {
    const cur = get.get(table, id, field) as {stamp: string} | undefined;
    if (cur && cur.stamp >= stamp) continue;
    put.run(table, id, field, stamp, JSON.stringify(value === undefined ? null : typeof value === 'bigint' ? Number(value) : value));
    changed = true;
  }
  return changed;
}

/** Newest stamp of any register of an entity. */
export function newestStamp(db: Database.Database, table: string, id: string): string | undefined {
  return (sql(db, 'SELECT MAX(stamp) AS s FROM td_sync_field_stamps WHERE entity_type = ? AND entity_id = ?').get(table, id) as {s: string | null}).s ?? undefined;
}

export type MaterializeResult = 'present' | 'absent' | 'waiting_parent' | 'untouched';

/** Re-materialise one entity's row from its registers (and, transitively, rows that depend on it). */
export function materialize(db: Database.Database, table: EntityType, id: string, visited = new Set<string>()): MaterializeResult {
  const key = `${table}/${id}`;
  if (visited.has(key)) return 'untouched';
  visited.add(key);
  const info = tableInfo(db, table);
  if (!info) return 'untouched';
  const regs = new Map(
    (sql(db, 'SELECT field, value FROM td_sync_field_stamps WHERE entity_type = ? AND entity_id = ?').all(table, id) as Array<{field: string; value: string}>).map(
      (r) => [r.field, JSON.parse(r.value) as unknown],
    ),
  );
  if (regs.size === 0) return 'untouched';
  const existing = readRow(db, table, id);
  let alive = regs.has(ALIVE) ? regs.get(ALIVE) === true : !!existing;
  const value = (c: string) => (regs.has(c) ? regs.get(c) : existing ? existing[c] : undefined);
  let waiting = false;
  if (alive && table === 'issue_dependencies' && (value('relation_type') ?? 'depends_on') === 'depends_on') {
    const a = String(value('issue_id') ?? '');
    const b = String(value('depends_on_id') ?? '');
    const reverse = deterministicId.dependency(b, a, 'depends_on');
    const rev = sql(db, "SELECT value FROM td_sync_field_stamps WHERE entity_type = 'issue_dependencies' AND entity_id = ? AND field = ?").get(reverse, ALIVE) as {value: string} | undefined;
    if (reverse !== id && rev?.value === 'true' && `${b}|${a}` < `${a}|${b}`) alive = false;
  }
  if (alive) {
    for (const fk of info.fks) {
      const v = value(fk.from);
      if (!((typeof v === 'string' && v !== '') || typeof v === 'number')) continue;
      if (!sql(db, `SELECT 1 FROM ${fk.table} WHERE ${fk.to} = ?`).get(v)) {
        alive = false;
        waiting = true;
        break;
      }
    }
  }
  const after: MaterializeResult[] = [];
  if (!alive) {
    if (existing) sql(db, `DELETE FROM ${table} WHERE id = ?`).run(id);
  } else {
    const local = new Set(LOCAL_ONLY[table] ?? []);
    if (existing) {
      const cols = info.columnNames.filter((c) => c !== 'id' && !local.has(c) && regs.has(c) && !sameValue(existing[c], regs.get(c)));
      if (cols.length > 0) sql(db, `UPDATE ${table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...cols.map((c) => regs.get(c) as never), id);
    } else {
      const cols = info.columnNames.filter((c) => c === 'id' || regs.has(c));
      const vals = cols.map((c) => (c === 'id' ? id : regs.get(c)));
      sql(db, `INSERT OR REPLACE INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...(vals as never[]));
      // Rows that were waiting for this one.
      const find = (t: string, c: string) =>
        sql(db, 'SELECT entity_id AS id FROM td_sync_field_stamps WHERE entity_type = ? AND field = ? AND value = ?').all(t, c, JSON.stringify(id)) as Array<{id: string}>;
      for (const child of childTables(db, table)) for (const r of find(child.table, child.column)) after.push(materialize(db, child.table, r.id, visited));
    }
  }
  if (table === 'issue_dependencies') {
    const a = String(value('issue_id') ?? '');
    const b = String(value('depends_on_id') ?? '');
    if (a && b) materialize(db, table, deterministicId.dependency(b, a, 'depends_on'), visited);
  }
  if (waiting) return 'waiting_parent';
  return alive ? 'present' : 'absent';
}

/** Same value and same SQLite storage class (a BLOB td wrote is rewritten as the TEXT peers hold). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  const num = (v: unknown) => typeof v === 'number' || typeof v === 'bigint';
  if (num(a) && num(b)) return Number(a) === Number(b);
  return typeof a === typeof b && String(a) === String(b);
}

/** Apply one event by registers. Returns the materialisation result ('untouched' when it won nothing). */
export function applyUnordered(db: Database.Database, prep: Prepared, ev: SyncEvent, stamp = stampOf(ev)): MaterializeResult {
  const writes = registerWrites(prep, ev);
  if (!ingest(db, prep.table, prep.id, writes, stamp)) return 'untouched';
  return materialize(db, prep.table, prep.id);
}
