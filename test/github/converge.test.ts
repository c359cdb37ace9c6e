/**
 * Three td projects doing random work and syncing in random order through one repository end
 * with identical task state (td's chaos tests are the model). Fixed seeds; TD_GITHUB_CHAOS_STEPS
 * raises the number of steps.
 */
import test from 'ava';
import {Project, diffRows, emulator, fastConfig} from './harness.js';

const STEPS = Number(process.env.TD_GITHUB_CHAOS_STEPS ?? 60);

for (const seed of [11, 12, 13]) {
  test(`three projects, random work, random sync order (seed ${seed}): identical task state`, async (t) => {
    const em = await emulator({seed});
    t.teardown(() => em.close());
    let r = seed;
    const rnd = (n: number) => {
      r = (r * 48271) % 2147483647;
      return r % n;
    };
    const team = ['A', 'B', 'C'].map((n) => new Project(em, n, fastConfig(em)));
    for (let step = 0; step < STEPS; step++) {
      const p = team[rnd(3)]!;
      const live = [...p.rows.issues.values()].filter((i) => !i.deleted_at);
      const pick = live[rnd(Math.max(1, live.length))];
      const op = pick ? rnd(9) : 0;
      if (op === 0) p.createIssue({title: `task ${step} by ${p.name}`, priority: `P${rnd(5)}`});
      else if (op === 1) p.updateIssue(pick!.id as string, {title: `renamed ${step} by ${p.name}`});
      else if (op === 2) p.updateIssue(pick!.id as string, {priority: `P${rnd(5)}`});
      else if (op === 3) p.updateIssue(pick!.id as string, {status: ['open', 'in_progress', 'in_review', 'blocked'][rnd(4)]});
      else if (op === 4) p.updateIssue(pick!.id as string, {status: 'closed', closed_at: new Date(em.now()).toISOString()}, 'close');
      else if (op === 5) p.log(pick!.id as string, `log ${step}`);
      else if (op === 6) p.comment(pick!.id as string, `comment ${step}`);
      else if (op === 7) p.updateIssue(pick!.id as string, {description: `text ${step}\nby ${p.name}`});
      else p.deleteIssue(pick!.id as string);
      if (rnd(3) === 0) await team[rnd(3)]!.sync();
      em.advanceClock(rnd(3000));
    }
    for (let round = 0; round < 2; round++) for (const p of team) await p.sync();
    for (const p of team) t.is(p.pending.length, 0, `${p.name} pending`);
    for (const entity of ['issues', 'logs', 'comments'] as const) {
      t.deepEqual(diffRows(team[0]!.rows[entity], team[1]!.rows[entity]), [], `A/B ${entity}`);
      t.deepEqual(diffRows(team[0]!.rows[entity], team[2]!.rows[entity]), [], `A/C ${entity}`);
    }
    const ids = em.issues('acme/app').map((i) => /<!-- td:begin (\S+) -->/.exec(i.body)?.[1]);
    t.is(new Set(ids).size, ids.length, 'no duplicate issue');
  });
}
