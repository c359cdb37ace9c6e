/**
 * Helpers for the store suites: the real td fixture databases (copied, never opened in place),
 * byte hashes of a database and its side files, and td's v38 DDL as the spec writes it.
 */
import Database from 'better-sqlite3';
import {createHash} from 'node:crypto';
import {copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {REPO, tempDir} from '../helpers/td.js';

/** `../shared/fixtures` relative to the repository (absent in a user's clone). */
export const FIXTURES = resolve(REPO, '../shared/fixtures/td-databases');
export const SPEC = resolve(REPO, '../shared/spec/td-data-model-and-sync-engine.md');

export const fixturesPresent = () => existsSync(FIXTURES);

export const FIXTURE_NAMES = ['v27-marcus-nightshift', 'v29-tetrabit-llmfit', 'v30-pjsvis-oxibonsai'] as const;

export const SIDE = ['-wal', '-shm', '-journal'];

/** A temp project `<dir>/.todos/issues.db` holding a copy of the fixture (and its side files). */
export function fixtureProject(name: string): {dir: string; dbPath: string} {
  const dir = tempDir('td-fx-');
  mkdirSync(join(dir, '.todos'));
  const dbPath = join(dir, '.todos', 'issues.db');
  const src = join(FIXTURES, `${name}.db`);
  copyFileSync(src, dbPath);
  for (const s of SIDE) if (existsSync(src + s)) copyFileSync(src + s, dbPath + s);
  return {dir, dbPath};
}

/** A second, independent copy opened read-only: the "before" picture. */
export function openOriginal(name: string): Database.Database {
  const {dbPath} = fixtureProject(name);
  return new Database(dbPath, {readonly: true, fileMustExist: true});
}

/** sha256 of the database file and of each side file present (absent ones are listed as absent). */
export function hashFiles(dbPath: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of ['', ...SIDE]) {
    const p = dbPath + s;
    out[s || 'db'] = existsSync(p) ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'absent';
  }
  return out;
}

/** Files in a folder (to see which backups/side files exist). */
export const filesIn = (dir: string) => readdirSync(dir).sort();

/** td's v38 DDL exactly as spec Appendix A writes it (read from the spec when present). */
export function specV38Ddl(): string {
  if (existsSync(SPEC)) {
    const text = readFileSync(SPEC, 'utf8');
    const start = text.indexOf('## Appendix A');
    const block = /```sql\n([\s\S]*?)```/.exec(text.slice(start));
    if (start >= 0 && block) return block[1]!;
  }
  return SPEC_V38_COPY;
}

/** Columns, foreign keys and indexes of every table (order-insensitive), for schema comparisons. */
export function schemaShape(db: Database.Database, tables?: string[]) {
  const names = tables ?? (db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'td_sync_%' ORDER BY name").all() as Array<{name: string}>).map((r) => r.name);
  const shape: Record<string, {columns: string[]; foreignKeys: string[]; indexes: string[]}> = {};
  for (const t of names) {
    const columns = (db.prepare(`PRAGMA table_info("${t}")`).all() as Array<{name: string; type: string; notnull: number; dflt_value: string | null; pk: number}>)
      .map((c) => `${c.name} ${c.type} nn=${c.notnull} default=${c.dflt_value} pk=${c.pk}`)
      .sort();
    const foreignKeys = (db.prepare(`PRAGMA foreign_key_list("${t}")`).all() as Array<{from: string; table: string; to: string; on_delete: string}>)
      .map((f) => `${f.from} -> ${f.table}(${f.to}) on delete ${f.on_delete}`)
      .sort();
    const indexes = (db.prepare(`PRAGMA index_list("${t}")`).all() as Array<{name: string; unique: number; origin: string; partial: number}>)
      .map((i) => {
        const cols = (db.prepare(`PRAGMA index_xinfo("${i.name}")`).all() as Array<{name: string | null; desc: number; key: number}>)
          .filter((c) => c.key)
          .map((c) => `${c.name}${c.desc ? ' desc' : ''}`);
        // autoindex names depend on constraint order; name them by their columns
        const name = i.origin === 'c' ? i.name : `${i.origin}:unique`;
        return `${name}(${cols.join(',')}) unique=${i.unique} partial=${i.partial}`;
      })
      .sort();
    shape[t] = {columns, foreignKeys, indexes};
  }
  return shape;
}

/** Appendix A of the spec, for clones without ../shared: the one verbatim copy the tests share. */
const SPEC_V38_COPY = readFileSync(new URL('../cli/fixtures/td-v38.sql', import.meta.url), 'utf8');
