/**
 * The http backend against the td-sync stand-in on 127.0.0.1: push/pull/status, paging, td's
 * batching, dedup of a re-push after a crash, retries on 5xx/429/dropped connections, the 401/403
 * messages and both error envelopes. Scenario numbers refer to the protocol spec §14.
 */
import test from 'ava';
import {createServer} from 'node:net';
import {isSyncError, type SyncError} from 'td-sync-sdk';
import {createTestContext, MemoryTargetState} from 'td-sync-sdk/testkit';
import httpBackend, {HttpBackend, parseErrorBody, retryAfterMs, getProject, TdSyncClient} from 'td-sync-backend-http';
import {backendOn, events, pullAll, server} from './helpers.js';

const pushes = (s: {requests: Array<{path: string; method: string; status: number; events?: number}>}) => s.requests.filter((r) => r.path.endsWith('/sync/push'));

async function rejection(t: {fail(m: string): void}, p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (e) {
    if (isSyncError(e)) return e;
    throw e;
  }
  t.fail('expected a SyncError');
  throw new Error('unreachable');
}

test('push, pull and status round trip; the cursor is the server sequence', async (t) => {
  const s = await server(t);
  const {backend, test: tc} = await backendOn(s);
  const sent = events(7, 1, tc.context.deviceId, tc.context.sessionId);
  const res = await backend.push(sent);
  t.deepEqual(res.acks.map((a) => [a.clientActionId, a.remoteSeq]), sent.map((e, i) => [e.clientActionId, i + 1]));
  t.deepEqual(res.rejections, []);
  const page = await backend.pull({cursor: null, limit: 1000});
  t.is(page.cursor, '7');
  t.false(page.hasMore);
  t.deepEqual(page.events.map((e) => e.remoteSeq), [1, 2, 3, 4, 5, 6, 7]);
  t.true(page.events.every((e) => e.deviceId === tc.context.deviceId), 'own events come back (echoesOwnEvents)');
  t.deepEqual(page.events[2].payload, sent[2].payload);
  const empty = await backend.pull({cursor: '7', limit: 1000});
  t.deepEqual([empty.events.length, empty.cursor, empty.hasMore], [0, '7', false]);
  const st = await backend.status();
  t.like(st, {reachable: true, authenticated: true});
  t.like(st.details, {eventCount: 7, lastServerSeq: 7, projectId: s.projectId});
  t.is(httpBackend.remoteId(backend.config), `${s.url}/${s.projectId}`);
  await backend.close();
});

test('paged pull: limit and has_more walk every event exactly once; a new instance resumes from the cursor', async (t) => {
  const s = await server(t);
  const a = await backendOn(s);
  await a.backend.push(events(11));
  const first = await a.backend.pull({cursor: null, limit: 4});
  t.is(first.events.length, 4);
  t.true(first.hasMore);
  const b = await backendOn(s);
  const rest = await pullAll(b.backend, first.cursor, 4);
  t.deepEqual([...first.events, ...rest.events].map((e) => e.remoteSeq), Array.from({length: 11}, (_, i) => i + 1));
  t.is(rest.pages, 2);
  await a.backend.close();
  await b.backend.close();
});

test('§14.41 batching: 1200 events -> 500, 500, 200; exactly 500 -> one request; none -> no request', async (t) => {
  const s = await server(t);
  const {backend} = await backendOn(s);
  await backend.push([]);
  t.is(pushes(s).length, 0);
  await backend.push(events(1200));
  t.deepEqual(pushes(s).map((r) => r.events), [500, 500, 200]);
  await backend.push(events(500, 2001));
  t.deepEqual(pushes(s).map((r) => r.events), [500, 500, 200, 500]);
  t.is(s.store.events(s.projectId).length, 1700);
  await backend.close();
});

test('§14.42 retry: two 503s then success -> 3 attempts, every event acknowledged', async (t) => {
  const s = await server(t);
  s.faults.add({kind: 'status', status: 503, path: '/sync/push', times: 2});
  const {backend} = await backendOn(s, {config: {maxRetries: 4}});
  const res = await backend.push(events(5));
  t.is(res.acks.length, 5);
  t.deepEqual(pushes(s).map((r) => r.status), [503, 503, 200]);
  await backend.close();
});

test('§14.42 retry: a permanent 503 exhausts a small budget and fails as transient; nothing is acked', async (t) => {
  const s = await server(t);
  s.faults.add({kind: 'status', status: 503, path: '/sync/push', times: Infinity});
  const {backend} = await backendOn(s, {config: {maxRetries: 10, retryBudgetMs: 600}});
  const e = await rejection(t, backend.push(events(3)));
  t.is(e.kind, 'transient');
  t.is(e.code, 'http_server_error');
  t.regex(e.hint ?? '', /nothing is lost/);
  const attempts = pushes(s).length;
  // 250 + 500 ms of back-off fit in 600 ms, the next 1000 ms do not: at most 3 attempts, never the 11 allowed.
  t.true(attempts >= 1 && attempts <= 3, `attempts bounded by the budget (got ${attempts})`);
  t.is(s.store.events(s.projectId).length, 0);
  await backend.close();
});

test('§14.42 retry: a 401 (flat envelope) is tried exactly once and tells the user how to log in', async (t) => {
  const s = await server(t);
  s.faults.add({kind: 'status', status: 401, code: 'unauthorized', message: 'invalid or expired api key', envelope: 'flat', path: '/sync/push'});
  const {backend} = await backendOn(s);
  const e = await rejection(t, backend.push(events(2)));
  t.is(e.kind, 'auth');
  t.is(e.code, 'http_unauthorized');
  t.regex(e.message, /invalid or expired api key/);
  t.regex(e.hint ?? '', /td auth login/);
  t.regex(e.hint ?? '', /TD_AUTH_KEY/);
  t.is(pushes(s).length, 1);
  await backend.close();
});

test('a wrong key: 401 from the real pipeline, AuthError, the key appears in no message', async (t) => {
  const s = await server(t);
  const wrong = 'td_live_ThisKeyIsWrongThisKeyIsWrong00';
  const {backend, test: tc} = await backendOn(s, {key: wrong});
  const e = await rejection(t, backend.pull({cursor: null, limit: 10}));
  t.is(e.code, 'http_unauthorized');
  t.false(JSON.stringify({m: e.message, h: e.hint, d: e.details}).includes(wrong));
  t.true(tc.redacted.includes(wrong), 'the key was registered for redaction');
  const st = await backend.status();
  t.like(st, {reachable: true, authenticated: false});
  await backend.close();
});

test('429 with Retry-After is honoured, then succeeds; beyond the budget it is a RateLimitError with retryAt', async (t) => {
  const s = await server(t);
  s.faults.add({kind: 'status', status: 429, retryAfter: '1', path: '/sync/push'});
  const {backend} = await backendOn(s);
  const res = await backend.push(events(2));
  t.is(res.acks.length, 2);
  t.deepEqual(pushes(s).map((r) => r.status), [429, 200]);

  s.faults.add({kind: 'status', status: 429, retryAfter: '120', path: '/sync/pull'});
  const before = Date.now();
  const e = await rejection(t, backend.pull({cursor: null, limit: 10}));
  t.is(e.kind, 'rate_limit');
  t.is(e.code, 'http_rate_limited');
  const retryAt = (e as SyncError & {retryAt: Date}).retryAt.getTime();
  t.true(retryAt >= before + 119_000, 'retryAt comes from Retry-After');
  t.regex(e.hint ?? '', /nothing was lost/);
  await backend.close();
});

test('the real push limit (no Retry-After) ends in a RateLimitError about a minute away', async (t) => {
  const s = await server(t, {rateLimits: {auth: 10, push: 2, pull: 120, other: 300}});
  const {backend} = await backendOn(s, {config: {maxRetries: 2, retryBudgetMs: 1_000}});
  await backend.push(events(1, 1));
  await backend.push(events(1, 2));
  const e = await rejection(t, backend.push(events(1, 3)));
  t.is(e.kind, 'rate_limit');
  t.true((e as SyncError & {retryAt: Date}).retryAt.getTime() > Date.now() + 30_000);
  await backend.close();
});

test('a connection dropped after the server committed: the retry gets duplicates, acks carry the original seqs', async (t) => {
  const s = await server(t);
  s.faults.add({kind: 'drop', path: '/sync/push', afterCommit: true});
  const {backend} = await backendOn(s);
  const res = await backend.push(events(3));
  t.deepEqual(res.acks, []);
  t.deepEqual(res.rejections.map((r) => [r.reason, r.remoteSeq]), [['duplicate', 1], ['duplicate', 2], ['duplicate', 3]]);
  t.is(s.store.events(s.projectId).length, 3);
  await backend.close();
});

test('§14.40 a 500 after commit, then the retry: stored once, acknowledged with the first seqs', async (t) => {
  const s = await server(t);
  s.faults.add({kind: 'status', status: 500, message: 'failed to apply events to project state', path: '/sync/push', afterCommit: true});
  const {backend} = await backendOn(s);
  const res = await backend.push(events(4));
  t.deepEqual(res.rejections.map((r) => r.remoteSeq), [1, 2, 3, 4]);
  t.is(s.store.events(s.projectId).length, 4);
  await backend.close();
});

test('a crash after the server stored a push: the re-push from a new process and session dedupes (§12.4)', async (t) => {
  const s = await server(t);
  const state = new MemoryTargetState();
  // Process 1: the server commits, then the connection dies and every retry fails too: push throws.
  s.faults.add({kind: 'drop', path: '/sync/push', afterCommit: true});
  s.faults.add({kind: 'drop', path: '/sync/push', times: 10});
  const p1 = await backendOn(s, {context: {state, sessionId: 'ses_one', deviceId: 'd'.repeat(32)}, config: {maxRetries: 2, retryBudgetMs: 1_000}});
  const sent = events(5, 1, 'd'.repeat(32), 'ses_one');
  await t.throwsAsync(p1.backend.push(sent));
  state.rollback(); // the crash: staged writes never reached the database
  s.faults.clear();
  await p1.backend.close();
  // Process 2: another td session; the engine re-sends the unacknowledged rows.
  const p2 = await backendOn(s, {context: {state, sessionId: 'ses_two', deviceId: 'd'.repeat(32)}});
  const res = await p2.backend.push([...sent, ...events(2, 6, 'd'.repeat(32), 'ses_two')]);
  t.deepEqual(res.rejections.map((r) => [r.reason, r.remoteSeq]), [1, 2, 3, 4, 5].map((n) => ['duplicate', n]));
  t.deepEqual(res.acks.map((a) => a.remoteSeq), [6, 7]);
  t.is(s.store.events(s.projectId).length, 7, 'nothing stored twice');
  state.commit();
  // Once the acks are committed nothing is in flight: the next push uses the current session.
  const p3 = await backendOn(s, {context: {state, sessionId: 'ses_three', deviceId: 'd'.repeat(32)}});
  await p3.backend.push(events(1, 8, 'd'.repeat(32), 'ses_three'));
  t.is(s.store.events(s.projectId).at(-1)!.session_id, 'ses_three');
  await p2.backend.close();
  await p3.backend.close();
});

test('403s say what to do: a reader pushing, a non-member, a key without the sync scope', async (t) => {
  const s = await server(t);
  const reader = s.addUser('reader@example.com', {role: 'reader'});
  const r = await backendOn(s, {key: reader.key});
  const e1 = await rejection(t, r.backend.push(events(1)));
  t.is(e1.kind, 'auth');
  t.is(e1.code, 'http_forbidden');
  t.regex(e1.message, /have reader, need writer/);
  t.regex(e1.hint ?? '', /owner/);
  t.is((await r.backend.pull({cursor: null, limit: 5})).events.length, 0, 'a reader may pull');
  const stranger = s.addUser('stranger@example.com');
  const st = await backendOn(s, {key: stranger.key});
  const e2 = await rejection(t, st.backend.pull({cursor: null, limit: 5}));
  t.regex(e2.hint ?? '', /not a member.*td sync link/);
  const scoped = s.addUser('scoped@example.com', {scopes: ['admin:read:server'], role: 'writer'});
  const sc = await backendOn(s, {key: scoped.key});
  const e3 = await rejection(t, sc.backend.push(events(1)));
  t.regex(e3.hint ?? '', /sync" scope/);
  for (const b of [r, st, sc]) await b.backend.close();
});

test('no key at all: AuthError before any request, naming td auth login and TD_AUTH_KEY', async (t) => {
  const s = await server(t);
  const tc = createTestContext({env: {}});
  const backend = (await httpBackend.create(httpBackend.validateConfig({url: s.url, projectId: s.projectId}), tc.context)) as HttpBackend;
  const e = await rejection(t, backend.push(events(1)));
  t.is(e.code, 'http_not_logged_in');
  t.regex(e.hint ?? '', /td auth login.*TD_AUTH_KEY/);
  t.is(pushes(s).length, 0);
  const st = await backend.status();
  t.like(st, {reachable: true, authenticated: false});
  await backend.close();
});

test('server down: TransientError naming the URL, status() says unreachable', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as {port: number}).port;
      srv.close(() => resolve(p));
    });
  });
  const tc = createTestContext({env: {TD_AUTH_KEY: 'td_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'}});
  const backend = (await httpBackend.create(httpBackend.validateConfig({url: `http://127.0.0.1:${port}`, projectId: 'p_1', maxRetries: 1, retryBudgetMs: 300}), tc.context)) as HttpBackend;
  const e = await rejection(t, backend.push(events(1)));
  t.is(e.kind, 'transient');
  t.is(e.code, 'http_unreachable');
  t.true(e.message.includes(`127.0.0.1:${port}`));
  t.regex(e.message, /ECONNREFUSED/);
  t.like(await backend.status(), {reachable: false, authenticated: false});
  await backend.close();
});

test('a 400 naming one bad event rejects that event alone; the rest of the batch is stored', async (t) => {
  const s = await server(t);
  const {backend} = await backendOn(s);
  const batch = events(4);
  batch[2] = {...batch[2], clientTimestamp: 'not a time'};
  const res = await backend.push(batch);
  t.deepEqual(res.acks.map((a) => a.clientActionId), [1, 2, 4]);
  t.is(res.rejections.length, 1);
  t.like(res.rejections[0], {clientActionId: 3, reason: 'invalid', retryable: false});
  t.regex(res.rejections[0].message ?? '', /invalid timestamp for action 3/);
  const empty = events(2, 10);
  empty[0] = {...empty[0], entityId: ''};
  const res2 = await backend.push(empty);
  t.like(res2.rejections[0], {clientActionId: 10, reason: 'invalid', message: 'empty entity_id', retryable: false});
  await backend.close();
});

test('a deleted project: linking/reading it is a ConfigError saying to link another', async (t) => {
  const s = await server(t);
  const client = new TdSyncClient({url: s.url, apiKey: async () => s.adminKey});
  await client.request('DELETE', `/v1/projects/${s.projectId}`, {idempotent: false, what: 'delete'});
  const e = await rejection(t, getProject(client, s.projectId));
  t.is(e.kind, 'config');
  t.is(e.code, 'http_project_not_found');
  t.regex(e.hint ?? '', /td sync link/);
  await client.close();
});

test('auth.json: its key and device id are used (TD_AUTH_KEY wins for the key); own events map back to the host device', async (t) => {
  const s = await server(t);
  const tdDevice = 'ab'.repeat(16);
  const tc = createTestContext({env: {}, deviceId: 'cd'.repeat(16)});
  await tc.context.credentials.writeFile('auth.json', {api_key: s.adminKey, user_id: s.adminUserId, email: 'admin@example.com', server_url: s.url, device_id: tdDevice, expires_at: ''});
  const backend = (await httpBackend.create(httpBackend.validateConfig({url: s.url, projectId: s.projectId}), tc.context)) as HttpBackend;
  await backend.push(events(2, 1, tc.context.deviceId, tc.context.sessionId));
  t.deepEqual(s.store.events(s.projectId).map((e) => e.device_id), [tdDevice, tdDevice], "td's device id on the wire");
  const page = await backend.pull({cursor: null, limit: 10});
  t.deepEqual(page.events.map((e) => e.deviceId), [tc.context.deviceId, tc.context.deviceId]);
  t.like(await backend.status(), {identity: 'admin@example.com', authenticated: true});
  await backend.close();

  const envWins = createTestContext({env: {TD_AUTH_KEY: 'td_live_bad0000000000000000000000000000'}});
  await envWins.context.credentials.writeFile('auth.json', {api_key: s.adminKey, device_id: tdDevice});
  const b2 = (await httpBackend.create(httpBackend.validateConfig({url: s.url, projectId: s.projectId}), envWins.context)) as HttpBackend;
  t.is((await rejection(t, b2.pull({cursor: null, limit: 1}))).code, 'http_unauthorized');
  await b2.close();
});

test('pull skips event types td never applies (sessions, git_snapshots) but the cursor moves past them', async (t) => {
  const s = await server(t);
  const client = new TdSyncClient({url: s.url, apiKey: async () => s.adminKey});
  await client.request('POST', `/v1/projects/${s.projectId}/sync/push`, {
    idempotent: true,
    what: 'push',
    body: {device_id: 'other', session_id: 's', events: ['sessions', 'issues', 'git_snapshots'].map((et, i) => ({client_action_id: i + 1, action_type: 'create', entity_type: et, entity_id: `x${i}`, payload: {new_data: {id: `x${i}`}, previous_data: {}, schema_version: 1}, client_timestamp: '2026-01-01T00:00:00Z'}))},
  });
  await client.close();
  const {backend, test: tc} = await backendOn(s);
  const page = await backend.pull({cursor: null, limit: 10});
  t.deepEqual(page.events.map((e) => e.entityType), ['issues']);
  t.is(page.cursor, '3');
  t.true(tc.logs.some((l) => l.level === 'warn' && /seq 1/.test(l.message)));
  await backend.close();
});

test('config: URL precedence, trailing slashes stripped, project required, cursor validated', (t) => {
  const saved = {url: process.env.TD_SYNC_URL, cfg: process.env.TD_CONFIG_DIR};
  process.env.TD_CONFIG_DIR = '/nonexistent-td-config';
  try {
    delete process.env.TD_SYNC_URL;
    t.is(httpBackend.validateConfig({projectId: 'p_1'}).url, 'http://localhost:8080');
    process.env.TD_SYNC_URL = 'https://env.example.com/';
    t.is(httpBackend.validateConfig({projectId: 'p_1'}).url, 'https://env.example.com');
    t.is(httpBackend.validateConfig({url: 'https://cfg.example.com//', project: 'p_2'}).url, 'https://cfg.example.com');
    t.is(httpBackend.validateConfig({url: 'https://cfg.example.com', project: 'p_2'}).projectId, 'p_2');
    const missing = t.throws(() => httpBackend.validateConfig({url: 'https://x.example.com'})) as SyncError;
    t.is(missing.code, 'http_project_missing');
    t.regex(missing.hint ?? '', /td sync link/);
    t.is((t.throws(() => httpBackend.validateConfig({url: 'ftp://x', projectId: 'p'})) as SyncError).kind, 'config');
  } finally {
    if (saved.url === undefined) delete process.env.TD_SYNC_URL;
    else process.env.TD_SYNC_URL = saved.url;
    if (saved.cfg === undefined) delete process.env.TD_CONFIG_DIR;
    else process.env.TD_CONFIG_DIR = saved.cfg;
  }
});

test('error envelopes: nested, flat, plain text and HTML are all understood', (t) => {
  t.deepEqual(parseErrorBody('{"error":{"code":"forbidden","message":"not a member of project p"}}\n', 403), {code: 'forbidden', message: 'not a member of project p', shape: 'nested'});
  t.deepEqual(parseErrorBody('{"code":"unauthorized","message":"bad key"}', 401), {code: 'unauthorized', message: 'bad key', shape: 'flat'});
  t.deepEqual(parseErrorBody('404 page not found\n', 404), {code: 'http_404', message: '404 page not found', shape: 'text'});
  t.is(parseErrorBody('<html><body><h1>502 Bad Gateway</h1></body></html>', 502).message, '502 Bad Gateway');
  t.is(retryAfterMs('3'), 3000);
  t.is(retryAfterMs(new Date(Date.now() + 10_000).toUTCString())! > 8_000, true);
  t.is(retryAfterMs('soon'), undefined);
});

test('a bad stored cursor is a permanent error, not a silent restart from zero', async (t) => {
  const s = await server(t);
  const {backend} = await backendOn(s);
  const e = await rejection(t, backend.pull({cursor: 'abc', limit: 5}));
  t.is(e.code, 'http_bad_cursor');
  await backend.close();
});

test('a response slower than the timeout: the retry finds the committed events and gets duplicates, nothing doubles', async (t) => {
  const s = await server(t);
  s.faults.add({kind: 'delay', ms: 1500, path: '/sync/push', afterCommit: true});
  const {backend} = await backendOn(s, {config: {timeoutMs: 300}});
  const res = await backend.push(events(4));
  t.deepEqual([...res.acks.map((a) => a.remoteSeq), ...res.rejections.map((r) => r.remoteSeq)].sort(), [1, 2, 3, 4]);
  t.true(res.rejections.every((r) => r.reason === 'duplicate'));
  t.is(s.store.events(s.projectId).length, 4);
  t.true(pushes(s).length >= 1);
  await backend.close();
});

test('batches are cut by size under td-sync\'s 10 MiB body cap; an event bigger than a request is rejected alone', async (t) => {
  const s = await server(t);
  const {backend} = await backendOn(s);
  const big = 'x'.repeat(40 * 1024);
  const sent = events(300).map((e) => ({...e, payload: {...e.payload, newData: {...e.payload.newData, description: big}}}));
  const res = await backend.push(sent);
  t.is(res.acks.length, 300);
  t.true(pushes(s).length >= 2, `12 MB of events need more than one request (got ${pushes(s).length})`);
  t.true(pushes(s).every((r) => r.status === 200));
  const huge = events(3, 1000);
  huge[1] = {...huge[1], payload: {...huge[1].payload, newData: {id: 'x', description: 'y'.repeat(11 * 1024 * 1024)}}};
  const res2 = await backend.push(huge);
  t.deepEqual(res2.acks.map((a) => a.clientActionId), [1000, 1002]);
  t.like(res2.rejections[0], {clientActionId: 1001, reason: 'invalid', retryable: false});
  t.regex(res2.rejections[0].message ?? '', /10 MiB/);
  await backend.close();
});

const PERF_EVENTS = Number(process.env.TD_HTTP_PERF_EVENTS ?? 10_000);

test(`throughput: ${PERF_EVENTS} events pushed and pulled through the backend on loopback`, async (t) => {
  const s = await server(t);
  const {backend} = await backendOn(s);
  const all = events(PERF_EVENTS);
  const t0 = performance.now();
  for (let i = 0; i < all.length; i += 500) await backend.push(all.slice(i, i + 500));
  const t1 = performance.now();
  const pulled = await pullAll(backend, null, 1000);
  const t2 = performance.now();
  t.is(pulled.events.length, PERF_EVENTS);
  t.is(s.store.events(s.projectId).length, PERF_EVENTS);
  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
  t.log(`push ${PERF_EVENTS} events: ${Math.round(t1 - t0)} ms (${rate(PERF_EVENTS, t1 - t0)} events/s); pull: ${Math.round(t2 - t1)} ms (${rate(PERF_EVENTS, t2 - t1)} events/s); push+pull ${rate(2 * PERF_EVENTS, t2 - t0)} events/s`);
  await backend.close();
});
