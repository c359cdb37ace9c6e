/** Crash safety: a failure between the remote write and the local ack loses and duplicates nothing. */
import test from 'ava';
import {eventKey, TransientError} from 'td-sync-sdk';
import {runSync} from '../../packages/td-sync-cli/src/engine/index.js';
import {Hub, tempProject, type Ordering} from './helpers/hub.js';
import {TdWriter, taskTables} from './helpers/td-writes.js';

for (const ordering of ['total', 'unordered'] as const satisfies readonly Ordering[]) {
  test(`${ordering}: a push whose response is lost is re-pushed with the same identities and deduplicated`, async (t) => {
    let crash = true;
    const hub = new Hub({ordering, afterStore: () => {
      if (crash) throw new Error('connection reset after the remote stored the batch');
    }});
    const a = tempProject();
    const w = new TdWriter(a);
    const x = w.createIssue();
    w.addLog(x, 'first');
    w.addComment(x, 'second');
    await t.throwsAsync(runSync(a, hub.target(), {}), {message: /connection reset/});
    t.is((a.db.prepare('SELECT COUNT(*) AS n FROM td_sync_acks').get() as {n: number}).n, 0, 'nothing was recorded as acknowledged');
    t.is(hub.log.length, 3);
    crash = false;
    const r = await runSync(a, hub.target(), {});
    t.is(r.pushed, 3);
    t.is(r.pending, 0);
    t.is(hub.log.length, 3, 'no duplicates on the remote');
    t.deepEqual(hub.received[1], hub.received[0], 'the re-push carried exactly the same events');
    t.is(new Set(hub.log.map(eventKey)).size, 3);

    const b = tempProject();
    await runSync(b, hub.target(), {});
    t.deepEqual(taskTables(b), taskTables(a));
  });
}

test('acks of earlier batches survive a failure in a later batch', async (t) => {
  let batches = 0;
  const hub = new Hub({maxPushBatch: 2, beforeStore: () => {
    if (++batches === 2) throw new TransientError('503 from the remote', {code: 'remote_unavailable'});
  }});
  const a = tempProject();
  const w = new TdWriter(a);
  for (let i = 0; i < 4; i++) w.createIssue();
  const r = await runSync(a, hub.target(), {});
  t.is(r.pushed, 2);
  t.is(r.pending, 2);
  t.is(r.stopped?.code, 'remote_unavailable');
  t.is(r.pulled, 0, 'the run stopped before pulling');
  const r2 = await runSync(a, hub.target(), {});
  t.is(r2.pushed, 2);
  t.is(hub.log.length, 4);
});
