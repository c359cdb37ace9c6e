/**
 * A task edited on two projects before either synced: the default policy (last writer wins, both
 * versions kept) and a project plugin's `onConflict`, through the built `td` and a shared folder.
 */
import test from 'ava';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {addToConfig, difference, query, team} from './dir-helpers.js';

interface ConflictRow {
  entity_type: string;
  entity_id: string;
  resolution: string;
  resolved_by: string;
  local_data: string;
  remote_data: string;
}

test('default policy: the later edit wins everywhere and both versions are kept in sync_conflicts and td_sync_conflicts', (t) => {
  const {members: [a, b]} = team(2);
  const id = a!.td(['create', 'Write the release notes for 1.0', '--json']).json<{id: string}>().id;
  a!.td(['sync']);
  b!.td(['sync']);
  a!.td(['update', id, '--title', 'Release notes: draft by Alice']);
  b!.td(['update', id, '--title', 'Release notes: final by Bob']); // later: wins
  a!.td(['sync']);
  const report = b!.td(['sync', '--json']).json<{conflicts: number; applied: number}>();
  t.is(report.conflicts, 1);
  a!.td(['sync']);

  t.is(difference(a!, b!), undefined);
  t.is(query<{title: string}>(a!, 'SELECT title FROM issues WHERE id = ?', id)[0]!.title, 'Release notes: final by Bob');

  const ours = query<ConflictRow>(b!, 'SELECT * FROM td_sync_conflicts WHERE entity_id = ?', id);
  t.is(ours.length, 1);
  t.is(ours[0]!.resolved_by, 'default');
  t.is(ours[0]!.resolution, 'local');
  t.is(JSON.parse(ours[0]!.local_data).title, 'Release notes: final by Bob');
  t.is(JSON.parse(ours[0]!.remote_data).title, 'Release notes: draft by Alice');
  const tds = query<{local_data: string; remote_data: string}>(b!, 'SELECT local_data, remote_data FROM sync_conflicts WHERE entity_id = ?', id);
  t.is(tds.length, 1, 'td\'s own sync_conflicts table has it too');
  t.is(JSON.parse(tds[0]!.remote_data).title, 'Release notes: draft by Alice');

  const listed = b!.td(['sync', 'conflicts', '--json']).json<Array<{entityId: string; local: {title: string}; remote: {title: string}}>>();
  t.deepEqual(listed.map((c) => [c.entityId, c.local.title, c.remote.title]), [[id, 'Release notes: final by Bob', 'Release notes: draft by Alice']]);
});

const MERGE_PLUGIN = `// Test plugin: on a conflicting issue, keep both titles.
export default {
  apiVersion: 1,
  name: 'merge-titles',
  apply(hooks) {
    hooks.onConflict.tapPromise('merge-titles', async (conflict) => {
      if (conflict.entityType !== 'issues' || !conflict.local || !conflict.remote.payload.newData) return undefined;
      const titles = [conflict.local.title, conflict.remote.payload.newData.title].sort();
      return {winner: 'merge', row: {title: titles.join(' + ')}, reason: 'kept both titles'};
    });
  },
};
`;

test('a project plugin\'s onConflict decides, its merge reaches every project, and the conflict names it', (t) => {
  const {members} = team(2);
  const [a, b] = members as [typeof members[0], typeof members[0]];
  for (const m of [a, b]) {
    writeFileSync(join(m.dir, 'plugin.mjs'), MERGE_PLUGIN);
    addToConfig(m, {plugins: ['./plugin.mjs']});
  }
  const id = a.td(['create', 'Pick the conference venue', '--json']).json<{id: string}>().id;
  a.td(['sync']);
  b.td(['sync']);
  a.td(['update', id, '--title', 'Venue: Lisbon']);
  b.td(['update', id, '--title', 'Venue: Berlin']);
  a.td(['sync']);
  b.td(['sync']); // the conflict: the plugin merges; the merged row is journaled on B
  a.td(['sync']);
  b.td(['sync']); // B pushes its merged row (push runs before pull in one sync)
  a.td(['sync']);

  const expected = 'Venue: Berlin + Venue: Lisbon';
  t.is(query<{title: string}>(b, 'SELECT title FROM issues WHERE id = ?', id)[0]!.title, expected);
  t.is(query<{title: string}>(a, 'SELECT title FROM issues WHERE id = ?', id)[0]!.title, expected);
  t.is(difference(a, b), undefined);
  const rows = query<ConflictRow>(b, 'SELECT * FROM td_sync_conflicts WHERE entity_id = ?', id);
  t.is(rows.length, 1);
  t.is(rows[0]!.resolution, 'merge');
  t.is(rows[0]!.resolved_by, 'merge-titles');
  t.is(JSON.parse(rows[0]!.local_data).title, 'Venue: Berlin');
  t.is(JSON.parse(rows[0]!.remote_data).title, 'Venue: Lisbon');
});
