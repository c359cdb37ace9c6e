/**
 * The conformance scenarios of shared/spec/td-sync-http-protocol.md §14, run against the stand-in
 * over real HTTP on 127.0.0.1. Scenarios 41-42 (client behaviour) live in test/http/; 38 (SSE),
 * 39 (admin CORS) and 43 (snapshot bootstrap) need parts the stand-in does not reproduce.
 */
import test from 'ava';
import {pkceChallenge, pkcePair} from 'td-sync-backend-http';
import {call, pushBody, wireEvent} from './call.js';
import {startTdSyncServer, type TdSyncServer, type TdSyncServerOptions} from './server.js';

const HIGH = {auth: 10_000, push: 10_000, pull: 10_000, other: 10_000};

async function withServer(t: {teardown(fn: () => Promise<void>): void}, options: TdSyncServerOptions = {}): Promise<TdSyncServer> {
  const server = await startTdSyncServer({rateLimits: HIGH, ...options});
  t.teardown(() => server.close());
  return server;
}

const pushPath = (s: TdSyncServer, pid = s.projectId) => `/v1/projects/${pid}/sync/push`;
const pullPath = (s: TdSyncServer, q: string, pid = s.projectId) => `/v1/projects/${pid}/sync/pull?${q}`;
const range = (from: number, n: number) => Array.from({length: n}, (_, i) => from + i);

test('§14.1 GET /healthz answers 200 {"status":"ok"}', async (t) => {
  const s = await withServer(t);
  const r = await call(s.url, 'GET', '/healthz');
  t.is(r.status, 200);
  t.deepEqual(r.json(), {status: 'ok'});
  t.regex(String(r.headers['x-request-id']), /^[0-9a-f]{32}$/);
  s.setHealthy(false);
  const down = await call(s.url, 'GET', '/healthz');
  t.is(down.status, 503);
  t.is(down.text, '{"detail":"db unreachable","status":"error"}\n');
});

test('§14.2 push without Authorization is 401, even for a nonexistent project', async (t) => {
  const s = await withServer(t);
  const r = await call(s.url, 'POST', '/v1/projects/fake/sync/push', {body: pushBody([wireEvent(1)])});
  t.is(r.status, 401);
  t.deepEqual(r.json(), {error: {code: 'unauthorized', message: 'missing authorization header'}});
  const wrongPrefix = await call(s.url, 'POST', '/v1/projects/fake/sync/push', {headers: {authorization: `bearer ${s.adminKey}`}, body: {}});
  t.is(wrongPrefix.json().error.message, 'invalid authorization format');
  const unknown = await call(s.url, 'POST', '/v1/projects/fake/sync/push', {key: 'td_live_00000000000000000000000000000000', body: {}});
  t.is(unknown.json().error.message, 'invalid or expired api key');
});

test('§14.3 push of two events: accepted 2, acks in request order from seq 1', async (t) => {
  const s = await withServer(t);
  const r = await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(1, {entity_id: 'i_001'}), wireEvent(2, {entity_id: 'i_001', action_type: 'update'})])});
  t.is(r.status, 200);
  t.is(r.headers['content-type'], 'application/json');
  const body = r.json();
  t.is(body.accepted, 2);
  t.deepEqual(body.acks, [{client_action_id: 1, server_seq: 1}, {client_action_id: 2, server_seq: 2}]);
  t.false('rejected' in body, 'rejected is omitted when empty');
});

test('§14.4 identical re-push: accepted 0, acks null, duplicates carry the original seqs', async (t) => {
  const s = await withServer(t);
  const req = pushBody([wireEvent(1), wireEvent(2)]);
  const first = (await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: req})).json();
  const again = await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: req});
  t.is(again.status, 200);
  t.deepEqual(again.json(), {
    accepted: 0,
    acks: null,
    rejected: first.acks.map((a: {client_action_id: number; server_seq: number}) => ({client_action_id: a.client_action_id, reason: 'duplicate', server_seq: a.server_seq})),
  });
  t.is(s.store.events(s.projectId).length, 2);
});

test('§14.5 the same client_action_id twice in one request: the second is a duplicate of the first', async (t) => {
  const s = await withServer(t);
  const body = (await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(7), wireEvent(7, {entity_id: 'i_other'})])})).json();
  t.deepEqual(body.acks, [{client_action_id: 7, server_seq: 1}]);
  t.deepEqual(body.rejected, [{client_action_id: 7, reason: 'duplicate', server_seq: 1}]);
});

test('§14.6 pull after_server_seq=0 returns the pushed events', async (t) => {
  const s = await withServer(t);
  await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(1, {entity_id: 'i_001'}), wireEvent(2, {entity_id: 'i_001', action_type: 'update'})])});
  const r = await call(s.url, 'GET', pullPath(s, 'after_server_seq=0'), {key: s.adminKey});
  t.is(r.status, 200);
  const body = r.json();
  t.true(body.events.every((e: {entity_id: string}) => e.entity_id === 'i_001'));
  t.true(body.last_server_seq >= 1);
  t.false(body.has_more);
  t.deepEqual(Object.keys(body.events[0]), ['server_seq', 'device_id', 'session_id', 'client_action_id', 'action_type', 'entity_type', 'entity_id', 'payload', 'client_timestamp']);
});

test('§14.7 paging: 5 events with limit=2 -> 2 (more), 2 (more), 1 (done)', async (t) => {
  const s = await withServer(t);
  await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody(range(1, 5).map((i) => wireEvent(i)))});
  const pages: Array<{n: number; more: boolean}> = [];
  let after = 0;
  for (let i = 0; i < 3; i++) {
    const b = (await call(s.url, 'GET', pullPath(s, `after_server_seq=${after}&limit=2`), {key: s.adminKey})).json();
    pages.push({n: b.events.length, more: b.has_more});
    after = b.last_server_seq;
  }
  t.deepEqual(pages, [{n: 2, more: true}, {n: 2, more: true}, {n: 1, more: false}]);
});

test('§14.8 5000 events in 5 batches of 1000 page back as seqs 1..5000 in order', async (t) => {
  const s = await withServer(t);
  for (let b = 0; b < 5; b++) {
    const r = await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody(range(b * 1000 + 1, 1000).map((i) => wireEvent(i)))});
    t.is(r.json().accepted, 1000);
  }
  const seqs: number[] = [];
  const more: boolean[] = [];
  let after = 0;
  for (;;) {
    const b = (await call(s.url, 'GET', pullPath(s, `after_server_seq=${after}&limit=1000`), {key: s.adminKey})).json();
    if (b.events.length === 0) break;
    seqs.push(...b.events.map((e: {server_seq: number}) => e.server_seq));
    more.push(b.has_more);
    after = b.last_server_seq;
    if (!b.has_more) break;
  }
  t.is(seqs.length, 5000);
  t.deepEqual(seqs, range(1, 5000));
  t.deepEqual(more.slice(0, 4), [true, true, true, true]);
});

test('§14.9 a push of 1001 events is 400; the first 1000 are accepted', async (t) => {
  const s = await withServer(t);
  const events = range(1, 1001).map((i) => wireEvent(i));
  const big = await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody(events)});
  t.is(big.status, 400);
  t.deepEqual(big.json(), {error: {code: 'bad_request', message: 'batch size 1001 exceeds max 1000'}});
  t.is(s.store.events(s.projectId).length, 0);
  const ok = await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody(events.slice(0, 1000))});
  t.is(ok.status, 200);
});

test('§14.10 1500 events in 3 batches of 500: acks carry seqs 1..1500 in order, all pullable', async (t) => {
  const s = await withServer(t);
  const seqs: number[] = [];
  for (let b = 0; b < 3; b++) {
    const body = (await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody(range(b * 500 + 1, 500).map((i) => wireEvent(i)))})).json();
    seqs.push(...body.acks.map((a: {server_seq: number}) => a.server_seq));
  }
  t.deepEqual(seqs, range(1, 1500));
  const pulled = (await call(s.url, 'GET', pullPath(s, 'after_server_seq=0&limit=10000'), {key: s.adminKey})).json();
  t.is(pulled.events.length, 1500);
});

test('§14.11 a reader cannot push (403), a writer can', async (t) => {
  const s = await withServer(t);
  const reader = s.addUser('v@example.com', {role: 'reader'});
  const writer = s.addUser('w@example.com', {role: 'writer'});
  const r = await call(s.url, 'POST', pushPath(s), {key: reader.key, body: pushBody([wireEvent(1)])});
  t.is(r.status, 403);
  t.deepEqual(r.json(), {error: {code: 'forbidden', message: 'insufficient permissions: have reader, need writer'}});
  // A reader's malformed body is still 403: role checks come before validation (§1.5).
  t.is((await call(s.url, 'POST', pushPath(s), {key: reader.key, rawBody: '{nope'})).status, 403);
  const w = await call(s.url, 'POST', pushPath(s), {key: writer.key, body: pushBody([wireEvent(1)])});
  t.is(w.status, 200);
  t.is(w.json().accepted, 1);
});

test('§14.12 exclude_client filters one device, before the limit', async (t) => {
  const s = await withServer(t);
  const b = s.addUser('b@example.com', {role: 'writer'});
  await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody(range(1, 3).map((i) => wireEvent(i)), 'A')});
  await call(s.url, 'POST', pushPath(s), {key: b.key, body: pushBody(range(1, 2).map((i) => wireEvent(i)), 'B')});
  const onlyB = (await call(s.url, 'GET', pullPath(s, 'after_server_seq=0&exclude_client=A'), {key: s.adminKey})).json();
  t.deepEqual(onlyB.events.map((e: {device_id: string}) => e.device_id), ['B', 'B']);
  const all = (await call(s.url, 'GET', pullPath(s, 'after_server_seq=0'), {key: s.adminKey})).json();
  t.deepEqual(all.events.map((e: {device_id: string}) => e.device_id), ['A', 'A', 'A', 'B', 'B']);
  const limited = (await call(s.url, 'GET', pullPath(s, 'after_server_seq=0&exclude_client=B&limit=3'), {key: s.adminKey})).json();
  t.is(limited.events.length, 3);
  t.true(limited.has_more, 'has_more = a full page, even when nothing is left');
});

test('§14.13 pull after 42 on an empty project echoes the cursor', async (t) => {
  const s = await withServer(t);
  const r = await call(s.url, 'GET', pullPath(s, 'after_server_seq=42'), {key: s.adminKey});
  t.is(r.text, '{"events":[],"last_server_seq":42,"has_more":false}\n');
  t.is((await call(s.url, 'GET', pullPath(s, 'after_server_seq=x'), {key: s.adminKey})).json().error.message, 'invalid after_server_seq');
  t.is((await call(s.url, 'GET', pullPath(s, 'limit=0'), {key: s.adminKey})).json().error.message, 'invalid limit');
});

test('§14.14 work_sessions payloads lose worktree_id, worktree_root and repo_root', async (t) => {
  const s = await withServer(t);
  const secret = {worktree_id: 'w', worktree_root: '/r', repo_root: '/repo'};
  await call(s.url, 'POST', pushPath(s), {
    key: s.adminKey,
    body: pushBody([wireEvent(1, {entity_type: 'work_sessions', entity_id: 'ws_1', payload: {new_data: {id: 'ws_1', name: 'n', ...secret}, previous_data: {id: 'ws_1', ...secret}, schema_version: 1, ...secret}})]),
  });
  const e = (await call(s.url, 'GET', pullPath(s, 'after_server_seq=0'), {key: s.adminKey})).json().events[0];
  t.deepEqual(e.payload, {new_data: {id: 'ws_1', name: 'n'}, previous_data: {id: 'ws_1'}, schema_version: 1});
  t.false(s.store.events(s.projectId)[0].payload.includes('worktree'));
});

test('§14.15 entity types are canonicalised; an unknown type or a bad timestamp refuses the whole batch', async (t) => {
  const s = await withServer(t);
  await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(1, {entity_type: 'issue'}), wireEvent(2, {entity_type: 'Board_Position'})])});
  const pulled = (await call(s.url, 'GET', pullPath(s, 'after_server_seq=0'), {key: s.adminKey})).json();
  t.deepEqual(pulled.events.map((e: {entity_type: string}) => e.entity_type), ['issues', 'board_issue_positions']);
  const bad = await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(3), wireEvent(4, {entity_type: 'widgets'})])});
  t.is(bad.status, 400);
  t.is(bad.json().error.message, 'invalid entity_type: widgets');
  const badTime = await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(5), wireEvent(6, {client_timestamp: 'yesterday'})])});
  t.is(badTime.json().error.message, 'invalid timestamp for action 6');
  t.is(s.store.events(s.projectId).length, 2, 'nothing of the refused batches was stored');
});

test('§14.16 action types are normalised on the server', async (t) => {
  const s = await withServer(t);
  const actions = ['add_dependency', 'board_unposition', 'close', 'delete', 'DELETE', 'Restore', 'soft_delete', ''];
  await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody(actions.map((a, i) => wireEvent(i + 1, {action_type: a})))});
  const pulled = (await call(s.url, 'GET', pullPath(s, 'after_server_seq=0'), {key: s.adminKey})).json();
  t.deepEqual(pulled.events.map((e: {action_type: string}) => e.action_type), ['create', 'soft_delete', 'update', 'delete', 'soft_delete', 'restore', 'soft_delete', 'update']);
});

test('§14.17 an empty entity_id is rejected alone, without a server_seq', async (t) => {
  const s = await withServer(t);
  const body = (await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(5), wireEvent(6, {entity_id: ''})])})).json();
  t.deepEqual(body, {accepted: 1, acks: [{client_action_id: 5, server_seq: 1}], rejected: [{client_action_id: 6, reason: 'empty entity_id'}]});
});

test('§14.18 per-device cursors: push sets it, exclude_client pull sets it, a re-push does not lower it', async (t) => {
  const s = await withServer(t);
  const req = pushBody([wireEvent(1), wireEvent(2)], 'device-A');
  await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: req});
  t.is(s.store.cursor(s.projectId, 'device-A'), 2);
  await call(s.url, 'GET', pullPath(s, 'after_server_seq=0&exclude_client=device-B'), {key: s.adminKey});
  t.is(s.store.cursor(s.projectId, 'device-B'), 2);
  await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: req});
  t.is(s.store.cursor(s.projectId, 'device-A'), 2);
});

test('§14.19 snapshot: 404 no_events (the stand-in always answers it, as §13 allows; clients page instead)', async (t) => {
  const s = await withServer(t);
  const empty = await call(s.url, 'GET', `/v1/projects/${s.projectId}/sync/snapshot`, {key: s.adminKey});
  t.is(empty.status, 404);
  t.deepEqual(empty.json(), {error: {code: 'no_events', message: 'no events to snapshot'}});
  await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody(range(1, 3).map((i) => wireEvent(i)))});
  const after = await call(s.url, 'GET', `/v1/projects/${s.projectId}/sync/snapshot`, {key: s.adminKey});
  t.is(after.json().error.code, 'no_events');
  const outsider = s.addUser('x@example.com');
  t.is((await call(s.url, 'GET', `/v1/projects/${s.projectId}/sync/snapshot`, {key: outsider.key})).status, 403);
});

test('§14.20 status counts events and reports the head', async (t) => {
  const s = await withServer(t);
  const empty = (await call(s.url, 'GET', `/v1/projects/${s.projectId}/sync/status`, {key: s.adminKey})).json();
  t.deepEqual(empty, {event_count: 0, last_server_seq: 0});
  await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody(['issues', 'logs', 'comments'].map((et, i) => wireEvent(i + 1, {entity_type: et})))});
  const st = (await call(s.url, 'GET', `/v1/projects/${s.projectId}/sync/status`, {key: s.adminKey})).json();
  t.is(st.event_count, 3);
  t.true(st.last_server_seq >= 3);
  t.regex(st.last_event_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('§14.21 push rate limit: 60 pushes a minute pass, the 61st is 429 rate_limited without Retry-After', async (t) => {
  const s = await withServer(t, {rateLimits: {...HIGH, push: 60}});
  for (let i = 1; i <= 60; i++) t.is((await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(i)])})).status, 200);
  const r = await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(61)])});
  t.is(r.status, 429);
  t.deepEqual(r.json(), {error: {code: 'rate_limited', message: 'rate limit exceeded'}});
  t.is(r.headers['retry-after'], undefined);
  // A request refused by auth does not spend budget, and other keys have their own.
  const other = s.addUser('o@example.com', {role: 'writer'});
  t.is((await call(s.url, 'POST', pushPath(s), {key: other.key, body: pushBody([wireEvent(1)], 'o')})).status, 200);
});

test('§14.22 auth limiter per IP: 10 pass, the 11th is 429; healthz, another IP and polls are separate', async (t) => {
  const s = await withServer(t, {rateLimits: {...HIGH, auth: 10}});
  const start = {email: 'nobody@example.com', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256'};
  for (let i = 0; i < 10; i++) t.is((await call(s.url, 'POST', '/v1/auth/device/start', {body: start})).status, 200);
  t.is((await call(s.url, 'POST', '/v1/auth/device/start', {body: start})).status, 429);
  t.is((await call(s.url, 'GET', '/auth/unknown-page')).status, 429, 'unknown paths under /auth count too');
  t.is((await call(s.url, 'GET', '/healthz')).status, 200);
  t.is((await call(s.url, 'POST', '/v1/auth/device/start', {body: start, localAddress: '127.0.0.2'})).status, 200);
  for (let i = 0; i < 30; i++) t.is((await call(s.url, 'POST', '/v1/auth/device/poll', {body: {device_code: 'x', code_verifier: 'y'}, localAddress: '127.0.0.3'})).status, 200);
  t.is((await call(s.url, 'POST', '/v1/auth/web/start', {body: {email: 'nobody@example.com', redirect_uri: 'http://x', state: 's'}, localAddress: '127.0.0.3'})).status, 200);
});

test('§14.23 create project: 201, slug from the name, collisions get -2', async (t) => {
  const s = await withServer(t);
  const r = await call(s.url, 'POST', '/v1/projects', {key: s.adminKey, body: {name: 'my-project', description: 'a test project'}});
  t.is(r.status, 201);
  const p = r.json();
  t.regex(p.id, /^p_[0-9a-f]{16}$/);
  t.is(p.name, 'my-project');
  t.is(p.description, 'a test project');
  t.is(p.slug, 'my-project');
  t.is((await call(s.url, 'POST', '/v1/projects', {key: s.adminKey, body: {name: 'Dup Slug'}})).json().slug, 'dup-slug');
  t.is((await call(s.url, 'POST', '/v1/projects', {key: s.adminKey, body: {name: 'Dup Slug'}})).json().slug, 'dup-slug-2');
  t.is((await call(s.url, 'POST', '/v1/projects', {key: s.adminKey, body: {name: ''}})).json().error.message, 'name is required');
});

test('§14.24 project lists are per member', async (t) => {
  const s = await withServer(t);
  const u = s.addUser('u@example.com');
  const other = s.addUser('other@example.com');
  await call(s.url, 'POST', '/v1/projects', {key: u.key, body: {name: 'mine'}});
  t.is((await call(s.url, 'GET', '/v1/projects', {key: u.key})).json().length, 1);
  t.is((await call(s.url, 'GET', '/v1/projects', {key: other.key})).text, '[]\n');
});

test('§14.25 members: add, writer cannot add, patch, delete, last owner is protected', async (t) => {
  const s = await withServer(t);
  const m = `/v1/projects/${s.projectId}/members`;
  const add = await call(s.url, 'POST', m, {key: s.adminKey, body: {email: 'w@example.com', role: 'writer'}});
  t.is(add.status, 201);
  t.is(add.json().role, 'writer');
  const writerId = add.json().user_id;
  const writerKey = s.store.createKey(writerId).key;
  t.is((await call(s.url, 'POST', m, {key: writerKey, body: {email: 'z@example.com', role: 'reader'}})).status, 403);
  t.is((await call(s.url, 'GET', m, {key: s.adminKey})).json().length, 2);
  t.is((await call(s.url, 'PATCH', `${m}/${writerId}`, {key: s.adminKey, body: {role: 'reader'}})).status, 200);
  const patched = await call(s.url, 'PATCH', `${m}/${writerId}`, {key: s.adminKey, body: {role: 'writer'}});
  t.deepEqual(patched.json(), {status: 'updated'});
  const del = await call(s.url, 'DELETE', `${m}/${writerId}`, {key: s.adminKey});
  t.is(del.status, 204);
  t.is(del.text, '');
  t.is((await call(s.url, 'GET', m, {key: s.adminKey})).json().length, 1);
  t.is((await call(s.url, 'PATCH', `${m}/${s.adminUserId}`, {key: s.adminKey, body: {role: 'reader'}})).json().error.code, 'last_owner');
  t.is((await call(s.url, 'DELETE', `${m}/${s.adminUserId}`, {key: s.adminKey})).status, 409);
  t.is((await call(s.url, 'POST', m, {key: s.adminKey, body: {email: 'q@example.com', role: 'boss'}})).status, 500, 'invalid role is a 500, as on td-sync');
});

test('§14.26 scope gate: admin:read:server only -> 403 insufficient_scope; admin without sync passes; view-as key cannot push', async (t) => {
  const s = await withServer(t);
  const plain = s.addUser('plain@example.com', {scopes: ['admin:read:server']});
  t.is((await call(s.url, 'GET', '/v1/projects', {key: plain.key})).json().error.code, 'insufficient_scope');
  t.is((await call(s.url, 'POST', '/v1/projects', {key: plain.key, body: {name: 'x'}})).status, 403);
  const adminNoSync = s.store.createKey(s.adminUserId, {scopes: ['admin:read:server']}).key;
  t.is((await call(s.url, 'GET', '/v1/projects', {key: adminNoSync})).status, 200);
  const viewAs = s.addUser('view@example.com', {impersonation: true, role: 'reader'});
  const r = await call(s.url, 'POST', pushPath(s), {key: viewAs.key, body: pushBody([wireEvent(1)])});
  t.is(r.status, 403);
  t.is(r.json().error.code, 'method_not_allowed_view_as');
});

/** Device login helpers over raw HTTP. */
async function deviceStart(s: TdSyncServer, email: string, challenge: string) {
  return call(s.url, 'POST', '/v1/auth/device/start', {body: {email, code_challenge: challenge, code_challenge_method: 'S256', device_name: 'td-cli@test'}});
}
const approvalToken = (s: TdSyncServer) => /\/auth\/device\/approve\?token=(\S+)/.exec(s.auth.emails[s.auth.emails.length - 1].text)![1];

test('§14.27 device login of a known user: start, pending, approve, complete with a working 365-day key', async (t) => {
  const s = await withServer(t);
  s.store.createUser('a@example.com');
  const {verifier, challenge} = pkcePair();
  const start = await deviceStart(s, 'a@example.com', challenge);
  t.is(start.status, 200);
  const sb = start.json();
  t.like(sb, {expires_in: 900, interval: 5, email_sent: true});
  t.regex(sb.device_code, /^[0-9a-f]{64}$/);
  t.is(s.auth.emails.length, 1);
  t.regex(s.auth.emails[0].text, /\/auth\/device\/approve\?token=[0-9a-f]{32}\.[0-9a-f]{64}/);
  t.deepEqual((await call(s.url, 'POST', '/v1/auth/device/poll', {body: {device_code: sb.device_code, code_verifier: verifier}})).json(), {status: 'pending'});
  const approve = await call(s.url, 'GET', `/auth/device/approve?token=${approvalToken(s)}`);
  t.is(approve.status, 200);
  t.regex(approve.text, /Device approved/);
  t.is(approve.headers['referrer-policy'], 'no-referrer');
  const done = (await call(s.url, 'POST', '/v1/auth/device/poll', {body: {device_code: sb.device_code, code_verifier: verifier}})).json();
  t.is(done.status, 'complete');
  t.regex(done.api_key, /^td_live_[0-9A-Za-z]{32}$/);
  t.regex(done.user_id, /^u_[0-9a-f]{16}$/);
  t.is(done.email, 'a@example.com');
  t.true(Math.abs(Date.parse(done.expires_at) - (Date.now() + 365 * 86400_000)) < 5 * 60_000);
  t.is((await call(s.url, 'GET', '/v1/projects', {key: done.api_key})).status, 200);
  // Dev inspection endpoint returns the same email.
  t.is((await call(s.url, 'GET', '/internal/dev/last-email')).json().purpose, 'device_login');
});

test('§14.28 device start for an unknown email: the same 200, no email, the code polls pending forever', async (t) => {
  const s = await withServer(t);
  const {verifier, challenge} = pkcePair();
  const r = await deviceStart(s, 'ghost@example.com', challenge);
  t.like(r.json(), {expires_in: 900, interval: 5, email_sent: true});
  t.is(s.auth.emails.length, 0);
  t.is(s.store.userByEmail('ghost@example.com'), undefined);
  t.deepEqual((await call(s.url, 'POST', '/v1/auth/device/poll', {body: {device_code: r.json().device_code, code_verifier: verifier}})).json(), {status: 'pending'});
});

test('§14.29 device start validation: no challenge, method plain, bad email -> 400', async (t) => {
  const s = await withServer(t);
  const noChallenge = await call(s.url, 'POST', '/v1/auth/device/start', {body: {email: 'a@example.com', code_challenge_method: 'S256'}});
  t.deepEqual(noChallenge.json(), {error: {code: 'bad_request', message: 'code_challenge is required'}});
  const plain = await call(s.url, 'POST', '/v1/auth/device/start', {body: {email: 'a@example.com', code_challenge: 'x', code_challenge_method: 'plain'}});
  t.is(plain.json().error.message, 'code_challenge_method must be S256');
  const bad = await call(s.url, 'POST', '/v1/auth/device/start', {body: {email: 'notanemail', code_challenge: 'x', code_challenge_method: 'S256'}});
  t.is(bad.json().error.message, 'valid email is required');
});

test('§14.30 approve with a wrong secret: 200 without success, poll stays pending', async (t) => {
  const s = await withServer(t);
  s.store.createUser('a@example.com');
  const {verifier, challenge} = pkcePair();
  const code = (await deviceStart(s, 'a@example.com', challenge)).json().device_code;
  const selector = approvalToken(s).split('.')[0];
  const r = await call(s.url, 'GET', `/auth/device/approve?token=${selector}.${'0'.repeat(64)}`);
  t.is(r.status, 200);
  t.notRegex(r.text, /Device approved/);
  t.is((await call(s.url, 'GET', '/auth/device/approve?token=nodot')).status, 400);
  t.is((await call(s.url, 'POST', '/v1/auth/device/poll', {body: {device_code: code, code_verifier: verifier}})).json().status, 'pending');
});

test('§14.31 approved, then a wrong verifier: 401 invalid_verifier (the right one still works)', async (t) => {
  const s = await withServer(t);
  s.store.createUser('a@example.com');
  const {verifier, challenge} = pkcePair();
  const code = (await deviceStart(s, 'a@example.com', challenge)).json().device_code;
  await call(s.url, 'GET', `/auth/device/approve?token=${approvalToken(s)}`);
  const wrong = await call(s.url, 'POST', '/v1/auth/device/poll', {body: {device_code: code, code_verifier: pkcePair().verifier}});
  t.is(wrong.status, 401);
  t.is(wrong.json().error.code, 'invalid_verifier');
  t.is((await call(s.url, 'POST', '/v1/auth/device/poll', {body: {device_code: code, code_verifier: verifier}})).json().status, 'complete');
});

test('§14.32 polling after complete is 410 and exactly one device-auth key exists', async (t) => {
  const s = await withServer(t);
  s.store.createUser('a@example.com');
  const {verifier, challenge} = pkcePair();
  const code = (await deviceStart(s, 'a@example.com', challenge)).json().device_code;
  await call(s.url, 'GET', `/auth/device/approve?token=${approvalToken(s)}`);
  t.is((await call(s.url, 'POST', '/v1/auth/device/poll', {body: {device_code: code, code_verifier: verifier}})).status, 200);
  const again = await call(s.url, 'POST', '/v1/auth/device/poll', {body: {device_code: code, code_verifier: verifier}});
  t.is(again.status, 410);
  t.is(again.json().error.code, 'expired');
  t.is(s.store.keysNamed('device-auth').length, 1);
});

test('§14.33 clicking the approval link twice: the second page says it was already used', async (t) => {
  const s = await withServer(t);
  s.store.createUser('a@example.com');
  await deviceStart(s, 'a@example.com', pkcePair().challenge);
  const token = approvalToken(s);
  t.regex((await call(s.url, 'GET', `/auth/device/approve?token=${token}`)).text, /Device approved/);
  t.regex((await call(s.url, 'GET', `/auth/device/approve?token=${token}`)).text, /already been used/);
});

test('§14.34 polling a bogus device code answers pending', async (t) => {
  const s = await withServer(t);
  const r = await call(s.url, 'POST', '/v1/auth/device/poll', {body: {device_code: 'bogus', code_verifier: 'v'}});
  t.is(r.text, '{"status":"pending"}\n');
  t.is((await call(s.url, 'POST', '/v1/auth/device/poll', {body: {device_code: 'bogus'}})).status, 400);
});

test('§14.35 legacy flow: 410/404 when disabled; when enabled start, verify, poll, expiry, signups off', async (t) => {
  const off = await withServer(t);
  t.is((await call(off.url, 'POST', '/v1/auth/login/start', {body: {email: 'a@example.com'}})).json().error.code, 'endpoint_disabled');
  t.is((await call(off.url, 'POST', '/v1/auth/login/poll', {body: {device_code: 'x'}})).status, 410);
  t.is((await call(off.url, 'GET', '/auth/verify')).status, 404);
  t.is((await call(off.url, 'POST', '/auth/verify', {rawBody: 'user_code=ABC'})).status, 404);

  const on = await withServer(t, {legacyDeviceAuth: true});
  const start = (await call(on.url, 'POST', '/v1/auth/login/start', {body: {email: 'new@example.com'}})).json();
  t.is(start.verification_uri, `${on.url}/auth/verify`);
  t.like(start, {expires_in: 900, interval: 5});
  t.regex(start.user_code, /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/);
  t.is((await call(on.url, 'POST', '/v1/auth/login/poll', {body: {device_code: 'unknown'}})).status, 404);
  t.is((await call(on.url, 'POST', '/v1/auth/login/poll', {body: {device_code: start.device_code}})).json().status, 'pending');
  await call(on.url, 'POST', '/auth/verify', {rawBody: `user_code=${start.user_code.slice(0, 3)}-${start.user_code.slice(3)}`, headers: {'content-type': 'application/x-www-form-urlencoded'}});
  const done = (await call(on.url, 'POST', '/v1/auth/login/poll', {body: {device_code: start.device_code}})).json();
  t.is(done.status, 'complete');
  t.is((await call(on.url, 'GET', '/v1/projects', {key: done.api_key})).status, 200);
  t.is((await call(on.url, 'POST', '/v1/auth/login/poll', {body: {device_code: start.device_code}})).json().error.code, 'already_used');
  const second = (await call(on.url, 'POST', '/v1/auth/login/start', {body: {email: 'new@example.com'}})).json();
  on.auth.expireLegacy(second.device_code);
  t.is((await call(on.url, 'POST', '/v1/auth/login/poll', {body: {device_code: second.device_code}})).status, 410);

  const closed = await withServer(t, {legacyDeviceAuth: true, allowSignup: false});
  t.is((await call(closed.url, 'POST', '/v1/auth/login/start', {body: {email: 'stranger@example.com'}})).json().error.code, 'signup_disabled');
});

test('§14.36 web flow: exchange, replay, wrong secret, wrong state, malformed token, one email a minute', async (t) => {
  const s = await withServer(t);
  s.store.createUser('web@example.com');
  const start = () => call(s.url, 'POST', '/v1/auth/web/start', {body: {email: 'web@example.com', redirect_uri: 'http://app/cb', state: 'st'}});
  t.deepEqual((await start()).json(), {status: 'email_sent_if_allowed', expires_in: 900, retry_after: 60});
  const token = /token=(\S+)/.exec(s.auth.emails[0].text)![1];
  const [selector] = token.split('.');
  t.is((await call(s.url, 'POST', '/v1/auth/web/exchange', {body: {token: `${selector}.${'f'.repeat(64)}`, state: 'st'}})).json().error.code, 'invalid_token');
  t.is((await call(s.url, 'POST', '/v1/auth/web/exchange', {body: {token, state: 'wrong'}})).json().error.code, 'invalid_state');
  t.is((await call(s.url, 'POST', '/v1/auth/web/exchange', {body: {token: 'nodot', state: 'st'}})).status, 400);
  const ok = (await call(s.url, 'POST', '/v1/auth/web/exchange', {body: {token, state: 'st'}})).json();
  t.is(ok.status, 'complete');
  t.is((await call(s.url, 'POST', '/v1/auth/web/exchange', {body: {token, state: 'st'}})).json().error.code, 'token_replayed');
  t.is((await start()).status, 200);
  t.is(s.auth.emails.length, 1, 'second start within a minute sends nothing');
  const s2 = await withServer(t);
  s2.store.createUser('web@example.com');
  await call(s2.url, 'POST', '/v1/auth/web/start', {body: {email: 'web@example.com', redirect_uri: 'http://app/cb', state: 'st'}});
  const t2 = /token=(\S+)/.exec(s2.auth.emails[0].text)![1];
  s2.auth.expireWeb(t2.split('.')[0]);
  t.is((await call(s2.url, 'POST', '/v1/auth/web/exchange', {body: {token: t2, state: 'st'}})).json().error.code, 'token_expired');
});

test('§14.37 PKCE: challenge = base64url-no-pad(SHA-256(verifier)); verifiers are 43 url-safe chars, unique', (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const {verifier, challenge} = pkcePair();
    t.regex(verifier, /^[A-Za-z0-9_-]{43,128}$/);
    t.is(challenge, pkceChallenge(verifier));
    t.notRegex(challenge, /[+/=]/);
    seen.add(verifier);
  }
  t.is(seen.size, 200);
  // RFC 7636 appendix B test vector.
  t.is(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});

test('§14.40 500 after commit: the events stay stored, a retry sees duplicates, the next push advances', async (t) => {
  const s = await withServer(t);
  s.faults.add({kind: 'status', status: 500, message: 'failed to apply events to project state', path: '/sync/push', afterCommit: true});
  const req = pushBody([wireEvent(1), wireEvent(2)]);
  const failed = await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: req});
  t.is(failed.status, 500);
  t.deepEqual(failed.json(), {error: {code: 'internal_error', message: 'failed to apply events to project state'}});
  t.is(s.store.events(s.projectId).length, 2);
  const retry = (await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: req})).json();
  t.deepEqual(retry.rejected.map((r: {reason: string; server_seq: number}) => [r.reason, r.server_seq]), [['duplicate', 1], ['duplicate', 2]]);
  const next = (await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(3)])})).json();
  t.deepEqual(next.acks, [{client_action_id: 3, server_seq: 3}]);
});

test('quirks §1.2-1.5: Go decoder, 404/405 plain text, non-members get 403 for any project', async (t) => {
  const s = await withServer(t);
  // Case-insensitive field names, null as zero value, only the first JSON value read.
  const r = await call(s.url, 'POST', pushPath(s), {key: s.adminKey, rawBody: '{"DEVICE_ID":"d","Session_Id":"s","events":[{"client_action_id":1,"action_type":null,"entity_type":"issues","entity_id":"i_1","payload":{},"client_timestamp":"2025-01-01T1:02:03,5+01:00"}]} trailing'});
  t.is(r.status, 200);
  const pulled = (await call(s.url, 'GET', pullPath(s, 'after_server_seq=0'), {key: s.adminKey})).json().events[0];
  t.is(pulled.client_timestamp, '2025-01-01T01:02:03.5+01:00');
  t.is(pulled.action_type, 'update');
  t.is((await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: {device_id: 'd', session_id: 's', events: [{...wireEvent(2), client_action_id: '2'}]}})).json().error.message, 'invalid json body');
  t.is((await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: {session_id: 's', events: [wireEvent(2)]}})).json().error.message, 'device_id is required');
  t.is((await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: {device_id: 'd', session_id: 's', events: []}})).json().error.message, 'events array is empty');
  const nf = await call(s.url, 'GET', '/v1/nothing');
  t.is(nf.status, 404);
  t.is(nf.text, '404 page not found\n');
  const na = await call(s.url, 'DELETE', pushPath(s), {key: s.adminKey});
  t.is(na.status, 405);
  t.is(na.headers.allow, 'POST');
  const outsider = s.addUser('out@example.com');
  for (const pid of [s.projectId, 'p_doesnotexist']) {
    const f = await call(s.url, 'GET', pullPath(s, 'after_server_seq=0', pid), {key: outsider.key});
    t.is(f.status, 403);
    t.is(f.json().error.message, `not a member of project ${pid}`);
  }
  // HTML-sensitive characters are escaped like Go's encoder does.
  await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(9, {payload: {new_data: {title: '<a&b>'}, previous_data: {}, schema_version: 1}})])});
  t.regex((await call(s.url, 'GET', pullPath(s, 'after_server_seq=1'), {key: s.adminKey})).text, /\\u003ca\\u0026b\\u003e/);
});

test('quirks §3/§13: membership outlives soft deletion; GET/PATCH of a deleted project are 404', async (t) => {
  const s = await withServer(t);
  t.is((await call(s.url, 'DELETE', `/v1/projects/${s.projectId}`, {key: s.adminKey})).status, 204);
  t.is((await call(s.url, 'DELETE', `/v1/projects/${s.projectId}`, {key: s.adminKey})).status, 500);
  t.is((await call(s.url, 'GET', `/v1/projects/${s.projectId}`, {key: s.adminKey})).json().error.code, 'not_found');
  t.is((await call(s.url, 'GET', '/v1/projects', {key: s.adminKey})).text, '[]\n');
  t.is((await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(1)])})).status, 200);
});

test('erratum 5: an event without payload is not stored and comes back as a seq-less duplicate', async (t) => {
  const s = await withServer(t);
  const e = wireEvent(1);
  delete e.payload;
  const body = (await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([e, wireEvent(2)])})).json();
  t.deepEqual(body.rejected, [{client_action_id: 1, reason: 'duplicate'}]);
  t.is(s.store.events(s.projectId).length, 1);
});

test('the stand-in keeps its admin, key and project across restarts of the same data dir', async (t) => {
  const {mkdtempSync} = await import('node:fs');
  const {tmpdir} = await import('node:os');
  const {join} = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'tdss-'));
  const a = await startTdSyncServer({dataDir: dir});
  await call(a.url, 'POST', pushPath(a), {key: a.adminKey, body: pushBody([wireEvent(1)])});
  const {adminKey, projectId} = a;
  await a.close();
  const b = await startTdSyncServer({dataDir: dir});
  t.teardown(() => b.close());
  t.is(b.adminKey, adminKey);
  t.is(b.projectId, projectId);
  const next = (await call(b.url, 'POST', pushPath(b), {key: adminKey, body: pushBody([wireEvent(2)])})).json();
  t.deepEqual(next.acks, [{client_action_id: 2, server_seq: 2}]);
});

test('§14.19 snapshot (snapshots: build): 404 no_events when empty; then a real td database at X-Snapshot-Seq, byte-identical on repeat', async (t) => {
  const {mkdtempSync, writeFileSync} = await import('node:fs');
  const {tmpdir} = await import('node:os');
  const {join} = await import('node:path');
  const Database = (await import('better-sqlite3')).default;
  const dir = mkdtempSync(join(tmpdir(), 'tdss-snap-'));
  const s = await withServer(t, {snapshots: 'build', dataDir: dir});
  const path = `/v1/projects/${s.projectId}/sync/snapshot`;
  t.is((await call(s.url, 'GET', path, {key: s.adminKey})).json().error.code, 'no_events');
  await call(s.url, 'POST', pushPath(s), {
    key: s.adminKey,
    body: pushBody([
      wireEvent(1, {entity_id: 'td-aaa', payload: {new_data: {id: 'td-aaa', title: 'snap issue', status: 'open', type: 'task', priority: 'P2'}, previous_data: {}, schema_version: 1}}),
      wireEvent(2, {entity_type: 'board_issue_positions', entity_id: 'bip_1', payload: {new_data: {id: 'bip_1', board_id: 'bd-all-issues', issue_id: 'td-aaa', position: 3}, previous_data: {}, schema_version: 1}}),
      wireEvent(4, {entity_id: 'td-bbb', payload: {new_data: {id: 'td-bbb', title: 'second snap issue', status: 'open', type: 'task', priority: 'P2'}, previous_data: {}, schema_version: 1}}),
      wireEvent(3, {entity_type: 'board_issue_positions', entity_id: 'bip_2', payload: {new_data: {id: 'bip_2', board_id: 'bd-all-issues', issue_id: 'td-bbb', position: 7}, previous_data: {}, schema_version: 1}}),
    ]),
  });
  const snap = await call(s.url, 'GET', path, {key: s.adminKey});
  t.is(snap.status, 200);
  t.is(snap.headers['content-type'], 'application/x-sqlite3');
  t.is(snap.headers['x-snapshot-seq'], '4');
  const raw = await new Promise<Buffer>((resolve, reject) => {
    import('node:http').then(({get}) =>
      get(`${s.url}${path}`, {headers: {authorization: `Bearer ${s.adminKey}`}}, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject),
    );
  });
  t.is(raw.subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
  t.is(Number(snap.headers['content-length']), raw.length);
  const file = join(dir, 'copy.db');
  writeFileSync(file, raw);
  const db = new Database(file, {readonly: true});
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{name: string}>).map((r) => r.name);
  for (const name of ['issues', 'boards', 'board_issue_positions', 'issue_session_history', 'sync_state', 'sync_conflicts', 'action_log']) t.true(tables.includes(name), name);
  t.deepEqual(db.prepare('SELECT board_id, issue_id, position FROM board_issue_positions ORDER BY position').all(), [
    {board_id: 'bd-all-issues', issue_id: 'td-aaa', position: 3},
    {board_id: 'bd-all-issues', issue_id: 'td-bbb', position: 7},
  ]);
  t.is((db.prepare("SELECT title FROM issues WHERE id = 'td-aaa'").get() as {title: string}).title, 'snap issue');
  db.close();
  const again = await call(s.url, 'GET', path, {key: s.adminKey});
  t.is(again.headers['x-snapshot-seq'], '4');
  t.is(again.headers['content-length'], snap.headers['content-length']);
});

/** An SSE subscription read frame by frame. */
async function subscribe(url: string, path: string, key?: string, headers: Record<string, string> = {}) {
  const {request} = await import('node:http');
  return new Promise<{status: number; headers: Record<string, unknown>; frames: string[]; wait(pred: (f: string) => boolean): Promise<string>; close(): void}>((resolve, reject) => {
    const req = request(new URL(path, url), {headers: {...(key ? {authorization: `Bearer ${key}`} : {}), ...headers}}, (res) => {
      const frames: string[] = [];
      const waiters: Array<{pred: (f: string) => boolean; done: (f: string) => void}> = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const f = buf.slice(0, i);
          buf = buf.slice(i + 2);
          frames.push(f);
          for (const w of [...waiters]) if (w.pred(f)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.done(f);
          }
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames,
        wait: (pred) => {
          const hit = frames.find(pred);
          return hit ? Promise.resolve(hit) : new Promise((done) => waiters.push({pred, done}));
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

test('§14.38 SSE: headers, ping, 401/403, Last-Event-ID refresh, td-watch issue creation reaches only that project', async (t) => {
  const s = await withServer(t, {ssePingMs: 50});
  const path = `/v1/projects/${s.projectId}/events`;
  const sub = await subscribe(s.url, path, s.adminKey);
  t.is(sub.status, 200);
  t.is(sub.headers['content-type'], 'text/event-stream');
  t.is(sub.headers['cache-control'], 'no-cache');
  t.is(sub.headers['x-accel-buffering'], 'no');
  t.is(await sub.wait((f) => f === ': ping'), ': ping');
  t.is((await call(s.url, 'GET', path)).status, 401);
  const outsider = s.addUser('sse-out@example.com');
  t.is((await call(s.url, 'GET', path, {key: outsider.key})).status, 403);
  const resumed = await subscribe(s.url, path, s.adminKey, {'last-event-id': '12345'});
  const refresh = await resumed.wait((f) => f.startsWith('event: refresh'));
  t.regex(refresh, /"change_token":"12345"/);
  t.regex(refresh, /\nid: 12345$/);
  const other = (await call(s.url, 'POST', '/v1/projects', {key: s.adminKey, body: {name: 'other'}})).json();
  const otherSub = await subscribe(s.url, `/v1/projects/${other.id}/events`, s.adminKey);
  // A sync push never broadcasts; a td-watch issue creation does.
  await call(s.url, 'POST', pushPath(s), {key: s.adminKey, body: pushBody([wireEvent(1)])});
  t.is((await call(s.url, 'POST', `/v1/projects/${s.projectId}/issues`, {key: s.adminKey, body: {title: 'from the web'}})).status, 201);
  const upsert = await sub.wait((f) => f.startsWith('event: issue.upserted'));
  t.notRegex(upsert, /issue_id/, 'creates carry no issue_id');
  await resumed.wait((f) => f.startsWith('event: issue.upserted'));
  t.false(sub.frames.slice(0, sub.frames.indexOf(upsert)).some((f) => f.startsWith('event: issue')), 'the push did not broadcast');
  await new Promise((r) => setTimeout(r, 120));
  t.false(otherSub.frames.some((f) => f.startsWith('event: issue')), 'another project hears nothing');
  t.is(s.store.events(s.projectId).at(-1)!.device_id, 'td_watch_server');
  for (const x of [sub, resumed, otherSub]) x.close();
});

test('§14.39 CORS on admin routes: none configured, allowed, disallowed, preflight, wildcard', async (t) => {
  const adminScoped = (s: TdSyncServer) => s.store.createKey(s.adminUserId, {scopes: ['admin:read:server']}).key;
  const none = await withServer(t);
  const r0 = await call(none.url, 'GET', '/v1/admin/server', {key: adminScoped(none), headers: {origin: 'https://ui.example.com'}});
  t.is(r0.status, 200);
  t.is(r0.headers['access-control-allow-origin'], undefined);
  const s = await withServer(t, {corsAllowedOrigins: ['https://ui.example.com']});
  const ok = await call(s.url, 'GET', '/v1/admin/server', {key: adminScoped(s), headers: {origin: 'https://ui.example.com'}});
  t.is(ok.headers['access-control-allow-origin'], 'https://ui.example.com');
  t.is(ok.headers['access-control-allow-headers'], 'Authorization, Content-Type');
  t.is(ok.headers['access-control-allow-methods'], 'GET, POST, PATCH, PUT, DELETE, OPTIONS');
  t.is(ok.headers['access-control-allow-credentials'], undefined);
  const bad = await call(s.url, 'GET', '/v1/admin/server', {key: adminScoped(s), headers: {origin: 'https://evil.example.com'}});
  t.is(bad.headers['access-control-allow-origin'], undefined);
  const pre = await call(s.url, 'OPTIONS', '/v1/admin/server', {headers: {origin: 'https://ui.example.com'}});
  t.is(pre.status, 204);
  const sync = await call(s.url, 'GET', pullPath(s, 'after_server_seq=0'), {key: s.adminKey, headers: {origin: 'https://ui.example.com'}});
  t.is(sync.headers['access-control-allow-origin'], undefined, 'sync routes never send CORS headers');
  t.is((await call(s.url, 'OPTIONS', pushPath(s), {headers: {origin: 'https://ui.example.com'}})).status, 405);
  const star = await withServer(t, {corsAllowedOrigins: ['*']});
  t.is((await call(star.url, 'GET', '/v1/admin/server', {key: adminScoped(star), headers: {origin: 'https://any.example.org'}})).headers['access-control-allow-origin'], 'https://any.example.org');
});

test('quirks §1.2-1.3: a body over 10 MiB is 400 invalid json body (not 413); GET routes answer HEAD; X-Request-ID on every answer', async (t) => {
  const s = await withServer(t);
  const huge = JSON.stringify(pushBody([wireEvent(1, {payload: {new_data: {d: 'x'.repeat(10 * 1024 * 1024)}, previous_data: {}, schema_version: 1}})]));
  const r = await call(s.url, 'POST', pushPath(s), {key: s.adminKey, rawBody: huge});
  t.is(r.status, 400);
  t.deepEqual(r.json(), {error: {code: 'bad_request', message: 'invalid json body'}});
  t.is(s.store.events(s.projectId).length, 0);
  const head = await call(s.url, 'HEAD', `/v1/projects/${s.projectId}/sync/status`, {key: s.adminKey});
  t.is(head.status, 200);
  t.is(head.text, '');
  for (const res of [r, head, await call(s.url, 'GET', '/nope'), await call(s.url, 'PUT', '/healthz')]) t.regex(String(res.headers['x-request-id']), /^[0-9a-f]{32}$/);
});
