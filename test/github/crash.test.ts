import test from 'ava';
import {isSyncError} from 'td-sync-sdk';
import {Project, diffRows, emulator, fastConfig} from './harness.js';

function countDuplicates(issues: {body: string; comments: {body: string}[]}[]): {issues: number; comments: number} {
  const ids = issues.map((i) => /<!-- td:begin (td-[0-9a-f]+) -->/.exec(i.body)?.[1]).filter(Boolean);
  const recs = issues.flatMap((i) => i.comments.map((c) => /<!-- td:\w+ (\S+) on/.exec(c.body)?.[1]).filter(Boolean));
  return {issues: ids.length - new Set(ids).size, comments: recs.length - new Set(recs).size};
}

test('crash between "issue created" and "created recorded": no duplicate issue or comment', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const x = a.createIssue({title: 'Created then crashed'});
  a.log(x.id as string, 'first log');
  em.faults.inject({kind: 'apply-then-502', match: 'createIssue'});
  const err = await t.throwsAsync(a.push());
  t.true(isSyncError(err) && err.kind === 'transient');
  t.is(em.issues('acme/app').length, 1, 'GitHub applied the create');
  // the process dies: nothing staged survives, a new process starts
  a.ctx.state.crash();
  a.connect();
  await a.push();
  t.is(em.issues('acme/app').length, 1, 'the create was adopted, not repeated');
  t.is(a.pending.length, 0);
  // same for a comment
  a.log(x.id as string, 'second log');
  em.faults.inject({kind: 'apply-then-502', match: 'addComment'});
  await t.throwsAsync(a.push());
  a.ctx.state.crash();
  a.connect();
  await a.push();
  const issue = em.issues('acme/app')[0]!;
  t.is(issue.comments.length, 2);
  t.deepEqual(countDuplicates(em.issues('acme/app')), {issues: 0, comments: 0});
});

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`random crash points (seed ${seed}): the sync converges with nothing duplicated or lost`, async (t) => {
    const em = await emulator({seed});
    t.teardown(() => em.close());
    let r = seed * 7919;
    const rnd = (n: number) => {
      r = (r * 48271) % 2147483647;
      return r % n;
    };
    const a = new Project(em, 'A', fastConfig(em, {mutationsPerRequest: 1 + rnd(5)}));
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const row = a.createIssue({title: `Task ${i}`, status: i % 3 === 0 ? 'closed' : 'open', parent_id: i > 0 && i % 4 === 0 ? ids[0] : ''});
      ids.push(row.id as string);
      for (let k = 0; k < 1 + rnd(3); k++) a.log(row.id as string, `log ${k} of ${i}`);
    }
    a.comment(ids[1]!, 'a comment');
    a.handoff(ids[2]!, {done: ['x']});
    const kinds = ['apply-then-502', 'apply-then-504', 'network-reset', '502', 'something-went-wrong'];
    let crashes = 0;
    for (let attempt = 0; attempt < 40 && a.pending.length > 0; attempt++) {
      if (attempt < 10) em.faults.inject({kind: kinds[rnd(kinds.length)]!, skip: rnd(6)});
      try {
        await a.push();
      } catch (error) {
        t.true(isSyncError(error), String(error));
        crashes++;
        a.ctx.state.crash();
        a.connect();
      }
      em.faults.clear();
    }
    t.is(a.pending.length, 0);
    t.true(crashes > 0);
    const issues = em.issues('acme/app');
    t.is(issues.length, 8);
    t.deepEqual(countDuplicates(issues), {issues: 0, comments: 0});
    const b = new Project(em, 'B', fastConfig(em));
    await b.pull();
    for (const entity of ['issues', 'logs', 'comments', 'handoffs'] as const) t.deepEqual(diffRows(a.rows[entity], b.rows[entity]), [], entity);
  });
}
