/**
 * Migration 30's orphan clean-up, as a property: for random td databases whose child rows point at
 * issues (and work sessions, boards) that may not exist, exactly the rows td's rules remove are gone,
 * every other row is kept, dangling parents become '', and no foreign-key violation is left.
 */
import test from 'ava';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {Store} from '../../packages/td-sync-cli/src/store/index.js';
import {tempDir} from '../helpers/td.js';
import {TD_V27_LAYOUT} from './legacy-db.js';

const ISSUES = ['td-000001', 'td-000002', 'td-000003', 'td-000004'];
const MISSING = ['td-gone01', 'td-gone02'];
const WS = ['ws-0001'];
const BOARDS = ['bd-all-issues', 'bd-gone0001'];

const ref = fc.constantFrom(...ISSUES, ...MISSING);

const arb = fc.record({
  issues: fc.uniqueArray(fc.constantFrom(...ISSUES), {minLength: 1}),
  parents: fc.array(fc.constantFrom('', ...ISSUES, ...MISSING), {minLength: 4, maxLength: 4}),
  handoffs: fc.array(ref, {maxLength: 4}),
  snapshots: fc.array(ref, {maxLength: 3}),
  comments: fc.array(ref, {maxLength: 3}),
  files: fc.uniqueArray(ref, {maxLength: 3}),
  history: fc.array(ref, {maxLength: 3}),
  deps: fc.uniqueArray(fc.tuple(ref, ref), {maxLength: 4, selector: ([a, b]) => `${a}|${b}`}),
  tags: fc.uniqueArray(fc.tuple(fc.constantFrom(...WS, 'ws-gone'), ref), {maxLength: 3, selector: ([a, b]) => `${a}|${b}`}),
  positions: fc.uniqueArray(fc.tuple(fc.constantFrom(...BOARDS), ref), {maxLength: 3, selector: ([a, b]) => `${a}|${b}`}),
});

test('property: migration 30 removes exactly the orphans td removes and leaves no FK violation', (t) => {
  let runs = 0;
  fc.assert(
    fc.property(arb, (c) => {
      runs++;
      const dir = tempDir('td-orphans-');
      mkdirSync(join(dir, '.todos'));
      const db = new Database(join(dir, '.todos', 'issues.db'));
      db.pragma('foreign_keys = OFF');
      db.pragma('synchronous = OFF');
      db.exec('BEGIN');
      db.exec(TD_V27_LAYOUT);
      db.exec("INSERT INTO schema_info VALUES ('version', '27'); INSERT INTO boards (id, name, is_builtin) VALUES ('bd-all-issues', 'All Issues', 1);");
      db.exec("INSERT INTO work_sessions (id, name, session_id) VALUES ('ws-0001', 'w', 'ses_a')");
      c.issues.forEach((id, i) => db.prepare('INSERT INTO issues (id, title, parent_id) VALUES (?, ?, ?)').run(id, id, c.parents[i]));
      const ins = (sql: string, rows: unknown[][]) => rows.forEach((r) => db.prepare(sql).run(...r));
      ins("INSERT INTO handoffs (id, issue_id, session_id) VALUES (?, ?, 's')", c.handoffs.map((r, i) => [`ho-${i}`, r]));
      ins("INSERT INTO git_snapshots (id, issue_id, event, commit_sha, branch) VALUES (?, ?, 'start', 'abc', 'main')", c.snapshots.map((r, i) => [`gs-${i}`, r]));
      ins("INSERT INTO comments (id, issue_id, session_id, text) VALUES (?, ?, 's', 'x')", c.comments.map((r, i) => [`cm-${i}`, r]));
      ins("INSERT INTO issue_files (id, issue_id, file_path) VALUES (?, ?, 'a.go')", c.files.map((r, i) => [`ifl-${i}`, r]));
      ins("INSERT INTO issue_session_history (id, issue_id, session_id, action) VALUES (?, ?, 's', 'created')", c.history.map((r, i) => [`ish-${i}`, r]));
      ins('INSERT INTO issue_dependencies (id, issue_id, depends_on_id) VALUES (?, ?, ?)', c.deps.map(([a, b], i) => [`dep-${i}`, a, b]));
      ins('INSERT INTO work_session_issues (id, work_session_id, issue_id) VALUES (?, ?, ?)', c.tags.map(([w, r], i) => [`wsi-${i}`, w, r]));
      ins('INSERT INTO board_issue_positions (id, board_id, issue_id, position) VALUES (?, ?, ?, 65536)', c.positions.map(([b, r], i) => [`bip-${i}`, b, r]));
      db.exec('COMMIT');
      db.close();

      const live = new Set(c.issues);
      const ok = (id: string) => live.has(id);
      const keep = <T>(rows: T[], test: (r: T) => boolean, prefix: string) => rows.map((r, i) => [`${prefix}-${i}`, test(r)] as const).filter(([, k]) => k).map(([id]) => id);
      const expected: Record<string, string[]> = {
        handoffs: keep(c.handoffs, ok, 'ho'),
        git_snapshots: keep(c.snapshots, ok, 'gs'),
        comments: keep(c.comments, ok, 'cm'),
        issue_files: keep(c.files, ok, 'ifl'),
        issue_session_history: keep(c.history, ok, 'ish'),
        issue_dependencies: keep(c.deps, ([a, b]) => ok(a) && ok(b), 'dep'),
        work_session_issues: keep(c.tags, ([w, r]) => w === 'ws-0001' && ok(r), 'wsi'),
        board_issue_positions: keep(c.positions, ([b, r]) => b === 'bd-all-issues' && ok(r), 'bip'),
      };

      const store = Store.openAt(dir);
      try {
        for (const [table, ids] of Object.entries(expected)) {
          const got = (store.db.prepare(`SELECT id FROM ${table} ORDER BY id`).all() as Array<{id: string}>).map((r) => r.id);
          if (JSON.stringify(got) !== JSON.stringify([...ids].sort())) throw new Error(`${table}: got ${got} expected ${ids}`);
        }
        for (const [i, id] of c.issues.entries()) {
          const parent = c.parents[i]!;
          const want = parent === '' || live.has(parent) ? parent : '';
          const got = (store.db.prepare('SELECT parent_id FROM issues WHERE id = ?').get(id) as {parent_id: string}).parent_id;
          if (got !== want) throw new Error(`${id}.parent_id: got ${got} expected ${want}`);
        }
        if ((store.db.pragma('foreign_key_check') as unknown[]).length !== 0) throw new Error('FK violations left');
        return store.schemaVersion() === 38;
      } finally {
        store.close();
      }
    }),
    {seed: 30, numRuns: Number(process.env.TD_STORE_RUNS ?? 15)},
  );
  t.log(`${runs} random databases migrated`);
  t.pass();
});
