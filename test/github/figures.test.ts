/**
 * Request and point figures from the emulator's request log, compared with one request per event.
 * TD_GITHUB_BENCH_TASKS / TD_GITHUB_BENCH_PULL change the sizes (defaults: the issue's 200 and 500).
 */
import test from 'ava';
import {Project, emulator, fastConfig} from './harness.js';

const TASKS = Number(process.env.TD_GITHUB_BENCH_TASKS ?? 200);
const PULLED = Number(process.env.TD_GITHUB_BENCH_PULL ?? 500);

const figures = (log: {cost: number; mutation: boolean}[], from: number) => {
  const part = log.slice(from);
  return {requests: part.length, points: part.reduce((n, l) => n + l.cost, 0), mutationRequests: part.filter((l) => l.mutation).length};
};

test(`figures: push ${TASKS} tasks with 3 logs each, no-op pull, pull ${PULLED} changed issues`, async (t) => {
  const em = await emulator({limits: {contentPerMinute: 1_000_000, contentPerHour: 1_000_000, secondaryPointsPerMinute: 1_000_000}});
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  for (let i = 0; i < TASKS; i++) {
    const x = a.createIssue({title: `Bench task ${i}`, priority: `P${i % 5}`, type: i % 2 ? 'bug' : 'task'});
    for (let k = 0; k < 3; k++) a.log(x.id as string, `log ${k}`);
  }
  const events = a.pending.length;
  let at = em.requestLog.length;
  await a.push();
  const push = figures(em.requestLog, at);
  t.is(a.pending.length, 0);
  t.is(em.issues('acme/app').length, TASKS);
  t.log(`push ${TASKS} tasks + ${TASKS * 3} logs (${events} events): ${push.requests} requests (${push.mutationRequests} with mutations), ${push.points} points; one request per event = ${events} requests`);
  t.true(push.requests * 5 < events);

  at = em.requestLog.length;
  await a.pull();
  const first = figures(em.requestLog, at);
  t.log(`first pull after the push (reads its own ${TASKS} issues back once, no events): ${first.requests} requests, ${first.points} points`);
  // Once a scan began after watermark + overlap, quiet pulls start after the watermark.
  await new Promise((r) => setTimeout(r, 1100));
  const quiet = new Project(em, 'Q', fastConfig(em, {overlapSeconds: 0}));
  quiet.ctx.state.durable = new Map(a.ctx.state.durable);
  quiet.cursor = a.cursor;
  await quiet.pull();
  at = em.requestLog.length;
  const none = await quiet.pull();
  const noop = figures(em.requestLog, at);
  t.deepEqual(none, []);
  t.log(`no-op pull: ${noop.requests} request(s), ${noop.points} point(s)`);
  t.is(noop.requests, 1);

  // overlapSeconds 0: the figure counts the changed issues only, not the unchanged ones an overlap re-reads
  const b = new Project(em, 'B', fastConfig(em, {overlapSeconds: 0}));
  for (let i = 0; i < PULLED; i++) em.ui.createIssue('acme/app', {title: `UI issue ${i}`, body: 'made in the UI', labels: ['td:managed']});
  await b.pull();
  em.advanceClock(3_600_000); // the window the overlap looks back over has passed
  const issues = em.issues('acme/app').filter((i) => i.title.startsWith('UI issue'));
  for (const i of issues) em.ui.editIssue('acme/app', i.number, {title: `${i.title} (edited)`});
  at = em.requestLog.length;
  const pulled = await b.pull();
  const pull = figures(em.requestLog, at);
  t.is(pulled.filter((e) => e.entityType === 'issues' && e.actionType === 'update').length, PULLED);
  t.log(`pull ${PULLED} changed issues: ${pull.requests} requests, ${pull.points} points; one request per event = ${PULLED} requests`);
  t.true(pull.requests <= Math.ceil(PULLED / 50) + 1);
});
