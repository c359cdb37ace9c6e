/**
 * Property: whatever the server does (5xx, 429 with or without Retry-After, dropped connections,
 * 500s and drops after commit, slow answers) and however often the client process dies before
 * recording acks, a device that keeps syncing ends with every event stored exactly once, in its
 * push order, and pullable by another device. fast-check with a fixed seed; more runs with
 * TD_HTTP_RELIABILITY_RUNS.
 */
import test from 'ava';
import fc from 'fast-check';
import {isSyncError, type SyncEvent} from 'td-sync-sdk';
import {MemoryTargetState} from 'td-sync-sdk/testkit';
import type {Fault} from '../td-sync-server/faults.js';
import {backendOn, events, server} from './helpers.js';

const RUNS = Number(process.env.TD_HTTP_RELIABILITY_RUNS ?? 12);

const faultArb: fc.Arbitrary<Fault> = fc
  .tuple(
    fc.oneof(
      fc.record({kind: fc.constant('status' as const), status: fc.constantFrom(500, 502, 503, 504), afterCommit: fc.boolean()}),
      fc.record({kind: fc.constant('status' as const), status: fc.constant(429), retryAfter: fc.constantFrom(undefined, '0', '1')}),
      fc.record({kind: fc.constant('drop' as const), afterCommit: fc.boolean()}),
      fc.record({kind: fc.constant('delay' as const), ms: fc.constantFrom(50, 400), afterCommit: fc.boolean()}),
    ),
    fc.constantFrom('/sync/push', '/sync/pull'),
  )
  .map(([f, path]) => ({...f, path}) as Fault);

test(`exactly once under random faults and crashes (${RUNS} runs, fixed seed)`, async (t) => {
  const s = await server(t);
  let round = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({min: 1, max: 700}),
      fc.array(faultArb, {maxLength: 8}),
      fc.array(fc.boolean(), {minLength: 8, maxLength: 8}),
      async (count, faults, crashes) => {
        round++;
        // A fresh project per run on the same server.
        const pid = s.store.createProject(s.adminUserId, `run ${round}`).id;
        s.faults.clear();
        for (const f of faults) s.faults.add({...f, times: 1});
        const state = new MemoryTargetState();
        const device = 'ab'.repeat(16);
        const all = events(count, 1, device, 'ses_first');
        const acked = new Map<number, number | string>();
        for (let attempt = 0; acked.size < all.length; attempt++) {
          if (attempt > 40) throw new Error(`no progress: ${acked.size}/${all.length} acknowledged`);
          // Each attempt is a new process with a new td session, as after a crash.
          const {backend} = await backendOn(s, {projectId: pid, context: {state, deviceId: device, sessionId: `ses_${attempt}`}, config: {timeoutMs: 300, maxRetries: 2, retryBudgetMs: 3_000}});
          const pending: SyncEvent[] = all.filter((e) => !acked.has(e.clientActionId));
          try {
            const res = await backend.push(pending.slice(0, 500));
            if (crashes[attempt % crashes.length] && attempt < 6) {
              state.rollback(); // died before recording anything
            } else {
              for (const a of res.acks) acked.set(a.clientActionId, a.remoteSeq!);
              for (const r of res.rejections) if (r.reason === 'duplicate' && r.remoteSeq !== undefined) acked.set(r.clientActionId, r.remoteSeq);
              state.commit();
            }
          } catch (e) {
            if (!isSyncError(e) || !['transient', 'rate_limit'].includes(e.kind)) throw e;
            state.rollback();
          } finally {
            await backend.close();
          }
        }
        const stored = s.store.events(pid);
        const ids = stored.map((e) => e.client_action_id);
        if (new Set(ids).size !== ids.length) throw new Error(`stored twice: ${ids.length - new Set(ids).size} duplicates`);
        if (stored.length !== count) throw new Error(`stored ${stored.length} of ${count}`);
        // Push order is kept: client_action_ids ascend with server_seq.
        for (let i = 1; i < ids.length; i++) if (ids[i] < ids[i - 1]) throw new Error(`order broken at seq ${stored[i].server_seq}`);
        // Acks name the seq the server stored.
        const seqOf = new Map(stored.map((e) => [e.client_action_id, e.server_seq]));
        for (const [id, seq] of acked) if (seqOf.get(id) !== seq) throw new Error(`ack of ${id} says ${seq}, server has ${seqOf.get(id)}`);
        // Another device pulls through the remaining (pull) faults, resuming from its stored cursor.
        const reader = await backendOn(s, {projectId: pid, config: {timeoutMs: 300, maxRetries: 1, retryBudgetMs: 1_000}});
        const got: SyncEvent[] = [];
        let cursor: string | null = null;
        for (let attempt = 0; ; attempt++) {
          if (attempt > 40) throw new Error('pull made no progress');
          try {
            const page = await reader.backend.pull({cursor, limit: 250});
            got.push(...page.events);
            cursor = page.cursor;
            if (!page.hasMore) break;
          } catch (e) {
            if (!isSyncError(e) || !['transient', 'rate_limit'].includes(e.kind)) throw e;
          }
        }
        await reader.backend.close();
        s.faults.clear();
        if (got.length !== count) throw new Error(`pulled ${got.length} of ${count}`);
        if (got.some((e, i) => e.remoteSeq !== stored[i].server_seq)) throw new Error('pulled out of order');
      },
    ),
    {numRuns: RUNS, seed: 4242, endOnFailure: true},
  );
  t.pass();
});
