import test from 'ava';
import {Project, diffRows, emulator, fastConfig} from './harness.js';

test('round trip: every field, logs, handoffs, comments, deps and an epic reach GitHub and a second project', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const b = new Project(em, 'B', fastConfig(em));

  const epic = a.createIssue({title: 'Auth epic', type: 'epic', priority: 'P1'});
  const task = a.createIssue({
    title: 'Login form <b>bold</b> & `code`',
    description: 'Line one\n\n- item\n- item 2\n\nUnicode: 日本語 🚀',
    type: 'feature',
    priority: 'P0',
    points: 5,
    labels: ['frontend', 'ux'],
    parent_id: epic.id,
    acceptance: 'Form submits\nErrors shown',
    sprint: 'S1',
    due_date: '2026-03-01',
  });
  const blocker = a.createIssue({title: 'API endpoint', type: 'task'});
  a.dependency(task.id as string, blocker.id as string);
  a.updateIssue(task.id as string, {status: 'in_progress', implementer_session: a.session}, 'start');
  a.log(task.id as string, 'Started on the form');
  a.log(task.id as string, 'Chose react-hook-form', 'decision');
  a.handoff(task.id as string, {done: ['layout'], remaining: ['validation'], decisions: ['rhf'], uncertain: []});
  a.comment(task.id as string, 'Looks good so far');
  a.updateIssue(blocker.id as string, {status: 'closed', closed_at: '2026-01-05T00:00:00Z'}, 'close');
  const gone = a.createIssue({title: 'Obsolete idea'});
  a.deleteIssue(gone.id as string);

  const r = await a.push();
  t.is(r.rejections.length, 0, JSON.stringify(r.rejections));
  t.is(a.pending.length, 0);

  const issues = em.issues('acme/app');
  t.is(issues.length, 4);
  const gh = (title: string) => issues.find((i) => i.title === title)!;
  const ghTask = gh(task.title as string);
  t.deepEqual(ghTask.labels.sort(), ['td:feature', 'td:in-progress', 'td:managed', 'td:p0']);
  t.true(ghTask.body.startsWith('Line one'));
  t.true(ghTask.body.includes('<!-- td:begin ' + task.id));
  t.is(ghTask.parentNumber, gh('Auth epic').number);
  t.is(ghTask.comments.length, 4);
  t.truthy(ghTask.comments.find((c) => c.body.startsWith('Looks good so far')));
  t.like(gh('API endpoint'), {state: 'CLOSED', stateReason: 'COMPLETED'});
  t.like(gh('Obsolete idea'), {state: 'CLOSED', stateReason: 'NOT_PLANNED'});
  t.true(ghTask.body.includes(`#${gh('API endpoint').number}`), 'dependency listed as a task list');

  // A's own writes do not come back.
  const echo = await a.pull();
  t.deepEqual(echo, [], JSON.stringify(echo.slice(0, 2)));

  // B pulls everything into identical td state.
  await b.pull();
  for (const entity of ['issues', 'logs', 'comments', 'handoffs', 'issue_dependencies'] as const) {
    t.deepEqual(diffRows(a.rows[entity], b.rows[entity]), [], entity);
  }
  // push-then-pull changes nothing, for both
  const again = await b.sync();
  t.deepEqual(again.pulled, []);
  t.deepEqual(await a.pull(), []);
});
