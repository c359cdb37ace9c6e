/** Several `td` processes writing one project at once serialise on td's write lock: no lost rows. */
import test from 'ava';
import {tdAsync} from '../helpers/td.js';
import {actions, project, rows} from './helpers.js';

test('parallel creates and logs from 6 processes all land, each with its journal row', async (t) => {
  const p = project('alice');
  const id = p.td(['create', 'Shared issue for parallel logs', '--json']).json().id as string;
  const runs = await Promise.all([
    ...[1, 2, 3].map((i) => tdAsync(p.dir, ['create', `Parallel task number ${i} created`, '--json'], {...p.env, TD_SESSION_ID: `agent${i}`})),
    ...[1, 2, 3].map((i) => tdAsync(p.dir, ['log', id, `parallel log line ${i}`], {...p.env, TD_SESSION_ID: `agent${i}`})),
  ]);
  for (const r of runs) t.is(r.code, 0, r.stdout + r.stderr);
  t.is(rows(p.dir, 'SELECT id FROM issues').length, 4);
  t.is(actions(p.dir, "action_type = 'create' AND entity_type = 'issue'").length, 4);
  t.is(actions(p.dir, "entity_type = 'logs'").length, 3);
  t.is(rows(p.dir, 'SELECT id FROM sessions').length, 4, 'one session per TD_SESSION_ID');
});
