/**
 * Remote records a backend steps over (PullResult.skipped) are never silent: the report counts them,
 * td_sync_skipped keeps them (with the page, in the cursor's transaction), and a malformed list is
 * refused as a backend bug.
 */
import test from 'ava';
import {createSyncHooks, defineBackend, type PullResult, type SyncBackend} from 'td-sync-sdk';
import {runSync, type ResolvedTarget} from '../../packages/td-sync-cli/src/engine/index.js';
import {tempProject} from './helpers/hub.js';

const event = (n: number) => ({
  clientActionId: n,
  deviceId: 'f'.repeat(32),
  sessionId: 'ses_remote',
  actionType: 'create' as const,
  entityType: 'issues' as const,
  entityId: `td-${String(n).padStart(6, '0')}`,
  payload: {schemaVersion: 1, newData: {id: `td-${String(n).padStart(6, '0')}`, title: `Remote task number ${n}`, status: 'open'}, previousData: null},
  clientTimestamp: '2026-11-26T00:00:00.000Z',
  remoteSeq: n,
});

/** A pull-only backend serving the given pages in turn (cursor = page index). */
function pagesTarget(pages: PullResult[]): ResolvedTarget {
  const definition = defineBackend({
    apiVersion: 1,
    name: 'pages',
    displayName: 'Pages',
    validateConfig: (raw) => raw,
    remoteId: () => 'memory',
    create: (): SyncBackend => ({
      capabilities: {entityTypes: 'all', bidirectional: true, echoesOwnEvents: false, maxPushBatch: 100, maxPullPage: 100, ordering: 'total'},
      push: async () => ({acks: [], rejections: []}),
      pull: async ({cursor}) => pages[cursor === null ? 0 : Number(cursor)] ?? {events: [], cursor, hasMore: false},
      status: async () => ({reachable: true, authenticated: true, remote: 'memory'}),
    }),
  });
  return {
    targetId: 'pages:memory', backendName: 'pages', packageName: 'td-sync-backend-pages', source: 'file', definition, config: {},
    hooks: createSyncHooks(),
    credentials: {env: () => undefined, readFile: async () => undefined, writeFile: async () => {}, deleteFile: async () => {}, redact: () => {}},
  };
}

test('records a backend skipped are counted in the report and kept in td_sync_skipped; the events around them apply', async (t) => {
  const s = tempProject();
  const target = pagesTarget([
    {events: [event(1)], cursor: '1', hasMore: true, skipped: [{reason: 'unknown entity type "spaceships"', where: 'seq 2', remoteSeq: 2, entityType: 'spaceships', entityId: 'ship-1', raw: '{"x":1}'}]},
    // A page of nothing but skipped records still moves the cursor and is recorded.
    {events: [], cursor: '2', hasMore: true, skipped: [{reason: 'not JSON', where: 'byte 42'}]},
    {events: [event(3)], cursor: '3', hasMore: false},
  ]);
  const r = await runSync(s, target, {push: false});
  t.is(r.applied, 2);
  t.is(r.skipped, 2);
  const rows = s.db.prepare("SELECT reason, remote_seq, entity_type, entity_id, error, payload FROM td_sync_skipped WHERE target = 'pages:memory' ORDER BY id").all();
  t.deepEqual(rows, [
    {reason: 'unreadable', remote_seq: '2', entity_type: 'spaceships', entity_id: 'ship-1', error: 'unknown entity type "spaceships" (at seq 2)', payload: '{"x":1}'},
    {reason: 'unreadable', remote_seq: null, entity_type: '', entity_id: '', error: 'not JSON (at byte 42)', payload: null},
  ]);
  t.is((s.db.prepare("SELECT cursor FROM td_sync_targets WHERE target = 'pages:memory'").get() as {cursor: string}).cursor, '3');
  // Nothing is recorded twice by a second run.
  const again = await runSync(s, target, {push: false});
  t.is(again.skipped, 0);
  t.is((s.db.prepare('SELECT COUNT(*) AS n FROM td_sync_skipped').get() as {n: number}).n, 2);
});

test('a dry run counts the records it would skip (past a page of nothing else) and records nothing', async (t) => {
  const s = tempProject();
  const pages = [
    {events: [], cursor: '1', hasMore: true, skipped: [{reason: 'r'}]},
    {events: [event(2)], cursor: '2', hasMore: false, skipped: [{reason: 'r'}]},
  ];
  const r = await runSync(s, pagesTarget(pages), {push: false, dryRun: true});
  t.is(r.skipped, 2);
  t.is(r.pulled, 1);
  t.is((s.db.prepare('SELECT COUNT(*) AS n FROM td_sync_skipped').get() as {n: number}).n, 0);
});

test('a skipped list that is not an array of {reason} is refused as a backend bug, nothing applied', async (t) => {
  const s = tempProject();
  const bad = {events: [event(1)], cursor: '1', hasMore: false, skipped: [{why: 'no reason field'}]} as unknown as PullResult;
  await t.throwsAsync(runSync(s, pagesTarget([bad]), {push: false}), {message: /skipped.*reason/});
  t.is((s.db.prepare('SELECT COUNT(*) AS n FROM issues').get() as {n: number}).n, 0);
});
