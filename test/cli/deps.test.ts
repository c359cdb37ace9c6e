/**
 * Dependencies with td's deterministic ids (spec §2.4 test vectors), cycle refusal, duplicates,
 * removal, dependency replace on update, auto-unblock on close and the epic cascade.
 */
import test from 'ava';
import Database from 'better-sqlite3';
import {join} from 'node:path';
import {deterministicId} from '../../packages/td-sync-sdk/src/events.js';
import {dependencyId} from '../../packages/td-sync-cli/src/tasks/deps.js';
import {actions, dataSnapshot, jsonDocs, project, row, rows} from './helpers.js';

/** Insert issues with chosen ids straight into the database (as a td peer would have them). */
function seed(dir: string, ids: string[]): void {
  const db = new Database(join(dir, '.todos', 'issues.db'));
  const now = '2026-03-01 10:00:00.5-08:00';
  for (const id of ids) db.prepare("INSERT INTO issues (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)").run(id, `Seeded issue ${id}`, now, now);
  db.close();
}

test('spec §2.4 vectors: our dependency id = the SDK deterministicId = td', (t) => {
  t.is(dependencyId('td-abc123', 'td-def456', 'depends_on'), 'dep_a6443a4decaf58a3');
  t.is(deterministicId.dependency('td-abc123', 'td-def456', 'depends_on'), 'dep_a6443a4decaf58a3');
  for (const [a, b] of [['td-000001', 'td-ffffff'], ['td-a', 'td-b']]) t.is(dependencyId(a, b), deterministicId.dependency(a, b));
});

test('dep add/rm/list: deterministic rows, journal maps, short ids, cycles, duplicates, no-op removal', (t) => {
  const p = project('alice');
  seed(p.dir, ['td-abc123', 'td-def456', 'td-0a0b0c', 'td-0d0e0f']);
  const add = p.td(['dep', 'add', 'abc123', 'def456']);
  t.is(add.code, 0, add.stderr);
  t.is(add.stdout.split('\n')[0], 'ADDED: td-abc123 depends on td-def456');
  t.deepEqual(rows(p.dir, 'SELECT * FROM issue_dependencies'), [{id: 'dep_a6443a4decaf58a3', issue_id: 'td-abc123', depends_on_id: 'td-def456', relation_type: 'depends_on'}]);
  const a = actions(p.dir).at(-1)!;
  t.like(a, {action_type: 'add_dependency', entity_type: 'issue_dependencies', entity_id: 'dep_a6443a4decaf58a3', previous_data: ''});
  t.is(a.new_data, '{"depends_on_id":"td-def456","id":"dep_a6443a4decaf58a3","issue_id":"td-abc123","relation_type":"depends_on"}', 'Go map: sorted keys');

  const journal = actions(p.dir).length;
  const snap = dataSnapshot(p.dir);
  const dup = p.td(['dep', 'add', 'td-abc123', 'td-def456']);
  t.is(dup.code, 0);
  t.regex(dup.stderr, /already depends on/);
  t.deepEqual(dataSnapshot(p.dir), snap, 'duplicate writes nothing');
  for (const [x, y] of [['td-def456', 'td-abc123'], ['td-abc123', 'td-abc123']]) {
    const cyc = p.td(['dep', 'add', x, y, '--json']);
    t.is(cyc.code, 1);
    t.deepEqual(cyc.json(), {error: {code: 'invalid_input', message: 'cannot add dependency: would create circular dependency'}});
  }
  p.td(['dep', 'add', 'td-def456', 'td-0a0b0c']);
  const transitive = p.td(['dep', 'add', 'td-0a0b0c', 'td-abc123', '--json']);
  t.is(transitive.code, 1, 'transitive cycle refused');
  const missing = p.td(['dep', 'add', 'td-abc123', 'td-999999', '--json']);
  t.is(missing.code, 1);
  t.is(missing.json().error.code, 'not_found');
  t.is(actions(p.dir).length, journal + 1, 'only the legal td-def456 -> td-0a0b0c edge was journaled');

  t.deepEqual(p.td(['dep', 'list', 'td-abc123', '--json']).json().dependencies, ['td-def456']);
  t.deepEqual(p.td(['dep', 'list', 'td-def456', '--blocking', '--json']).json().blocked, ['td-abc123']);
  t.deepEqual(p.td(['dep', 'td-def456', '--blocking', '--json']).json().blocked, ['td-abc123'], 'td dep <issue> lists');
  t.deepEqual(p.td(['deps', 'abc123', '--json']).json().dependencies, ['td-def456'], 'alias deps');

  const rm = p.td(['dep', 'rm', 'td-abc123', 'td-def456']);
  t.is(rm.stdout.trim(), 'REMOVED: td-abc123 no longer depends on td-def456');
  const r = actions(p.dir).at(-1)!;
  t.like(r, {action_type: 'remove_dependency', entity_id: 'dep_a6443a4decaf58a3', new_data: ''});
  t.is(JSON.parse(r.previous_data).depends_on_id, 'td-def456');
  const snap2 = dataSnapshot(p.dir);
  const again = p.td(['dep', 'remove', 'td-abc123', 'td-def456']);
  t.is(again.code, 0);
  t.deepEqual(dataSnapshot(p.dir), snap2, 'removing an absent edge writes nothing');

  // create --depends-on / --blocks; a create that would close a cycle is refused whole.
  const snap3 = dataSnapshot(p.dir);
  const cyc = p.td(['create', 'Would close a dependency cycle', '--depends-on', 'td-def456', '--blocks', 'td-0a0b0c', '--json']);
  t.is(cyc.code, 1);
  t.is(cyc.json().error.code, 'invalid_input');
  t.deepEqual(dataSnapshot(p.dir), snap3, 'refused create leaves nothing (no issue, no journal row)');
  const c = p.td(['create', 'Depends on two seeded issues', '--depends-on', 'td-abc123,td-def456', '--blocks', '0d0e0f', '--json']).json().id;
  t.deepEqual(rows(p.dir, 'SELECT depends_on_id AS d FROM issue_dependencies WHERE issue_id = ? ORDER BY d', c).map((x) => x.d), ['td-abc123', 'td-def456']);
  t.truthy(row(p.dir, 'SELECT 1 AS x FROM issue_dependencies WHERE issue_id = ? AND depends_on_id = ?', 'td-0d0e0f', c), '--blocks X writes X depends-on new');
  const n = actions(p.dir).length;
  t.is(p.td(['update', c, '--depends-on', 'td-abc123']).code, 0);
  t.is(p.td(['update', c, '--depends-on', 'td-def456']).code, 0);
  t.deepEqual(actions(p.dir).slice(n).map((x) => x.action_type), ['remove_dependency', 'remove_dependency', 'add_dependency', 'update', 'remove_dependency', 'add_dependency', 'update'], 'td removes the whole set, then adds');
  t.deepEqual(rows(p.dir, 'SELECT depends_on_id AS d FROM issue_dependencies WHERE issue_id = ?', c).map((x) => x.d), ['td-def456']);
});

test('closing the last dependency auto-unblocks; closing every child closes the epic (journal rows as td)', (t) => {
  const p = project('alice');
  const mk = (title: string, extra: string[] = []) => p.td(['create', title, ...extra, '--json']).json().id as string;
  const epic = mk('Epic: billing revamp', ['-t', 'epic']);
  const c1 = mk('Child one of the billing epic', ['--epic', epic]);
  const c2 = mk('Child two of the billing epic', ['--parent', epic]);
  const dependent = mk('Waits for the whole epic', ['--depends-on', epic]);
  t.is(p.td(['block', dependent]).code, 0);

  const out = jsonDocs(p.td(['close', c1, c2, '--json'], undefined, {TD_SESSION_ID: 'bob'}).stdout);
  t.deepEqual(out[0].cascaded_parents, []);
  t.deepEqual(out[1].cascaded_parents, [epic]);
  t.like(row(p.dir, 'SELECT * FROM issues WHERE id = ?', epic), {status: 'closed'});
  t.like(row(p.dir, 'SELECT * FROM issues WHERE id = ?', dependent), {status: 'open', implementer_session: ''});
  const epicRows = actions(p.dir, "entity_id = ? AND action_type = 'close'", epic);
  t.is(epicRows.length, 1);
  t.is(JSON.parse(epicRows[0].previous_data).status, 'open');
  t.is(actions(p.dir, "entity_id = ? AND action_type = 'unblock'", dependent).length, 1);
  const msgs = actions(p.dir, "entity_type = 'logs'").map((a) => JSON.parse(a.new_data).message);
  t.true(msgs.includes('Auto-cascaded to closed (all children complete)'));
  t.true(msgs.includes(`Auto-unblocked (dependency ${epic} closed)`));
});
