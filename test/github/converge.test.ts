/**
 * Three td projects doing random work and syncing in random order through one repository end
 * with identical task state (td's chaos tests are the model). Fixed seeds; TD_GITHUB_CHAOS_STEPS
 * raises the number of steps.
 */
import test from 'ava';
import {Project, diffRows, emulator, fastConfig} from './harness.js';

const STEPS = Number(process.env.TD_GITHUB_CHAOS_STEPS ?? 60);

for (const [seed, withPerson] of [[11, false], [12, false], [13, false], [21, true], [22, true], [23, true]] as const) {
  test(`three projects${withPerson ? ' and a person on GitHub' : ''}, random work, random sync order (seed ${seed}): identical task state`, async (t) => {
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
      const op = pick ? rnd(withPerson ? 11 : 9) : 0;
      if (op === 0) p.createIssue({title: `task ${step} by ${p.name}`, priority: `P${rnd(5)}`});
      else if (op === 1) p.updateIssue(pick!.id as string, {title: `renamed ${step} by ${p.name}`});
      else if (op === 2) p.updateIssue(pick!.id as string, {priority: `P${rnd(5)}`});
      else if (op === 3) p.updateIssue(pick!.id as string, {status: ['open', 'in_progress', 'in_review', 'blocked'][rnd(4)]});
      else if (op === 4) p.updateIssue(pick!.id as string, {status: 'closed', closed_at: new Date(em.now()).toISOString()}, 'close');
      else if (op === 5) p.log(pick!.id as string, `log ${step}`);
      else if (op === 6) p.comment(pick!.id as string, `comment ${step}`);
      else if (op === 7) p.updateIssue(pick!.id as string, {description: `text ${step}\nby ${p.name}`});
      else if (op === 8) p.deleteIssue(pick!.id as string);
      else {
        // a person in the GitHub web UI
        const gh = em.issues('acme/app')[rnd(Math.max(1, em.issues('acme/app').length))];
        if (gh) {
          const act = rnd(5);
          if (act === 0) em.ui.editIssue('acme/app', gh.number, {title: `person title ${step}`});
          else if (act === 1) em.ui.addComment('acme/app', gh.number, `person comment ${step}`);
          else if (act === 2) gh.state === 'OPEN' ? em.ui.closeIssue('acme/app', gh.number) : em.ui.reopenIssue('acme/app', gh.number);
          else if (act === 3) {
            const old = gh.labels.filter((l) => /^td:p\d$/.test(l));
            if (old.length) em.ui.removeLabels('acme/app', gh.number, old);
            em.ui.addLabels('acme/app', gh.number, [`td:p${rnd(5)}`]);
          } else em.ui.editIssue('acme/app', gh.number, {body: gh.body.replace(/^[^<]*/, `person text ${step}\n\n`)});
        }
      }
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
