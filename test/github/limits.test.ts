import test from 'ava';
import {isSyncError, type RateLimitError} from 'td-sync-sdk';
import {Project, diffRows, emulator, fastConfig} from './harness.js';

test('a body over the limit: the rest goes to overflow comments and comes back whole', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const b = new Project(em, 'B', fastConfig(em));
  const description = Array.from({length: 9000}, (_, i) => `line ${i} ünïcödé 🚀`).join('\n');
  const acceptance = 'ok '.repeat(30_000);
  const x = a.createIssue({title: 'Huge', description, acceptance});
  await a.sync();
  const gh = em.issues('acme/app')[0]!;
  t.true([...gh.body].length <= 65_536);
  t.true(gh.comments.length >= 2, 'overflow comments');
  await b.pull();
  t.is(b.rows.issues.get(x.id as string)?.description, description);
  t.is(b.rows.issues.get(x.id as string)?.acceptance, acceptance);
  // shrink it again: overflow comments that are no longer needed go away
  a.updateIssue(x.id as string, {description: 'short now', acceptance: 'short'});
  await a.sync();
  await b.pull();
  t.is(em.issues('acme/app')[0]!.comments.length, 0);
  t.like(b.rows.issues.get(x.id as string), {description: 'short now', acceptance: 'short'});
});

test('a mangled managed block loses nothing and is repaired by the next push', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const b = new Project(em, 'B', fastConfig(em));
  const x = a.createIssue({title: 'Mangle me', description: 'Person-visible', points: 8, acceptance: 'AC'});
  await a.sync();
  await b.pull();
  const gh = em.issues('acme/app')[0]!;
  em.ui.editIssue('acme/app', gh.number, {body: gh.body.replace(/<!-- td:end td-[0-9a-f]+ -->/, '').replace('"points"', '"pts')});
  const events = await b.pull();
  t.false(events.some((e) => e.entityType === 'issues' && (e.payload.newData?.points === undefined || e.payload.newData?.acceptance === undefined)));
  t.like(b.rows.issues.get(x.id as string), {points: 8, acceptance: 'AC', description: 'Person-visible'});
  b.updateIssue(x.id as string, {priority: 'P1'});
  await b.sync();
  const repaired = em.issues('acme/app')[0]!.body;
  t.true(repaired.includes(`<!-- td:end ${x.id} -->`));
  t.true(repaired.startsWith('Person-visible'));
  await a.pull();
  t.deepEqual(diffRows(a.rows.issues, b.rows.issues), []);
});

test('labels a person deleted are recreated; a label rename by a person is not undone by td', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const x = a.createIssue({title: 'Labelled', priority: 'P2'});
  await a.sync();
  em.ui.deleteLabel('acme/app', 'td:p1' in {} ? 'x' : 'td:p2');
  em.ui.deleteLabel('acme/app', 'td:managed');
  a.updateIssue(x.id as string, {status: 'in_progress'});
  const r = await a.push();
  t.is(r.rejections.length, 0, JSON.stringify(r.rejections));
  const gh = em.issues('acme/app')[0]!;
  t.deepEqual(gh.labels.sort(), ['td:in-progress', 'td:managed', 'td:p2', 'td:task']);
  t.is(em.labels('acme/app').filter((l) => l.name === 'td:managed').length, 1);
});

test('rate limit mid-batch stops cleanly with retryAt and the next run finishes without duplicates', async (t) => {
  const em = await emulator({limits: {contentPerMinute: 5, contentPerHour: 1000}});
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em, {mutationsPerRequest: 3}));
  for (let i = 0; i < 4; i++) {
    const x = a.createIssue({title: `Task ${i}`});
    a.log(x.id as string, `log ${i}`);
  }
  const err = (await t.throwsAsync(a.push())) as RateLimitError;
  t.true(isSyncError(err) && err.kind === 'rate_limit', String(err));
  t.true(err.retryAt instanceof Date && err.retryAt.getTime() > em.now().getTime() - 1000);
  const made = em.issues('acme/app').length;
  t.true(made > 0 && made <= 5);
  a.ctx.state.crash();
  em.advanceClock(61_000);
  for (let i = 0; i < 5 && a.pending.length > 0; i++) {
    a.connect();
    try {
      await a.push();
    } catch (e) {
      t.true(isSyncError(e) && e.kind === 'rate_limit');
      a.ctx.state.crash();
      em.advanceClock(61_000);
    }
  }
  t.is(a.pending.length, 0);
  const issues = em.issues('acme/app');
  t.is(issues.length, 4);
  t.is(issues.reduce((n, i) => n + i.comments.length, 0), 4);
});

test('our own pacer stops before GitHub does when the hourly budget is spent', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em, {createsPerMinute: 3, createsPerHour: 3, maxWaitSeconds: 0}));
  for (let i = 0; i < 5; i++) a.createIssue({title: `Task ${i}`});
  const err = await t.throwsAsync(a.push());
  t.true(isSyncError(err) && err.kind === 'rate_limit' && err.code === 'github_creation_budget');
  t.true(em.requestLog.every((l) => !l.rateLimited), 'GitHub never had to refuse us');
  t.is(em.issues('acme/app').length, 0, 'a batch of 5 > budget 3 is not sent at all');
});

const FAULTS = ['rate-limited', 'rate-limit-variant', 'secondary-403', 'secondary-403-no-retry-after', 'secondary-429', '429', 'secondary-200', 'something-went-wrong', '502', '504', 'apply-then-502', 'apply-then-504', 'network-reset', 'resource-limits'];
for (const kind of FAULTS) {
  for (const match of ['createIssue', 'addComment', 'TdPull']) {
    test(`fault ${kind} on ${match}: stops cleanly, finishes next run, nothing lost or duplicated`, async (t) => {
      const em = await emulator();
      t.teardown(() => em.close());
      const a = new Project(em, 'A', fastConfig(em));
      const b = new Project(em, 'B', fastConfig(em));
      const x = a.createIssue({title: 'One'});
      a.log(x.id as string, 'log one');
      const y = a.createIssue({title: 'Two', status: 'closed'});
      a.comment(y.id as string, 'comment two');
      em.faults.inject({kind, match, retryAfter: 1});
      let stopped = 0;
      for (let i = 0; i < 4; i++) {
        try {
          await a.sync();
          await b.pull();
          if (a.pending.length === 0) break;
        } catch (error) {
          t.true(isSyncError(error), `${kind}: ${String(error)}`);
          stopped++;
          a.ctx.state.crash();
          b.ctx.state.crash();
          a.connect();
          b.connect();
        }
      }
      t.is(a.pending.length, 0);
      t.is(em.issues('acme/app').length, 2);
      t.is(em.issues('acme/app').reduce((n, i) => n + i.comments.length, 0), 2);
      for (const entity of ['issues', 'logs', 'comments'] as const) t.deepEqual(diffRows(a.rows[entity], b.rows[entity]), [], entity);
      t.true(stopped <= 2);
    });
  }
}

test('a short secondary limit on a read is waited out in place; on a creation it is never retried', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em, {maxWaitSeconds: 5}));
  em.faults.inject({kind: 'secondary-403', match: 'TdPull', retryAfter: 1});
  t.deepEqual(await a.pull(), []);
  t.is(em.requestLog.filter((l) => l.operation === 'TdPull').length, 2, 'the read was retried once after waiting');
  a.createIssue({title: 'x'});
  em.faults.inject({kind: 'secondary-403', match: 'createIssue', retryAfter: 1});
  const err = await t.throwsAsync(a.push());
  t.true(isSyncError(err) && err.kind === 'rate_limit');
  t.is(em.requestLog.filter((l) => l.contentCreating).length, 1, 'the creation was not sent again');
  await a.push();
  t.is(em.issues('acme/app').length, 1);
});

test('a full scan every reconcileHours heals drift the watermark cannot see', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  let hostNow = Date.now();
  const a = new Project(em, 'A', fastConfig(em, {reconcileHours: 1, overlapSeconds: 0}));
  a.ctx.now = () => new Date(hostNow);
  for (let i = 0; i < 3; i++) a.createIssue({title: `t${i}`});
  await a.sync();
  await new Promise((r) => setTimeout(r, 1100));
  await a.pull();
  // drift: the snapshot of one issue is lost (e.g. a state restored from a backup)
  const key = a.ctx.state.keys('snap:')[0]!;
  const snap = a.ctx.state.get<{view: {title: string}}>(key)!;
  a.ctx.state.set(key, {...snap, updatedAt: '', fingerprint: 'x', view: {...snap.view, title: 'stale'}});
  let before = em.requestLog.length;
  t.deepEqual(await a.pull(), [], 'a watermark pull does not look at the old issue');
  t.is(em.requestLog.length - before, 1);
  hostNow += 3_600_000;
  before = em.requestLog.length;
  const healed = await a.pull();
  t.is(healed.length, 1, 'the full scan found the difference');
  t.is(healed[0]!.payload.previousData?.title, 'stale');
  hostNow += 60_000;
  t.deepEqual(await a.pull(), [], 'and the next pull is a watermark pull again');
});

test('more children than GitHub allows under one parent: the rest keep their parent in the block only', async (t) => {
  const em = await emulator({limits: {subIssuesPerParent: 2}});
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const b = new Project(em, 'B', fastConfig(em));
  const epic = a.createIssue({title: 'Epic', type: 'epic'});
  for (let i = 0; i < 4; i++) a.createIssue({title: `Child ${i}`, parent_id: epic.id});
  const r = await a.push();
  t.deepEqual(r.rejections, []);
  t.is(a.pending.length, 0);
  const issues = em.issues('acme/app');
  t.is(issues.length, 5);
  t.is(issues.find((i) => i.title === 'Epic')!.subIssueNumbers.length, 2);
  await b.pull();
  t.deepEqual([...b.rows.issues.values()].filter((x) => x.parent_id === epic.id).length, 4);
  t.deepEqual(await a.pull(), []);
});
