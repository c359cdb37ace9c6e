import test from 'ava';
import type {SyncEvent} from 'td-sync-sdk';
import {batches, PUSH_BATCH} from '../src/backend.js';

const ev = (id: number, size = 10): SyncEvent => ({
  clientActionId: id,
  deviceId: 'd',
  sessionId: 's',
  actionType: 'create',
  entityType: 'issues',
  entityId: `td-${id}`,
  payload: {schemaVersion: 1, newData: {id: `td-${id}`, title: 't'.repeat(size)}, previousData: null},
  clientTimestamp: '2026-01-01T00:00:00Z',
});

test('batches keep order, hold at most 500 events, and respect the byte cap', (t) => {
  const many = Array.from({length: 1200}, (_, i) => ev(i + 1));
  t.deepEqual(batches(many).map((b) => b.events.length), [PUSH_BATCH, PUSH_BATCH, 200]);
  t.deepEqual(batches(many).flatMap((b) => b.events.map((e) => e.clientActionId)), many.map((e) => e.clientActionId));
  const sized = Array.from({length: 10}, (_, i) => ev(i + 1, 1000));
  const cut = batches(sized, 3500);
  t.true(cut.every((b) => b.bytes <= 3500));
  t.true(cut.length >= 4);
  t.deepEqual(cut.flatMap((b) => b.events.map((e) => e.clientActionId)), sized.map((e) => e.clientActionId));
  t.deepEqual(batches([]), []);
});

test('an event larger than the cap travels alone, marked oversized', (t) => {
  const out = batches([ev(1), ev(2, 5000), ev(3)], 1000);
  t.deepEqual(out.map((b) => [b.events.map((e) => e.clientActionId), Boolean(b.oversized)]), [[[1], false], [[2], true], [[3], false]]);
  t.is(JSON.parse(out[0].json[0]).client_action_id, 1, 'each event is serialised once, in wire form');
});

test('timestamps go out in a form Go\'s RFC 3339 parser takes', async (t) => {
  const {wireTimestamp} = await import('../src/backend.js');
  t.is(wireTimestamp('2026-01-01T10:00:00Z'), '2026-01-01T10:00:00Z');
  t.is(wireTimestamp('2026-01-01T10:00:00.123+05:30'), '2026-01-01T10:00:00.123+05:30');
  t.is(wireTimestamp('2026-02-03 20:53:53.519728-08:00'), '2026-02-04T04:53:53.519Z');
  t.is(wireTimestamp('garbage'), 'garbage');
});
