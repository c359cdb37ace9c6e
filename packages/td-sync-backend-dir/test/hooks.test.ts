/**
 * The dir backend calls `mapEvent` for what it writes and `mapRemote` for what it reads, so a
 * plugin can, for instance, encrypt payloads kept in a cloud-synced folder.
 */
import test from 'ava';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {createSyncHooks, type JsonObject, type SyncEvent} from 'td-sync-sdk';
import {device, keys, tempFolder} from './helpers.js';

/** A toy "encryption": the payload is stored as base64 and decoded on the way in. */
function sealedHooks() {
  const hooks = createSyncHooks();
  hooks.mapEvent.tapPromise('seal', async (record) => ({
    ...record,
    payload: {sealed: Buffer.from(JSON.stringify(record.payload)).toString('base64'), newData: null, previousData: null},
  }));
  hooks.mapRemote.tapPromise('unseal', async (event) => {
    if (!event) return event;
    const sealed = (event.payload as unknown as {sealed?: string}).sealed;
    if (!sealed) return event;
    return {...event, payload: JSON.parse(Buffer.from(sealed, 'base64').toString('utf8'))};
  });
  return hooks;
}

test('mapEvent changes what is stored; mapRemote restores it on the other side', async (t) => {
  const root = tempFolder();
  const a = device(root, {hooks: sealedHooks()});
  const b = device(root, {hooks: sealedHooks()});
  const sent = a.events(3, 'sealed');
  const result = await a.backend.push(sent);
  t.is(result.acks.length, 3);
  const stored = readFileSync(join(root, 'devices', a.id, '000000001.ndjson'), 'utf8');
  t.false(stored.includes('sealed task'), 'titles are not stored in clear');
  const got = await b.pullAll();
  t.deepEqual(got.map((e) => e.payload), sent.map((e) => e.payload));
  // A reader without the plugin sees the stored form, not the clear text.
  const c = device(root);
  const raw = await c.pullAll();
  t.truthy((raw[0]!.payload as unknown as JsonObject).sealed);
});

test('mapRemote returning null drops an inbound event and the cursor moves past it', async (t) => {
  const root = tempFolder();
  const a = device(root);
  const hooks = createSyncHooks();
  hooks.mapRemote.tap('no-logs', (event) => (event?.entityType === 'logs' ? null : event));
  const b = device(root, {hooks});
  const sent = a.events(6);
  await a.backend.push(sent);
  const got = await b.pullAll(2);
  t.deepEqual(keys(got), keys(sent.filter((e) => e.entityType !== 'logs')));
  t.is((await b.pullAll()).length, 0);
});

test('a mapEvent tap that breaks the event identity gets that event rejected, not stored', async (t) => {
  const root = tempFolder();
  const hooks = createSyncHooks();
  hooks.mapEvent.tap('broken', (record, event: SyncEvent) => (event.clientActionId === 2 ? {...record, clientActionId: 99} : record));
  const a = device(root, {hooks});
  const result = await a.backend.push(a.events(3));
  t.deepEqual(result.acks.map((x) => x.clientActionId), [1, 3]);
  t.like(result.rejections[0], {clientActionId: 2, reason: 'invalid', retryable: false});
  t.regex(result.rejections[0]!.message!, /mapEvent .*identity/);
});

test('a mapEvent tap that throws fails the push with its own error; a retry stores every event once', async (t) => {
  const root = tempFolder();
  const hooks = createSyncHooks();
  let fail = true;
  hooks.mapEvent.tap('flaky', (record, event: SyncEvent) => {
    if (fail && event.clientActionId === 3) throw new Error('plugin exploded');
    return record;
  });
  const a = device(root, {hooks, segmentBytes: 1024});
  const sent = a.events(5);
  await t.throwsAsync(a.backend.push(sent), {message: 'plugin exploded'});
  fail = false;
  const result = await a.backend.push(sent);
  t.deepEqual(result.acks.map((x) => x.clientActionId), [1, 2, 3, 4, 5]);
  const b = device(root);
  t.deepEqual(keys(await b.pullAll()), keys(sent));
});
