/**
 * A real td database (migrated on open) synced through the `dir` backend into an empty project:
 * both end with the same task state. Needs the built engine and dir backend, and the fixtures.
 */
import test from 'ava';
import {existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Store} from '../../packages/td-sync-cli/src/store/index.js';
import {REPO, isolatedEnv, td, tempDir} from '../helpers/td.js';
import {FIXTURES, FIXTURE_NAMES, fixtureProject, fixturesPresent} from './helpers.js';

const engineBuilt = () =>
  existsSync(join(REPO, 'packages/td-sync-cli/dist/engine/index.js')) && existsSync(join(REPO, 'packages/td-sync-backend-dir/dist/index.js'));

/** The synced tables and the fields that make up "task state" (local-only columns left out). */
const STATE: Record<string, string[]> = {
  issues: ['id', 'title', 'description', 'status', 'type', 'priority', 'points', 'labels', 'parent_id', 'acceptance', 'minor', 'sprint', 'defer_until', 'due_date', "deleted_at IS NULL AS live"],
  logs: ['id', 'issue_id', 'message', 'type'],
  comments: ['id', 'issue_id', 'text'],
  handoffs: ['id', 'issue_id'],
  issue_dependencies: ['id', 'issue_id', 'depends_on_id', 'relation_type'],
  issue_files: ['id', 'issue_id', 'file_path', 'role'],
  work_sessions: ['id', 'name'],
  work_session_issues: ['id', 'work_session_id', 'issue_id'],
  boards: ['id', 'name', 'query'],
  board_issue_positions: ['id', 'board_id', 'issue_id'],
  notes: ['id', 'title', 'content'],
};

function state(dir: string): Record<string, unknown[]> {
  const store = Store.openAt(dir, {readonly: true});
  try {
    const out: Record<string, unknown[]> = {};
    for (const [table, cols] of Object.entries(STATE)) out[table] = store.db.prepare(`SELECT ${cols.join(', ')} FROM ${table} ORDER BY id`).all();
    return out;
  } finally {
    store.close();
  }
}

if (!fixturesPresent()) {
  test('td fixture databases synced through dir', (t) => {
    t.log(`skipped: ${FIXTURES} is absent`);
    t.false(existsSync(FIXTURES));
  });
}

for (const name of fixturesPresent() ? FIXTURE_NAMES : []) {
  test(`${name}: td sync through dir into an empty project leaves both with the same task state`, (t) => {
    if (!engineBuilt()) {
      t.log('skipped: the sync engine or the dir backend is not built yet');
      t.pass();
      return;
    }
    const shared = join(tempDir('td-shared-'), 'remote');
    mkdirSync(shared);
    const config = JSON.stringify({sync: {backend: 'dir', dir: {path: shared}}});
    const a = fixtureProject(name);
    writeFileSync(join(a.dir, '.tdrc.json'), config);
    const b = tempDir('td-empty-');
    Store.init(b).store.close();
    writeFileSync(join(b, '.tdrc.json'), config);

    const envA = isolatedEnv();
    const envB = isolatedEnv();
    const first = td(a.dir, ['sync', '--json'], envA);
    t.is(first.code, 0, first.stdout + first.stderr);
    const second = td(b, ['sync', '--json'], envB);
    t.is(second.code, 0, second.stdout + second.stderr);
    t.log(`${name}: pushed ${JSON.stringify(first.json().pushed ?? first.json())}; pulled into the empty project ${JSON.stringify(second.json().pulled ?? second.json())}`);

    const sa = state(a.dir);
    const sb = state(b);
    for (const table of Object.keys(STATE)) t.deepEqual(sb[table], sa[table], `${table}: same rows in both projects`);
    t.true(sa.issues!.length > 0);
    t.log(`${name}: rows in both projects ${Object.entries(sb).map(([k, v]) => `${k} ${v.length}`).join(', ')}`);

    // td doctor in the migrated project: nothing pending for the dir target any more
    const doctor = td(a.dir, ['doctor', '--json'], envA).json<{ok: boolean; schema_version: number; pending_events: {targets: Array<{backend: string; pending: number}>}}>();
    t.true(doctor.ok);
    t.is(doctor.schema_version, 38);
    t.deepEqual(doctor.pending_events.targets.map((x) => [x.backend, x.pending]), [['dir', 0]]);

    // a second round changes nothing on either side
    t.is(td(a.dir, ['sync', '--json'], envA).code, 0);
    t.deepEqual(state(a.dir), sa);
  });
}
