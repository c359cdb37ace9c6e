/**
 * The on-disk guarantees: one writer per file, torn tails ignored then repaired, segments rolled
 * and read in order even when a synced folder delivers them out of order, idempotent re-push.
 */
import test from 'ava';
import {appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {isSyncError} from 'td-sync-sdk';
import {MemoryTargetState} from 'td-sync-sdk/testkit';
import {device, keys, tempFolder, type TestDevice} from './helpers.js';

/**
 * What a crash mid-append leaves: the writer had recorded where the write would end (its intent),
 * and only some bytes reached the file.
 */
function interruptedWrite(d: TestDevice, segment: string, bytes: string): void {
  const size = readFileSync(segment).length;
  d.ctx.state.set('writer.intent', {segment: Number(segment.match(/(\d+)\.ndjson$/)![1]), from: size, to: size + Buffer.byteLength(bytes) + 200});
  appendFileSync(segment, bytes);
}

const segmentsOf = (root: string, id: string) => readdirSync(join(root, 'devices', id)).filter((n) => n.endsWith('.ndjson')).sort();

test('layout: one folder per device, a header line then one event per line, each line ending in a newline', async (t) => {
  const root = tempFolder();
  const a = device(root);
  const sent = a.events(4);
  const result = await a.backend.push(sent);
  t.deepEqual(result.rejections, []);
  t.deepEqual(result.acks.map((x) => x.clientActionId), [1, 2, 3, 4]);
  t.deepEqual(readdirSync(join(root, 'devices')), [a.id]);
  t.deepEqual(JSON.parse(readFileSync(join(root, 'td-sync-dir.json'), 'utf8')), {format: 'td-sync-dir', version: 1});
  const text = readFileSync(join(root, 'devices', a.id, '000000001.ndjson'), 'utf8');
  t.true(text.endsWith('\n'));
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
  t.like(lines[0], {tdSyncDir: 1, deviceId: a.id, segment: 1, previousBytes: 0});
  t.deepEqual(lines.slice(1).map((l) => l.clientActionId), [1, 2, 3, 4]);
});

test('a torn last line is ignored by readers, cut by the writer on restart, and its event pushed again once', async (t) => {
  const root = tempFolder();
  const a = device(root);
  const b = device(root);
  const sent = a.events(5);
  await a.backend.push(sent.slice(0, 3));
  // A crash halfway through appending events 4 and 5: half a line, no newline.
  const seg = join(root, 'devices', a.id, '000000001.ndjson');
  const torn = JSON.stringify(sent[3]).slice(0, 57);
  interruptedWrite(a, seg, torn);
  t.deepEqual(keys(await b.pullAll()), keys(sent.slice(0, 3)));
  const again = await b.backend.pull({cursor: b.cursor, limit: 10});
  t.is(again.events.length, 0);
  t.false(again.hasMore);

  const a2 = a.restart(); // the engine never got acks for 4 and 5, so it pushes them again
  const result = await a2.backend.push(sent.slice(3));
  t.deepEqual(result.acks.map((x) => x.clientActionId), [4, 5]);
  const lines = readFileSync(seg, 'utf8').split('\n');
  t.is(lines.pop(), '', 'the file ends with a newline');
  t.notThrows(() => lines.forEach((l) => JSON.parse(l)), 'the torn bytes were cut before appending');
  t.is(lines.length, 1 + 5);
  t.deepEqual(keys(await b.pullAll()), keys(sent.slice(3)));
  t.true(a2.ctx.logs.some((l) => l.level === 'warn' && /torn last line/.test(l.message)));
});

test('a line still arriving (synced folder) is read once it is complete', async (t) => {
  const root = tempFolder();
  const a = device(root);
  await a.backend.push(a.events(2));
  // Replay this folder into another one as a file-by-file sync tool would: bytes arrive in pieces.
  const mirror = tempFolder();
  const src = join(root, 'devices', a.id, '000000001.ndjson');
  const dst = join(mirror, 'devices', a.id, '000000001.ndjson');
  mkdirSync(join(mirror, 'devices', a.id), {recursive: true});
  const bytes = readFileSync(src);
  const b = device(mirror);
  const seen: string[] = [];
  for (let cut = 0; cut <= bytes.length; cut += 37) {
    writeFileSync(dst, bytes.subarray(0, cut));
    seen.push(...keys(await b.pullAll(1)));
  }
  writeFileSync(dst, bytes);
  seen.push(...keys(await b.pullAll(1)));
  t.deepEqual(seen, [`${a.id}/ses_test/1`, `${a.id}/ses_test/2`]);
});

test('segments roll at the size limit and a reader never moves to the next one before the previous has fully arrived', async (t) => {
  const root = tempFolder();
  const a = device(root, {segmentBytes: 2048});
  const sent = a.events(30);
  for (let i = 0; i < sent.length; i += 4) await a.backend.push(sent.slice(i, i + 4));
  const segments = segmentsOf(root, a.id);
  t.true(segments.length >= 4, `only ${segments.length} segments`);
  // Arrival out of order: every segment complete except the first, which is cut mid-way.
  const mirror = tempFolder();
  cpSync(join(root, 'devices'), join(mirror, 'devices'), {recursive: true});
  const first = join(mirror, 'devices', a.id, segments[0]!);
  const full = readFileSync(join(root, 'devices', a.id, segments[0]!));
  truncateSync(first, Math.floor(full.length / 2));
  const b = device(mirror);
  const early = await b.pullAll(5);
  t.true(early.length > 0 && early.length < 5, `got ${early.length}`);
  t.deepEqual(keys(early), keys(sent.slice(0, early.length)), 'only complete lines of the first segment');
  writeFileSync(first, full);
  const rest = await b.pullAll(5);
  t.deepEqual(keys([...early, ...rest]), keys(sent));
});

test('idempotent re-push: identities already written are acknowledged, also after a restart and within one batch', async (t) => {
  const root = tempFolder();
  const a = device(root, {segmentBytes: 1500});
  const b = device(root);
  const sent = a.events(12);
  const first = await a.backend.push(sent);
  const second = await a.backend.push(sent);
  t.deepEqual(second.acks, first.acks, 'same remote sequence both times');
  const a2 = a.restart();
  const [fresh] = a.events(1);
  const third = await a2.backend.push([...sent.slice(5), sent[7]!, fresh!, fresh!]);
  t.deepEqual(third.rejections, []);
  t.is(third.acks.length, 10);
  t.is(third.acks[8]!.remoteSeq, third.acks[9]!.remoteSeq, 'a new identity twice in one batch is written once');
  t.deepEqual(third.acks.slice(0, 7), first.acks.slice(5), 'the restarted writer found them by scanning its segments');
  const got = await b.pullAll(4);
  t.is(got.length, 13);
  t.is(new Set(keys(got)).size, 13);
});

test('a malformed event is rejected (not retryable), the rest of the batch stored', async (t) => {
  const root = tempFolder();
  const a = device(root);
  const [good, bad] = a.events(2);
  const result = await a.backend.push([good!, {...bad!, entityType: 'bogus' as any}]);
  t.deepEqual(result.acks.map((x) => x.clientActionId), [1]);
  t.like(result.rejections[0], {clientActionId: 2, reason: 'invalid', retryable: false});
});

test('a corrupt complete line is skipped with a warning and does not block the stream', async (t) => {
  const root = tempFolder();
  const a = device(root);
  const sent = a.events(3);
  await a.backend.push(sent.slice(0, 1));
  interruptedWrite(a, join(root, 'devices', a.id, '000000001.ndjson'), '\u0000\u0000garbage\n');
  await a.restart().backend.push(sent.slice(1));
  const b = device(root);
  t.deepEqual(keys(await b.pullAll()), keys(sent));
  t.true(b.ctx.logs.some((l) => l.level === 'warn' && /unreadable line/.test(l.message)));
});

test('own events are not echoed; pull merges other devices by time; the cursor survives a restart', async (t) => {
  const root = tempFolder();
  const a = device(root);
  const c = device(root);
  const b = device(root);
  await a.backend.push(a.events(3));
  await c.backend.push(c.events(3));
  const aSees = await a.pullAll();
  t.deepEqual(aSees.map((e) => e.deviceId), [c.id, c.id, c.id], 'A sees only C, never its own events');
  const got = await b.pullAll(2);
  t.is(got.length, 6);
  const times = got.map((e) => e.clientTimestamp);
  t.deepEqual(times, [...times].sort());
  const b2 = b.restart();
  await a.backend.push(a.events(2));
  t.is((await b2.pullAll()).length, 2);
});

test('a sync target whose folder is missing fails with a ConfigError saying what to do; a bad cursor is a PermanentError', async (t) => {
  const root = tempFolder();
  const a = device(join(root, 'not-mounted'));
  const error = await t.throwsAsync(a.backend.push(a.events(1)));
  t.true(isSyncError(error) && error.code === 'dir_missing');
  t.regex(error!.message, /does not exist/);
  t.regex((error as any).hint, /mkdir -p|td sync init/);
  const status = await a.backend.status();
  t.false(status.reachable);
  const b = device(root);
  const bad = await t.throwsAsync(b.backend.pull({cursor: 'definitely-not-ours', limit: 5}));
  t.true(isSyncError(bad) && bad.kind === 'permanent' && bad.code === 'dir_cursor_invalid');
});

test('a folder written by a newer format is refused', async (t) => {
  const root = tempFolder();
  writeFileSync(join(root, 'td-sync-dir.json'), JSON.stringify({format: 'td-sync-dir', version: 9}));
  const a = device(root);
  const error = await t.throwsAsync(a.backend.push(a.events(1)));
  t.true(isSyncError(error) && error.code === 'dir_format_newer');
  rmSync(root, {recursive: true});
});

test('status: reachable, devices seen, and events waiting after the last pulled cursor', async (t) => {
  const root = tempFolder();
  const a = device(root);
  const b = device(root);
  await a.backend.push(a.events(5));
  let status = await b.backend.status();
  t.like(status, {reachable: true, authenticated: true, remote: root, pendingRemote: 5});
  t.like(status.details, {devices: 1, otherDevices: [a.id]});
  await b.pullAll(3);
  await a.backend.push(a.events(2));
  status = await b.backend.status();
  t.is(status.pendingRemote, 2);
});

test('a second project writing with the same device id (a copied database) is refused before it writes anything', async (t) => {
  const root = tempFolder();
  const a = device(root);
  await a.backend.push(a.events(2));
  // A copy of the project: same device id, and a copy of its database (so of its state) at this point.
  const copiedState = new MemoryTargetState();
  for (const [k, v] of Object.entries(a.ctx.state.snapshot())) copiedState.set(k, v);
  await a.backend.push(a.events(1)); // the original goes on working
  const copy = device(root, {id: a.id, state: copiedState});
  copy.nextId = 3; // the copy's own next action reuses a rowid the original already used
  const before = readFileSync(join(root, 'devices', a.id, '000000001.ndjson'));
  const error = await t.throwsAsync(copy.backend.push(copy.events(1, 'copy')));
  t.true(isSyncError(error) && error.code === 'dir_device_shared', String(error));
  t.regex(error!.message, /written by another td project using this project's device id/);
  t.regex((error as any).hint, /TD_DEVICE_ID/);
  t.deepEqual(readFileSync(join(root, 'devices', a.id, '000000001.ndjson')), before, 'the copy wrote nothing');
  // The original is not disturbed.
  t.is((await a.restart().backend.push(a.events(1))).acks.length, 1);
});

test('the writer accepts its own interrupted write and a folder it has never written from this project', async (t) => {
  const root = tempFolder();
  const a = device(root);
  const sent = a.events(4);
  await a.backend.push(sent.slice(0, 2));
  // A crash mid-append: the intent was recorded, half a line reached the file.
  interruptedWrite(a, join(root, 'devices', a.id, '000000001.ndjson'), '{"clientActionId":3,"devi');
  const a2 = a.restart();
  t.is((await a2.backend.push(sent.slice(2))).acks.length, 2);
  // A project with no record of this folder (a new target for it) takes it as it is.
  const fresh = device(root, {id: a.id});
  fresh.nextId = 5;
  t.is((await fresh.backend.push(fresh.events(1))).acks.length, 1);
});
