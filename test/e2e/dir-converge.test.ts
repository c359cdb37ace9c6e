/**
 * Two and three td projects doing random work (creates, updates, starts, logs, comments,
 * dependencies added and removed, soft deletes and restores) and syncing in random order through a shared folder, all through the built `td`
 * binary, end with identical task tables, and the folder holds every event exactly once.
 * Fixed seeds; TD_E2E_RUNS raises the number of runs (each run is a few dozen td processes).
 */
import test from 'ava';
import fc from 'fast-check';
import {difference, query, storedIdentities, syncAll, team, title, type Member} from './dir-helpers.js';

const RUNS = Number(process.env.TD_E2E_RUNS ?? 1);

type Kind = 'create' | 'title' | 'priority' | 'description' | 'start' | 'log' | 'comment' | 'dep' | 'undep' | 'delete' | 'restore' | 'sync';
interface Op {
  kind: Kind;
  who: number;
  pick: number;
  value: number;
}

const opArb = (members: number) =>
  fc.record({
    kind: fc.constantFrom<Kind>('create', 'create', 'create', 'title', 'priority', 'description', 'start', 'log', 'log', 'comment', 'dep', 'dep', 'undep', 'delete', 'restore', 'sync', 'sync', 'sync'),
    who: fc.nat(members - 1),
    pick: fc.nat(1000),
    value: fc.nat(1000),
  });

const liveIssues = (m: Member) => query<{id: string}>(m, 'SELECT id FROM issues WHERE deleted_at IS NULL ORDER BY id').map((r) => r.id);

/** Perform one op on its project; returns false when td refused it (a cycle, a deleted task...). */
function perform(op: Op, m: Member, n: number): boolean {
  const ids = liveIssues(m);
  const pick = (k = 0) => ids[(op.pick + k * 7) % ids.length]!;
  if (op.kind === 'restore') {
    const deleted = query<{id: string}>(m, 'SELECT id FROM issues WHERE deleted_at IS NOT NULL ORDER BY id').map((r) => r.id);
    if (deleted.length > 0) return m.tryTd(['restore', deleted[op.pick % deleted.length]!]).code === 0;
  }
  if (op.kind === 'undep') {
    const deps = query<{issue_id: string; depends_on_id: string}>(m, 'SELECT issue_id, depends_on_id FROM issue_dependencies ORDER BY id');
    const dep = deps[op.pick % Math.max(1, deps.length)];
    if (dep) return m.tryTd(['dep', 'rm', dep.issue_id, dep.depends_on_id]).code === 0;
  }
  if (op.kind === 'sync') return m.td(['sync']).code === 0;
  if (op.kind === 'create' || ids.length === 0) {
    return m.td(['create', title(m.name, n), '-p', `P${op.value % 5}`]).code === 0;
  }
  const args: Record<Exclude<Kind, 'create' | 'sync' | 'restore' | 'undep'>, string[]> = {
    title: ['update', pick(), '--title', `${title(m.name, op.value)} (renamed)`],
    priority: ['update', pick(), '--priority', `P${op.value % 5}`],
    description: ['update', pick(), '--description', `Notes ${op.value} from ${m.name}: ünïcode ✓ "quoted"`],
    start: ['start', pick()],
    log: ['log', pick(), `Progress ${op.value} by ${m.name}`],
    comment: ['comment', pick(), `Comment ${op.value} from ${m.name}`],
    dep: ['dep', 'add', pick(), pick(1)],
    delete: ['delete', pick()],
  };
  const kind = op.kind === 'restore' || op.kind === 'undep' ? 'title' : op.kind; // nothing to restore/unlink yet
  return m.tryTd(args[kind]).code === 0;
}

async function converges(t: import('ava').ExecutionContext, members: number, length: number, seed: number) {
  t.timeout(RUNS * members * 90_000); // dozens of td processes per run
  let runs = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb(members), {minLength: length, maxLength: length}), async (ops) => {
      runs++;
      const squad = team(members);
      ops.forEach((op, n) => {
        if (!perform(op, squad.members[op.who]!, n)) refused++;
      });
      syncAll(squad);
      const [first, ...rest] = squad.members;
      for (const other of rest) {
        const diff = difference(first!, other);
        if (diff) throw new Error(`projects ${first!.name} and ${other.name} did not converge: ${diff}\nops: ${JSON.stringify(ops)}`);
      }
      const doubled = [...storedIdentities(squad.shared)].filter(([, count]) => count > 1);
      if (doubled.length > 0) throw new Error(`events stored twice in the shared folder: ${doubled.map(([k]) => k).join(', ')}`);
      const issues = query(first!, 'SELECT id FROM issues').length;
      if (issues === 0) throw new Error('the run created no issues at all');
    }),
    {seed, numRuns: RUNS, endOnFailure: true},
  );
  t.log(`${runs} run(s) of ${length} ops on ${members} projects (seed ${seed}); ${refused} ops refused by td (cycles, deleted tasks)`);
  t.pass();
}

test('two projects converge through dir after random work and syncs', async (t) => {
  await converges(t, 2, 18, 20261125);
});

test('three projects converge through dir after random work and syncs', async (t) => {
  await converges(t, 3, 21, 4242);
});
