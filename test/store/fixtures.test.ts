/**
 * Real td databases (schema 27, 29, 30, WAL mode, never synced) opened through the store: every
 * table compared row by row with an untouched copy, the migrated file at schema 38 with td's v38
 * columns, foreign keys and indexes, `quick_check` ok, out of WAL, a backup kept; then the built
 * `td` (doctor, and list/show when those commands exist) on the migrated project.
 */
import test from 'ava';
import Database from 'better-sqlite3';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {Store} from '../../packages/td-sync-cli/src/store/index.js';
import {REPO, isolatedEnv, td} from '../helpers/td.js';
import {FIXTURES, FIXTURE_NAMES, fixtureProject, fixturesPresent, openOriginal, schemaShape, specV38Ddl} from './helpers.js';

type Row = Record<string, unknown>;

/** A Go time.String() value, e.g. `2026-02-03 20:53:53.519728 -0800 PST m=+0.036937834`. */
const GO_STRING = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.(\d+))? ([+-])(\d{2})(\d{2}) [A-Za-z]+(?: m=[+-][\d.]+)?$/;

/** What migration 36 must make of a Go string (independent of the store's own parser). */
function expectedCanonical(v: string): string | undefined {
  const m = GO_STRING.exec(v);
  if (!m) return undefined;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  const zero = m[4] === '00' && m[5] === '00';
  return `${m[1]}${frac ? `.${frac}` : ''}${zero ? '+' : m[3]}${m[4]}:${m[5]}`;
}

function keyColumns(db: Database.Database, table: string): string[] {
  const pk = (db.prepare(`PRAGMA table_info("${table}")`).all() as Array<{name: string; pk: number}>).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  return pk.length ? pk.map((c) => c.name) : ['rowid'];
}

function rowsByKey(db: Database.Database, table: string, keys: string[]): Map<string, Row> {
  const select = keys.includes('rowid') ? 'rowid AS rowid, *' : '*';
  const out = new Map<string, Row>();
  for (const r of db.prepare(`SELECT ${select} FROM "${table}"`).all() as Row[]) out.set(JSON.stringify(keys.map((k) => r[k])), r);
  return out;
}

const dateColumns = (db: Database.Database, table: string) =>
  new Set((db.prepare(`PRAGMA table_info("${table}")`).all() as Array<{name: string; type: string}>).filter((c) => ['DATE', 'DATETIME', 'TIMESTAMP'].includes(c.type.toUpperCase())).map((c) => c.name));

const tdBuilt = existsSync(join(REPO, 'packages/td-sync-cli/dist/commands/doctor.js'));
const listBuilt = () => existsSync(join(REPO, 'packages/td-sync-cli/dist/commands/list.js'));
const showBuilt = () => existsSync(join(REPO, 'packages/td-sync-cli/dist/commands/show.js'));

if (!fixturesPresent()) {
  test('td fixture databases', (t) => {
    t.log(`skipped: ${FIXTURES} is absent (the real td databases live in ../shared/fixtures, outside a user's clone)`);
    t.false(existsSync(FIXTURES));
  });
}

for (const name of fixturesPresent() ? FIXTURE_NAMES : []) {
  test(`${name}: migrates to 38 and keeps every row of every table`, (t) => {
    const original = openOriginal(name);
    const fromVersion = Number((original.prepare("SELECT value FROM schema_info WHERE key='version'").get() as {value: string}).value);
    const {dir, dbPath} = fixtureProject(name);

    const started = performance.now();
    const store = Store.openAt(dir);
    const ms = performance.now() - started;
    try {
      const db = store.db;
      t.is(store.schemaVersion(), 38);
      t.truthy(store.migration, 'opening reports what it upgraded');
      t.is(store.migration!.fromVersion, fromVersion);
      t.deepEqual(
        store.migration!.steps.map((s) => s.version),
        Array.from({length: 38 - fromVersion}, (_, i) => fromVersion + 1 + i),
        'every step above the stored version ran, in order',
      );
      t.is(db.pragma('quick_check', {simple: true}), 'ok');
      t.is(db.pragma('journal_mode', {simple: true}), 'truncate');
      t.is(db.pragma('foreign_keys', {simple: true}), 1);
      t.deepEqual(db.pragma('foreign_key_check'), []);
      t.false(existsSync(`${dbPath}-wal`), 'no WAL left beside the file');
      t.true(existsSync(`${dbPath}.pre-migrate-${fromVersion}.bak`), 'the original is kept as a backup');

      // Every table of the original, every row, every original column.
      const tables = (original.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as Array<{name: string}>).map((r) => r.name);
      const counts: Record<string, string> = {};
      let rewritten = 0;
      for (const table of tables) {
        const keys = keyColumns(original, table);
        t.deepEqual(keyColumns(db, table), keys, `${table}: same primary key`);
        const before = rowsByKey(original, table, keys);
        const after = rowsByKey(db, table, keys);
        counts[table] = `${before.size}->${after.size}`;
        t.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), `${table}: same row ids`);
        const dates = dateColumns(original, table);
        for (const [key, old] of before) {
          const now = after.get(key);
          if (!now) continue;
          for (const [col, value] of Object.entries(old)) {
            const expected = dates.has(col) && typeof value === 'string' ? expectedCanonical(value) : undefined;
            if (table === 'schema_info' && old.key === 'version') {
              t.is(now[col], col === 'value' ? '38' : value);
            } else if (expected !== undefined) {
              rewritten++;
              t.is(now[col], expected, `${table}${key}.${col}: Go time string rewritten to the canonical layout`);
            } else {
              t.deepEqual(now[col], value, `${table}${key}.${col} unchanged`);
            }
          }
        }
      }
      t.log(`${name}: schema ${fromVersion} -> 38 in ${ms.toFixed(1)} ms (steps ${store.migration!.steps.map((s) => `${s.version}:${s.ms}ms`).join(' ')}); ${rewritten} timestamps rewritten; rows ${JSON.stringify(counts)}`);

      // Migration 31's backfill: closed issues with a reviewer were closed by that reviewer.
      const issues = db.prepare('SELECT id, status, reviewer_session, closed_by_session, reviewed_at, review_requested_by_session FROM issues').all() as Row[];
      for (const i of issues) {
        const expected = i.status === 'closed' && i.reviewer_session ? i.reviewer_session : '';
        t.is(i.closed_by_session, expected, `${i.id}: closed_by_session backfill`);
        t.is(i.reviewed_at, null);
        t.is(i.review_requested_by_session, '');
      }

      // Unsynced journal rows are all still pending, in the same rowid order.
      const pendingBefore = original.prepare('SELECT rowid, id FROM action_log WHERE synced_at IS NULL AND undone = 0 ORDER BY rowid').all();
      const pendingAfter = db.prepare('SELECT rowid, id FROM action_log WHERE synced_at IS NULL AND undone = 0 ORDER BY rowid').all();
      t.true(pendingBefore.length > 0);
      t.deepEqual(pendingAfter, pendingBefore);

      // td's v38 tables: same columns, types, defaults, keys, foreign keys and indexes as a fresh v38 file.
      const fresh = new Database(':memory:');
      fresh.exec(specV38Ddl());
      t.deepEqual(schemaShape(db), schemaShape(fresh));
      fresh.close();
    } finally {
      store.close();
      original.close();
    }
    // Opening again changes nothing and runs no step.
    const again = Store.openAt(dir);
    t.is(again.migration, undefined);
    again.close();
  });

  test(`${name}: the built td reads the migrated project`, (t) => {
    if (!tdBuilt) {
      t.log('skipped: packages/td-sync-cli is not built (run `npx tsc -b` first)');
      t.pass();
      return;
    }
    const original = openOriginal(name);
    const {dir} = fixtureProject(name);
    const env = isolatedEnv();
    try {
      const first = td(dir, ['doctor', '--json'], env);
      t.is(first.code, 0, first.stderr);
      const before = first.json<{schema_version: number; needs_migration: boolean; pending_events: {td: number}}>();
      t.true(before.needs_migration, 'doctor reads without migrating');
      const pending = (original.prepare('SELECT count(*) AS n FROM action_log WHERE synced_at IS NULL AND undone = 0').get() as {n: number}).n;
      t.is(before.pending_events.td, pending);

      const ids = (original.prepare('SELECT id FROM issues WHERE deleted_at IS NULL ORDER BY id').all() as Array<{id: string}>).map((r) => r.id);
      if (listBuilt()) {
        const list = td(dir, ['list', '--json', '--all', '-n', '0'], env);
        t.is(list.code, 0, list.stdout + list.stderr);
        const listed = list.json<Array<{id: string; title: string; status: string}>>();
        t.deepEqual(listed.map((i) => i.id).sort(), ids, 'td list --all shows every live issue of the original');
        const byId = new Map((original.prepare('SELECT id, title, status FROM issues').all() as Array<{id: string; title: string; status: string}>).map((r) => [r.id, r]));
        for (const i of listed) t.deepEqual({id: i.id, title: i.title, status: i.status}, byId.get(i.id));
      } else {
        t.log('td list not built yet: only doctor checked');
      }
      if (showBuilt()) {
        // one process for all issues (td show takes several ids and prints one document each)
        const show = td(dir, ['show', ...ids, '--json'], env);
        t.is(show.code, 0, show.stderr);
        // several ids: one JSON array of summaries (or, in older builds, one document per id)
        const out = show.stdout.trim();
        const docs = (out.startsWith('[') ? JSON.parse(out) : JSON.parse(`[${out.replace(/\n}\n{/g, '\n},\n{')}]`)) as Array<{id?: string; error?: unknown}>;
        t.deepEqual(docs.map((d) => d.id), ids, 'td show works on every issue');
        const one = td(dir, ['show', ids[0]!, '--json'], env);
        t.is(one.code, 0);
        t.is(one.json<{id: string}>().id, ids[0]);
      }

      const after = td(dir, ['doctor', '--json', '--full'], env);
      t.is(after.code, 0, after.stdout + after.stderr);
      const report = after.json<{schema_version: number; journal_mode: string; quick_check: string; integrity_check: string; pending_events: {td: number}; backups: unknown[]}>();
      if (listBuilt()) {
        t.is(report.schema_version, 38);
        t.is(report.journal_mode, 'truncate');
        t.is(report.backups.length, 1);
      }
      t.is(report.quick_check, 'ok');
      t.is(report.integrity_check, 'ok');
      t.is(report.pending_events.td, pending, 'unsynced journal rows are still pending after migration');

      // the migrated file takes new journaled writes like any td project
      if (existsSync(join(REPO, 'packages/td-sync-cli/dist/commands/update.js'))) {
        const target = ids[0]!;
        const update = td(dir, ['update', target, '--sprint', 'after-migration', '--json'], env);
        t.is(update.code, 0, update.stdout + update.stderr);
        const later = td(dir, ['doctor', '--json'], env).json<{pending_events: {td: number}; foreign_key_violations: number}>();
        t.is(later.pending_events.td, pending + 1, 'the update is one more pending event');
        t.is(later.foreign_key_violations, 0);
      }
    } finally {
      original.close();
    }
  });
}

test('the migrated fixtures have byte-identical schema text: our migration 30 writes the DDL td\'s own migration 30 wrote (v30 fixture)', (t) => {
  if (!fixturesPresent()) {
    t.log(`skipped: ${FIXTURES} is absent`);
    t.pass();
    return;
  }
  const schemas = FIXTURE_NAMES.map((name) => {
    const {dir} = fixtureProject(name);
    const store = Store.openAt(dir);
    try {
      return Object.fromEntries(
        (store.db.prepare("SELECT name, sql FROM sqlite_master WHERE tbl_name NOT LIKE 'td_sync_%' ORDER BY name").all() as Array<{name: string; sql: string | null}>).map((r) => [r.name, r.sql]),
      );
    } finally {
      store.close();
    }
  });
  // v30-pjsvis-oxibonsai went through td's migration 30; v27 and v29 went through ours
  t.deepEqual(schemas[0], schemas[2]);
  t.deepEqual(schemas[1], schemas[2]);
});
