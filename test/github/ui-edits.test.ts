import test from 'ava';
import {Project, diffRows, emulator, fastConfig} from './harness.js';

test('a person edits title, text, labels, state and comments in the UI: both projects get it', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const b = new Project(em, 'B', fastConfig(em));
  const task = a.createIssue({title: 'Original title', description: 'Original text', priority: 'P2', type: 'bug'});
  const c1 = a.comment(task.id as string, 'td comment');
  await a.sync();
  await b.pull();
  const gh = em.issues('acme/app')[0]!;

  // the person's edits
  em.advanceClock(5_000);
  em.ui.editIssue('acme/app', gh.number, {title: 'Edited in the UI', body: gh.body.replace('Original text', 'Text edited\r\nin the UI')});
  em.ui.removeLabels('acme/app', gh.number, ['td:p2']);
  em.ui.addLabels('acme/app', gh.number, ['td:p0', 'needs-design']);
  const personComment = em.ui.addComment('acme/app', gh.number, 'A person says hi');
  const tdComment = gh.comments.find((c) => c.body.startsWith('td comment'))!;
  em.ui.editComment('acme/app', tdComment.id, em.issues('acme/app')[0]!.comments.find((c) => c.id === tdComment.id)!.body.replace('td comment', 'td comment, edited'));
  em.ui.closeIssue('acme/app', gh.number, 'COMPLETED');

  const pulledA = await a.pull();
  const pulledB = await b.pull();
  t.true(pulledA.length > 0);
  t.is(pulledA.length, pulledB.length);
  for (const p of [a, b]) {
    const row = p.rows.issues.get(task.id as string)!;
    t.like(row, {title: 'Edited in the UI', description: 'Text edited\nin the UI', priority: 'P0', status: 'closed', type: 'bug'});
    t.truthy(row.closed_at);
    const comments = [...p.rows.comments.values()];
    t.truthy(comments.find((c) => c.text === 'A person says hi'), 'a UI comment becomes a td comment');
    t.is(p.rows.comments.get(c1.id as string)?.text, 'td comment, edited');
  }
  t.deepEqual(diffRows(a.rows.issues, b.rows.issues), []);
  t.deepEqual(diffRows(a.rows.comments, b.rows.comments), []);

  // the person's own label is never touched by td
  a.updateIssue(task.id as string, {priority: 'P3'});
  await a.sync();
  const after = em.issues('acme/app')[0]!;
  t.true(after.labels.includes('needs-design'));
  t.true(after.labels.includes('td:p3'));
  t.false(after.labels.includes('td:p0'));
  t.is(after.title, 'Edited in the UI', 'td did not revert the title');

  // deleting the person's comment in the UI deletes the td comment
  em.ui.deleteComment('acme/app', personComment.id);
  const del = await b.pull();
  t.true(del.some((e) => e.entityType === 'comments' && e.actionType === 'delete'));
  t.falsy([...b.rows.comments.values()].find((c) => c.text === 'A person says hi'));
  // quiet again
  t.deepEqual(await b.pull(), []);
});

test('push after a person edit keeps the person value and pull still delivers it to td', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const task = a.createIssue({title: 'Before', description: 'Body', priority: 'P2'});
  await a.sync();
  const gh = em.issues('acme/app')[0]!;
  em.ui.editIssue('acme/app', gh.number, {title: 'Person title'});
  // td changes another field before pulling
  a.updateIssue(task.id as string, {priority: 'P1'});
  const r = await a.push();
  t.is(r.rejections.length, 0);
  t.is(em.issues('acme/app')[0]!.title, 'Person title');
  t.true(em.issues('acme/app')[0]!.labels.includes('td:p1'));
  await a.pull();
  t.like(a.rows.issues.get(task.id as string), {title: 'Person title', priority: 'P1'});
});

test('issues created in the UI with the managed label (or all, per config) become td tasks', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const all = new Project(em, 'All', fastConfig(em, {import: 'all'}));
  em.ui.createIssue('acme/app', {title: 'Managed from the UI', body: 'hello', labels: ['td:managed', 'td:p1', 'td:bug']});
  em.ui.createIssue('acme/app', {title: 'Unmanaged', body: 'x'});
  await a.pull();
  await all.pull();
  t.is(a.rows.issues.size, 1);
  t.is(all.rows.issues.size, 2);
  const row = [...a.rows.issues.values()][0]!;
  t.like(row, {title: 'Managed from the UI', description: 'hello', priority: 'P1', type: 'bug', status: 'open'});
  t.regex(String(row.id), /^td-[0-9a-f]{6}$/);
  t.deepEqual(diffRows(a.rows.issues, new Map([...all.rows.issues].filter(([, r]) => r.title === 'Managed from the UI'))), [], 'same td id on every device');
  // td can then change it: the block is added, the person's text stays
  a.updateIssue(String(row.id), {status: 'in_progress'});
  await a.sync();
  const gh = em.issues('acme/app').find((i) => i.title === 'Managed from the UI')!;
  t.true(gh.body.startsWith('hello'));
  t.true(gh.body.includes(`<!-- td:begin ${row.id} -->`));
  t.true(gh.labels.includes('td:in-progress'));
  t.deepEqual(await a.pull(), []);
});

test('both sides changed the same field: the later change wins on both sides', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const x = a.createIssue({title: 'Start', priority: 'P2'});
  const y = a.createIssue({title: 'Other', priority: 'P2'});
  await a.sync();
  const [gx, gy] = em.issues('acme/app');
  // x: the person edits first, td later -> td wins
  em.advanceClock(2000);
  em.ui.editIssue('acme/app', gx!.number, {title: 'Person first'});
  em.advanceClock(2000);
  a.updateIssue(x.id as string, {title: 'td later'});
  // y: td edits first, the person later -> the person wins
  a.updateIssue(y.id as string, {title: 'td first'});
  em.advanceClock(2000);
  em.ui.editIssue('acme/app', gy!.number, {title: 'Person later'});
  await a.sync();
  const issues = em.issues('acme/app');
  t.is(issues.find((i) => i.id === gx!.id)!.title, 'td later');
  t.is(issues.find((i) => i.id === gy!.id)!.title, 'Person later');
  t.is(a.rows.issues.get(x.id as string)!.title, 'td later');
  t.is(a.rows.issues.get(y.id as string)!.title, 'Person later', 'the newer person edit came back to td');
});

test('an issue deleted on GitHub: td keeps the task, its later changes are refused for good, not retried forever', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const x = a.createIssue({title: 'Will vanish'});
  await a.sync();
  em.ui.deleteIssue('acme/app', em.issues('acme/app')[0]!.number);
  a.updateIssue(x.id as string, {priority: 'P0'});
  a.log(x.id as string, 'after deletion');
  const r = await a.push();
  t.is(r.acks.length, 0);
  t.true(r.rejections.every((j) => !j.retryable), JSON.stringify(r.rejections));
  t.is(a.pending.length, 0);
  t.truthy(a.rows.issues.get(x.id as string));
  t.is(em.issues('acme/app').length, 0, 'nothing re-created');
});

test('an issue transferred to another repository is not written to there', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  em.createRepo('acme/other');
  const a = new Project(em, 'A', fastConfig(em));
  const x = a.createIssue({title: 'Will move'});
  await a.sync();
  em.ui.transferIssue('acme/app', em.issues('acme/app')[0]!.number, 'acme/other');
  a.updateIssue(x.id as string, {title: 'Changed after the move'});
  const r = await a.push();
  t.true(r.rejections.some((j) => j.reason === 'remote_missing'));
  t.is(em.issues('acme/other')[0]!.title, 'Will move');
  t.is(em.issues('acme/app').length, 0);
});
