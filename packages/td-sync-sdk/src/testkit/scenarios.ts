/**
 * The conformance scenarios (DESIGN §3). Each gets a fresh remote and fails with a message that
 * names the scenario and what went wrong.
 */
import {isSyncErrorKind} from '../errors.js';
import {eventKey} from '../events.js';
import type {SyncEvent} from '../types.js';
import {createTestContext} from './context.js';
import {describe, type Scenario} from './harness.js';
import type {ScenarioId} from './options.js';
import {largeText, tdLikeEvents, UNICODE_SAMPLES} from './sample.js';

export interface ScenarioDefinition {
  id: ScenarioId;
  title: string;
  run<R>(s: Scenario<R>): Promise<void>;
}

const pageLimit = (s: Scenario<unknown>) => s.options.switches?.pageLimit ?? 3;
const big = 1000;

export const SCENARIOS: readonly ScenarioDefinition[] = [
  {
    id: 'contract',
    title: 'instance shape, capabilities and status on an empty remote',
    async run(s) {
      const a = await s.device('A');
      const caps = a.backend.capabilities;
      s.check(caps.entityTypes === 'all' || caps.entityTypes.includes('issues'), 'capabilities.entityTypes must include "issues" (or be "all"); the kit pushes issues');
      const status = await s.step('status() on an empty remote', () => a.backend.status());
      s.check(status && typeof status.reachable === 'boolean' && typeof status.authenticated === 'boolean', `status() must return {reachable, authenticated, remote}, got ${JSON.stringify(status)}`);
      s.check(status.reachable, `status() says the fresh remote is not reachable (${JSON.stringify(status)})`);
      s.check(typeof status.remote === 'string' && status.remote !== '', 'status().remote must name the remote');
      if (caps.bidirectional !== false) {
        const empty = await a.pullPage(big, null, 'first pull of an empty remote');
        s.check(a.fromOthers(empty.events).length === 0, `an empty remote returned ${empty.events.length} events`);
        s.check(!empty.hasMore, 'an empty remote said hasMore=true');
      }
      const none = await s.step('push([])', () => a.backend.push([]));
      s.check(none.acks.length === 0 && none.rejections.length === 0, 'push([]) must return no acks and no rejections');
      await a.close();
    },
  },
  {
    id: 'round-trip',
    title: 'events pushed by one device arrive unchanged on another',
    async run(s) {
      const a = await s.device('A');
      const b = await s.device('B');
      const sent = a.events(9, 'rt');
      await a.push(sent);
      const got = b.fromOthers(await b.pullAll(big, 'B pulls'));
      s.expectExactlyOnce(sent, got, 'after A pushed 9 events and B pulled');
      const more = a.events(4, 'rt2');
      await a.push(more);
      const got2 = b.fromOthers(await b.pullAll(big, 'B pulls again'));
      s.expectExactlyOnce(more, got2, 'after A pushed 4 more and B pulled from its cursor');
      const back = b.events(3, 'rtb');
      await b.push(back);
      const gotA = a.fromOthers(await a.pullAll(big, 'A pulls'));
      s.expectExactlyOnce(back, gotA, 'after B pushed 3 events and A pulled');
      await a.close();
      await b.close();
    },
  },
  {
    id: 'idempotent-re-push',
    title: 'pushing the same events again acknowledges them without storing them twice',
    async run(s) {
      const a = await s.device('A');
      const b = await s.device('B');
      const sent = a.events(6, 'idem');
      const first = await a.push(sent, 'first push');
      const second = await a.push(sent, 'second push of the same events');
      const firstSeq = new Map(first.acks.map((x) => [x.clientActionId, x.remoteSeq]));
      for (const again of [...second.acks, ...second.rejections]) {
        const was = firstSeq.get(again.clientActionId);
        s.check(
          was === undefined || again.remoteSeq === undefined || String(again.remoteSeq) === String(was),
          () => `re-pushing event ${again.clientActionId} answered remoteSeq ${JSON.stringify(again.remoteSeq)}, but the first push stored it as ${JSON.stringify(was)}; a replay must point at the event already stored (a new sequence means it was stored again)`,
        );
      }
      await a.push([sent[2]!, sent[4]!], 'third push of two of them');
      const seqs = new Map(first.acks.map((x) => [x.clientActionId, x.remoteSeq]));
      const got = b.fromOthers(await b.pullAll(big, 'B pulls'));
      s.expectExactlyOnce(sent, got, 'after the same 6 events were pushed three times');
      s.check(seqs.size === sent.length, `first push acknowledged ${seqs.size} of ${sent.length} events`);
      await a.close();
      await b.close();
    },
  },
  {
    id: 'push-then-pull',
    title: 'a push followed by a pull changes nothing (no echo turned into new events)',
    async run(s) {
      const a = await s.device('A');
      const b = await s.device('B');
      const sent = a.events(5, 'ptp');
      await a.push(sent);
      const own = await a.pullAll(big, 'A pulls after its own push');
      if (a.backend.capabilities.echoesOwnEvents) s.expectExactlyOnce(sent, own, 'A pulling its own push (echoesOwnEvents=true)');
      else s.check(own.length === 0, () => `A pulled ${own.length} events right after its own push, but capabilities.echoesOwnEvents is false (first: ${describe(own[0]!)})`);
      const again = await a.pullPage(big, a.cursor, 'A pulls again from its final cursor');
      s.check(again.events.length === 0 && !again.hasMore, `a pull from the final cursor returned ${again.events.length} events (hasMore=${again.hasMore}); it must return nothing new`);
      await b.pullAll(big, 'B pulls');
      const bAgain = await b.pullPage(big, b.cursor, 'B pulls again from its final cursor');
      s.check(bAgain.events.length === 0 && !bAgain.hasMore, `B's pull from its final cursor returned ${bAgain.events.length} events (hasMore=${bAgain.hasMore})`);
      await a.close();
      await b.close();
    },
  },
  {
    id: 'pagination',
    title: 'small pages and a cursor resumed by a new instance deliver every event once',
    async run(s) {
      const limit = pageLimit(s);
      const count = s.options.switches?.events ?? 20;
      const a = await s.device('A');
      const c = await s.device('C');
      const b = await s.device('B');
      const sentA = a.events(count, 'pg');
      const sentC = c.events(Math.ceil(count / 2), 'pgc');
      await a.push(sentA);
      await c.push(sentC);
      const got = b.fromOthers(await b.pullAll(limit, `B pulls in pages of ${limit}, restarting every 2 pages`, 2));
      s.expectExactlyOnce([...sentA, ...sentC], got, `after paging with limit ${limit} and resuming from the stored cursor`);
      const later = a.events(limit + 2, 'pg2');
      await a.push(later);
      const got2 = b.fromOthers(await b.pullAll(limit, 'B pulls what came after its last cursor'));
      s.expectExactlyOnce(later, got2, 'after more events were pushed behind the final cursor');
      await a.close();
      await b.close();
      await c.close();
    },
  },
  {
    id: 'pull-after-crash',
    title: 'a page pulled but never applied (crash) is delivered again from the stored cursor',
    async run(s) {
      const limit = pageLimit(s);
      const a = await s.device('A');
      const b = await s.device('B');
      const sent = a.events(limit * 3 + 1, 'pac');
      await a.push(sent);
      const first = await b.pullPage(limit, b.cursor, 'B pulls a first page');
      s.check(first.events.length > 0, 'the first page of a remote holding events was empty');
      await b.crashAndRestart(); // the page was never applied, its cursor never stored
      const got = b.fromOthers(await b.pullAll(limit, 'B pulls again after the crash'));
      const lost = first.events.filter((e) => !got.some((g) => eventKey(g) === eventKey(e)));
      s.check(lost.length === 0, () => `${lost.length} events of the page pulled before the crash never came back (first: ${describe(lost[0]!)}); the backend moved its position past events the engine never applied. Keep read positions only in the returned cursor (or state.stage), never in state.set or on the remote`);
      s.expectExactlyOnce(sent, got, 'after a crash between pulling a page and applying it');
      await a.close();
      await b.close();
    },
  },
  {
    id: 'ordering',
    title: 'pulls keep the order the backend promises',
    async run(s) {
      const a = await s.device('A');
      const c = await s.device('C');
      const b = await s.device('B');
      const d = await s.device('D');
      const order = s.options.switches?.ordering ?? (a.backend.capabilities.ordering === 'total' ? 'total' : 'per-device');
      const a1 = a.events(5, 'ord');
      const c1 = c.events(5, 'ordc');
      const a2 = a.events(5, 'ord2');
      await a.push(a1);
      await c.push(c1);
      await a.push(a2);
      const gotB = b.fromOthers(await b.pullAll(pageLimit(s), 'B pulls in small pages'));
      s.expectExactlyOnce([...a1, ...c1, ...a2], gotB, 'ordering: B');
      if (order === 'none') {
        for (const x of [a, b, c, d]) await x.close();
        return;
      }
      for (const [device, sent] of [[a, [...a1, ...a2]], [c, c1]] as const) {
        const seen = gotB.filter((e) => e.deviceId === device.deviceId).map(eventKey);
        const pushed = sent.map(eventKey);
        const at = pushed.findIndex((k, i) => seen[i] !== k);
        s.check(at === -1, () => `device ${device.label}'s events arrived out of the order it pushed them: position ${at} is ${seen[at]} but ${pushed[at]} was pushed there (ordering "${order}")`);
      }
      if (order === 'total') {
        const gotD = d.fromOthers(await d.pullAll(pageLimit(s) + 4, 'D pulls in other page sizes')).map(eventKey);
        const seqB = gotB.map(eventKey);
        const at = seqB.findIndex((k, i) => gotD[i] !== k);
        s.check(at === -1, () => `two readers saw different orders (ordering "total"): at position ${at} B got ${seqB[at]}, D got ${gotD[at]}`);
      }
      for (const x of [a, b, c, d]) await x.close();
    },
  },
  {
    id: 'large-payload',
    title: 'a large payload survives the round trip byte for byte',
    async run(s) {
      const bytes = s.options.switches?.largePayloadBytes;
      const size = typeof bytes === 'number' ? bytes : 1024 * 1024;
      const a = await s.device('A');
      const b = await s.device('B');
      const text = largeText(size);
      const sent = a.events(2, 'big', {description: () => text});
      await a.push(sent);
      const got = b.fromOthers(await b.pullAll(big, 'B pulls'));
      s.expectExactlyOnce(sent, got, `after pushing payloads of ${Buffer.byteLength(text)} bytes`);
      await a.close();
      await b.close();
    },
  },
  {
    id: 'unicode',
    title: 'unicode text (emoji, combining marks, RTL, CJK, escapes, U+2028) is carried unchanged',
    async run(s) {
      const a = await s.device('A');
      const b = await s.device('B');
      const n = UNICODE_SAMPLES.length;
      const sent = a.events(n * 3, 'uni', {title: (i) => UNICODE_SAMPLES[i % n]!, description: (i) => UNICODE_SAMPLES[(i + 3) % n]!.repeat(3)});
      await a.push(sent);
      const got = b.fromOthers(await b.pullAll(big, 'B pulls'));
      s.expectExactlyOnce(sent, got, 'after pushing unicode titles and descriptions');
      await a.close();
      await b.close();
    },
  },
  {
    id: 'crash-before-record',
    title: 'a crash between the remote write and recording the acks leaves no duplicate',
    async run(s) {
      const a = await s.device('A');
      const b = await s.device('B');
      const sent = a.events(6, 'crash');
      await s.step('push before the crash', () => a.backend.push(sent)); // acks never recorded
      await a.crashAndRestart();
      const more = a.events(2, 'crash2');
      await a.push([...sent, ...more], 'push after restart (the engine re-sends the unacknowledged events)');
      await a.crashAndRestart();
      await a.push([...sent, ...more], 'push after a second restart');
      const got = b.fromOthers(await b.pullAll(big, 'B pulls'));
      s.expectExactlyOnce([...sent, ...more], got, 'after pushes replayed by restarted instances');
      await a.close();
      await b.close();
    },
  },
  {
    id: 'concurrent-push',
    title: 'several devices pushing at the same moment lose and duplicate nothing',
    async run(s) {
      const devices = await Promise.all(['A', 'C', 'D'].map((label) => s.device(label)));
      const b = await s.device('B');
      const batches = devices.map((d, i) => d.events(8 + i, `conc${i}`));
      // Each device pushes in two halves; all devices at once.
      await Promise.all(
        devices.map(async (d, i) => {
          const sent = batches[i]!;
          await d.push(sent.slice(0, 4), `concurrent push from ${d.label}`);
          await d.push(sent.slice(4), `second concurrent push from ${d.label}`);
        }),
      );
      const got = b.fromOthers(await b.pullAll(pageLimit(s) + 2, 'B pulls'));
      s.expectExactlyOnce(batches.flat(), got, 'after three devices pushed at the same time');
      for (const d of [...devices, b]) await d.close();
    },
  },
  {
    id: 'rate-limit',
    title: 'a rate limit in the middle of a batch is reported as such and loses nothing',
    async run(s) {
      const a = await s.device('A');
      const b = await s.device('B');
      const sent = a.events(8, 'rl');
      await s.options.rateLimit!(s.remote, 3);
      let acked = new Set<number>();
      try {
        const result = await a.backend.push(sent);
        acked = new Set(result.acks.map((x) => x.clientActionId));
        const retryable = result.rejections.filter((r) => r.retryable || r.reason === 'transient');
        s.check(
          acked.size + retryable.length + result.rejections.filter((r) => r.reason === 'duplicate').length >= sent.length,
          `a rate-limited push must acknowledge what it stored and mark the rest retryable; got ${result.acks.length} acks and rejections ${JSON.stringify(result.rejections.map((r) => r.reason))}`,
        );
      } catch (error) {
        if (!isSyncErrorKind(error, 'rate_limit')) {
          s.fail(`a rate limit surfaced as ${(error as Error)?.name ?? typeof error}: ${(error as Error)?.message}; throw the SDK's RateLimitError (with retryAt) or return retryable rejections`);
        }
        s.check((error as {retryAt?: unknown}).retryAt instanceof Date || typeof (error as {details?: {retryAt?: unknown}}).details?.retryAt === 'string', 'RateLimitError must say when to retry (retryAt)');
      }
      a.state.commit();
      // The engine retries on a later run; a limit may outlast one retry (a window, a count).
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await a.backend.push(sent);
          a.checkPushResult(sent, result, 'push after the rate limit passed');
          a.state.commit();
          break;
        } catch (error) {
          if (!isSyncErrorKind(error, 'rate_limit') || attempt >= 5) {
            if ((error as Error)?.name === 'ConformanceFailure') throw error;
            s.fail(`push after the rate limit passed (attempt ${attempt}) threw ${(error as Error)?.name}: ${(error as Error)?.message}`);
          }
          const retryAt = (error as {retryAt?: Date}).retryAt;
          const wait = retryAt instanceof Date ? Math.min(Math.max(retryAt.getTime() - Date.now(), 0), 2000) : 500;
          await new Promise((r) => setTimeout(r, wait));
        }
      }
      const got = b.fromOthers(await b.pullAll(big, 'B pulls'));
      s.expectExactlyOnce(sent, got, 'after a push interrupted by a rate limit was retried');
      await a.close();
      await b.close();
    },
  },
  {
    id: 'bad-credentials',
    title: 'wrong credentials give an authentication error that leaks no secret',
    async run(s) {
      const {context} = createTestContext({env: s.options.env});
      const backend = await s.step('creating a backend with bad credentials', async () => s.options.badCredentials!(s.remote, context));
      const secret = s.options.badSecret;
      const leaks = (text: string) => secret !== undefined && secret !== '' && text.includes(secret);
      let statusText = '';
      try {
        const status = await backend.status();
        statusText = JSON.stringify(status);
        s.check(status.authenticated === false, `status() with bad credentials says authenticated=${status.authenticated}`);
      } catch (error) {
        s.check(isSyncErrorKind(error, 'auth'), `status() with bad credentials threw ${(error as Error)?.name}: ${(error as Error)?.message}; use AuthError or return authenticated=false`);
        statusText = `${(error as Error).message} ${JSON.stringify((error as {details?: unknown}).details ?? {})}`;
      }
      s.check(!leaks(statusText), 'status() output contains the secret');
      const events: SyncEvent[] = (s.options.makeEvents ?? tdLikeEvents)({deviceId: context.deviceId, sessionId: context.sessionId, firstActionId: 1, count: 1, tag: 'auth'});
      try {
        await backend.push(events);
        s.fail('push() with bad credentials succeeded');
      } catch (error) {
        if ((error as Error)?.name === 'ConformanceFailure') throw error;
        s.check(isSyncErrorKind(error, 'auth'), `push() with bad credentials threw ${(error as Error)?.name}: ${(error as Error)?.message}; throw the SDK's AuthError so td can tell the user to log in again`);
        const text = `${(error as Error).message} ${(error as {hint?: string}).hint ?? ''} ${JSON.stringify((error as {details?: unknown}).details ?? {})}`;
        s.check(!leaks(text), 'the AuthError message, hint or details contain the secret');
      }
      await backend.close?.();
    },
  },
];
