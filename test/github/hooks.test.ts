import test from 'ava';
import type {JsonObject} from 'td-sync-sdk';
import {Project, emulator, fastConfig} from './harness.js';

test('a mapEvent tap changes the GitHub draft; td state does not ping-pong', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = new Project(em, 'A', fastConfig(em));
  const b = new Project(em, 'B', fastConfig(em));
  a.ctx.hooks.mapEvent.tap('prefix-titles', (draft: JsonObject) =>
    draft.kind === 'issue' ? {...draft, title: `[team] ${String(draft.title)}`, text: `${String(draft.text)}\n\n_synced by td_`} : draft.kind === 'log' ? {...draft, text: `LOG: ${String((draft.record as JsonObject).message)}`} : draft,
  );
  const x = a.createIssue({title: 'Plain title', description: 'Body'});
  a.log(x.id as string, 'hello');
  await a.sync();
  const gh = em.issues('acme/app')[0]!;
  t.is(gh.title, '[team] Plain title');
  t.true(gh.body.startsWith('Body\n\n_synced by td_'));
  t.true(gh.comments[0]!.body.startsWith('LOG: hello'));
  t.deepEqual(await a.pull(), [], 'no echo of the transformed title');
  t.is(a.rows.issues.get(x.id as string)!.title, 'Plain title');
  await b.pull();
  t.is(b.rows.issues.get(x.id as string)!.title, 'Plain title', 'the td title travels in the block');
  t.is(b.rows.logs.size, 1);
  t.is([...b.rows.logs.values()][0]!.message, 'hello');
  // The text a plugin adds is part of the GitHub text; td reads it back as the description.
  t.is(b.rows.issues.get(x.id as string)!.description, 'Body\n\n_synced by td_');
});

test('a mapRemote tap can drop or rewrite inbound events', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const b = new Project(em, 'B', fastConfig(em));
  b.ctx.hooks.mapRemote.tap('no-ui-comments', (event) => (event && event.entityType === 'comments' ? null : event));
  b.ctx.hooks.mapRemote.tap('tag', (event) => (event && event.entityType === 'issues' && event.payload.newData ? {...event, payload: {...event.payload, newData: {...event.payload.newData, sprint: 'from-github'}}} : event));
  const n = em.ui.createIssue('acme/app', {title: 'UI issue', body: 'x', labels: ['td:managed']});
  em.ui.addComment('acme/app', n.number, 'ignored by the tap');
  const events = await b.pull();
  t.false(events.some((e) => e.entityType === 'comments'));
  t.is([...b.rows.issues.values()][0]!.sprint, 'from-github');
});
