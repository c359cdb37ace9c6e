/**
 * Random histories against real folders (fast-check, fixed seed): devices push new and replayed
 * events, crash mid-write (torn tails), restart; readers pull with random page sizes and restart
 * from their stored cursors. Whatever the interleaving, every reader ends with every event exactly
 * once, each device's events in the order it wrote them. TD_DIR_PROPERTY_RUNS raises the count.
 */
import test from 'ava';
import fc from 'fast-check';
import {appendFileSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {eventKey, type SyncEvent} from 'td-sync-sdk';
import {device, tempFolder, type TestDevice} from './helpers.js';

const RUNS = Number(process.env.TD_DIR_PROPERTY_RUNS ?? 25);

type Op =
  | {kind: 'push'; who: number; count: number; replay: number}
  | {kind: 'tear'; who: number}
  | {kind: 'restartWriter'; who: number}
  | {kind: 'pull'; who: number; limit: number}
  | {kind: 'restartReader'; who: number};

const op = fc.oneof(
  {arbitrary: fc.record({kind: fc.constant('push' as const), who: fc.nat(2), count: fc.integer({min: 1, max: 12}), replay: fc.nat(6)}), weight: 5},
  {arbitrary: fc.record({kind: fc.constant('tear' as const), who: fc.nat(2)}), weight: 1},
  {arbitrary: fc.record({kind: fc.constant('restartWriter' as const), who: fc.nat(2)}), weight: 1},
  {arbitrary: fc.record({kind: fc.constant('pull' as const), who: fc.nat(1), limit: fc.integer({min: 1, max: 9})}), weight: 4},
  {arbitrary: fc.record({kind: fc.constant('restartReader' as const), who: fc.nat(1)}), weight: 1},
);

/** A crash mid-append as the writer leaves it: intent recorded, part of a line on disk. */
function tear(d: TestDevice, root: string): void {
  const dir = join(root, 'devices', d.id);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.ndjson')).sort();
  } catch {
    return;
  }
  const last = files.at(-1);
  if (!last) return;
  const path = join(dir, last);
  const size = readFileSync(path).length;
  d.ctx.state.set('writer.intent', {segment: Number(last.slice(0, 9)), from: size, to: size + 400});
  appendFileSync(path, '{"clientActionId":999999,"deviceId":"torn');
}

test('any interleaving of pushes, replays, torn writes, restarts and paged pulls delivers every event once, in device order', async (t) => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(op, {minLength: 5, maxLength: 40}), fc.integer({min: 1024, max: 4096}), async (ops, segmentBytes) => {
      const root = tempFolder('td-dir-prop-');
      let writers = [0, 1, 2].map(() => device(root, {segmentBytes}));
      let readers = [0, 1].map(() => device(root));
      const sent: SyncEvent[][] = [[], [], []];
      const seen: SyncEvent[][] = [[], []];
      for (const o of ops) {
        if (o.kind === 'push') {
          const w = writers[o.who]!;
          const fresh = w.events(o.count, 'p');
          const replay = sent[o.who]!.slice(-o.replay);
          const result = await w.backend.push([...replay, ...fresh]);
          if (result.acks.length !== replay.length + fresh.length) throw new Error(`push acked ${result.acks.length} of ${replay.length + fresh.length}: ${JSON.stringify(result.rejections)}`);
          sent[o.who]!.push(...fresh);
        } else if (o.kind === 'tear') {
          tear(writers[o.who]!, root);
          writers = writers.map((w, i) => (i === o.who ? w.restart() : w)); // the crashed process is gone
        } else if (o.kind === 'restartWriter') {
          writers = writers.map((w, i) => (i === o.who ? w.restart() : w));
        } else if (o.kind === 'pull') {
          const r = readers[o.who]!;
          const page = await r.backend.pull({cursor: r.cursor, limit: o.limit});
          if (page.events.length > o.limit) throw new Error(`page of ${page.events.length} for limit ${o.limit}`);
          seen[o.who]!.push(...page.events);
          r.cursor = page.cursor;
        } else {
          readers = readers.map((r, i) => (i === o.who ? r.restart() : r));
        }
      }
      const all = sent.flat().map(eventKey);
      for (const [i, r] of readers.entries()) {
        seen[i]!.push(...(await r.pullAll(7)));
        const got = seen[i]!.map(eventKey);
        if (got.length !== new Set(got).size) throw new Error(`reader ${i} got duplicates`);
        if (JSON.stringify([...got].sort()) !== JSON.stringify([...all].sort())) throw new Error(`reader ${i} got ${got.length} of ${all.length} events`);
        for (const w of writers) {
          const order = seen[i]!.filter((e) => e.deviceId === w.id).map((e) => e.clientActionId);
          if (order.some((n, k) => k > 0 && n < order[k - 1]!)) throw new Error(`reader ${i} got device ${w.id} out of order: ${order.join(',')}`);
        }
      }
      checked++;
    }),
    {seed: 424242, numRuns: RUNS, endOnFailure: true},
  );
  t.is(checked, RUNS);
});
