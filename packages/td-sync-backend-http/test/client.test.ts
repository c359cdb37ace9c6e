/**
 * Unit tests of the transport and the login loop against a scripted HTTP server on 127.0.0.1:
 * the retry schedule (with an injected clock and sleep), Retry-After, which requests are retried,
 * error shapes, keep-alive, base URLs with a path.
 */
import test from 'ava';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {backendProblems, instanceProblems, isSyncError, type SyncError} from 'td-sync-sdk';
import {createTestContext} from 'td-sync-sdk/testkit';
import definition from '../src/index.js';
import {TdSyncClient} from '../src/client.js';
import {authFileFor, deviceLogin, keyPreview, pkceChallenge} from '../src/auth.js';

type Script = (req: IncomingMessage, body: string, res: ServerResponse, n: number) => void;

async function scripted(t: {teardown(fn: () => void | Promise<void>): void}, script: Script) {
  const seen: Array<{method: string; url: string; body: string; auth?: string; socket: number}> = [];
  const sockets = new Map<unknown, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size + 1);
      seen.push({method: req.method!, url: req.url!, body, auth: req.headers.authorization, socket: sockets.get(req.socket)!});
      script(req, body, res, seen.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen};
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, {'content-type': 'application/json', ...headers});
  res.end(JSON.stringify(body));
};

function fakeClock() {
  let now = 1_000_000;
  const waits: number[] = [];
  return {waits, now: () => now, sleep: async (ms: number) => void (waits.push(ms), (now += ms))};
}

async function failure(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (e) {
    if (isSyncError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

test('the definition and a live instance pass the SDK validators', async (t) => {
  t.deepEqual(backendProblems(definition), []);
  t.is(definition.name, 'http');
  t.is(definition.displayName, 'td-sync server (HTTP)');
  const cfg = definition.validateConfig({url: 'http://127.0.0.1:9', projectId: 'p_1'});
  const instance = await definition.create(cfg, createTestContext().context);
  t.deepEqual(instanceProblems(instance), []);
  t.like(instance.capabilities, {ordering: 'total', echoesOwnEvents: true, maxPushBatch: 500, maxPullPage: 1000, bidirectional: true});
  await instance.close?.();
});

test('back-off doubles from 250 ms, stops at maxRetries, and ends in a TransientError naming the attempts', async (t) => {
  const s = await scripted(t, (_q, _b, res) => json(res, 502, {error: {code: 'internal_error', message: 'boom'}}));
  const clock = fakeClock();
  const c = new TdSyncClient({url: s.url, apiKey: async () => 'td_live_k', maxRetries: 4, retryBudgetMs: 60_000, ...clock});
  const e = await failure(c.request('GET', '/x', {idempotent: true, what: 'a test'}));
  t.deepEqual(clock.waits, [250, 500, 1000, 2000]);
  t.is(s.seen.length, 5);
  t.is(e.code, 'http_server_error');
  t.regex(e.message, /after 5 attempts.*HTTP 502 internal_error: boom/);
  await c.close();
});

test('the retry budget cuts the schedule short', async (t) => {
  const s = await scripted(t, (_q, _b, res) => json(res, 503, {}));
  const clock = fakeClock();
  const c = new TdSyncClient({url: s.url, apiKey: async () => 'k', maxRetries: 10, retryBudgetMs: 1000, ...clock});
  await failure(c.request('GET', '/x', {idempotent: true, what: 'x'}));
  t.deepEqual(clock.waits, [250, 500]);
  await c.close();
});

test('Retry-After (seconds or HTTP date) replaces the back-off; past the budget it becomes retryAt', async (t) => {
  const clock = fakeClock();
  const s = await scripted(t, (_q, _b, res, n) => {
    if (n === 1) return json(res, 429, {error: {code: 'rate_limited', message: 'rate limit exceeded'}}, {'retry-after': '3'});
    if (n === 2) return json(res, 503, {}, {'retry-after': new Date(clock.now() + 7000).toUTCString()});
    if (n === 3) return json(res, 200, {ok: true});
    return json(res, 429, {error: {code: 'rate_limited', message: 'x'}}, {'retry-after': '3600'});
  });
  const c = new TdSyncClient({url: s.url, apiKey: async () => 'k', maxRetries: 4, retryBudgetMs: 60_000, ...clock});
  const ok = await c.request<{ok: boolean}>('GET', '/x', {idempotent: true, what: 'x'});
  t.deepEqual(ok.body, {ok: true});
  t.is(ok.attempts, 3);
  t.is(clock.waits[0], 3000);
  t.true(clock.waits[1] >= 6000 && clock.waits[1] <= 7000);
  const e = await failure(c.request('GET', '/x', {idempotent: true, what: 'x'}));
  t.is(e.kind, 'rate_limit');
  t.is((e as SyncError & {retryAt: Date}).retryAt.getTime(), clock.now() + 3_600_000);
  await c.close();
});

test('non-idempotent requests are sent once; 4xx are never retried', async (t) => {
  const s = await scripted(t, (req, _b, res) => (req.url === '/create' ? json(res, 503, {}) : json(res, 400, {error: {code: 'bad_request', message: 'nope'}})));
  const clock = fakeClock();
  const c = new TdSyncClient({url: s.url, apiKey: async () => 'k', ...clock});
  await failure(c.request('POST', '/create', {idempotent: false, what: 'create', body: {}}));
  const e = await failure(c.request('GET', '/bad', {idempotent: true, what: 'bad'}));
  t.is(e.kind, 'permanent');
  t.is(e.code, 'http_bad_request');
  t.is(s.seen.length, 2);
  t.deepEqual(clock.waits, []);
  await c.close();
});

test('a plain-text 404 from something that is not td-sync says so; an HTML 502 page is readable', async (t) => {
  const s = await scripted(t, (req, _b, res) => {
    if (req.url === '/html') {
      res.writeHead(502, {'content-type': 'text/html'});
      return res.end('<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>');
    }
    res.writeHead(404, {'content-type': 'text/plain'});
    res.end('404 page not found\n');
  });
  const c = new TdSyncClient({url: s.url, apiKey: async () => 'k', maxRetries: 0});
  const e = await failure(c.request('GET', '/v1/projects/p/sync/pull', {idempotent: true, what: 'pull'}));
  t.is(e.code, 'http_not_td_sync');
  t.regex(e.hint ?? '', /sync\.http\.url/);
  const h = await failure(c.request('GET', '/html', {idempotent: true, what: 'html'}));
  t.regex(h.message, /502 Bad Gateway nginx/);
  await c.close();
});

test('requests share keep-alive connections, send the bearer key, and keep a base path', async (t) => {
  const s = await scripted(t, (_q, _b, res) => json(res, 200, {}));
  const c = new TdSyncClient({url: `${s.url}/td/`, apiKey: async () => 'td_live_secret'});
  for (let i = 0; i < 5; i++) await c.request('GET', '/v1/projects', {idempotent: true, what: 'list', query: {a: 'x y', b: undefined}});
  await c.request('POST', '/v1/auth/device/start', {idempotent: false, auth: false, what: 'login', body: {email: 'e'}});
  // undici's pool may open a second connection while the first finishes its response; never one per request.
  t.true(new Set(s.seen.map((r) => r.socket)).size <= 2, `connections reused (sockets: ${s.seen.map((r) => r.socket).join(',')})`);
  t.is(s.seen[0].url, '/td/v1/projects?a=x%20y');
  t.is(s.seen[0].auth, 'Bearer td_live_secret');
  t.is(s.seen[5].auth, undefined, 'no key on the login endpoints (like td)');
  t.is(s.seen[5].body, '{"email":"e"}');
  await c.close();
});

test('device login: start with an S256 challenge, poll pending until complete; the verifier matches', async (t) => {
  let challenge = '';
  const s = await scripted(t, (req, body, res, n) => {
    const b = JSON.parse(body);
    if (req.url === '/v1/auth/device/start') {
      challenge = b.code_challenge;
      t.is(b.code_challenge_method, 'S256');
      t.regex(b.device_name, /^td-cli/);
      return json(res, 200, {device_code: 'dc', expires_in: 900, interval: 0, email_sent: true});
    }
    t.is(pkceChallenge(b.code_verifier), challenge);
    if (n < 4) return json(res, 200, {status: 'pending'});
    json(res, 200, {status: 'complete', api_key: 'td_live_new', user_id: 'u_1', email: 'a@example.com', expires_at: '2027-01-01T00:00:00Z'});
  });
  const clock = fakeClock();
  let dots = 0;
  const c = new TdSyncClient({url: s.url, maxRetries: 0});
  const result = await deviceLogin({client: c, email: 'a@example.com', onPending: () => dots++, ...clock});
  t.deepEqual(clock.waits, [5000, 5000, 5000], 'an interval below 1 s means 5 s, slept before each poll');
  t.is(dots, 2);
  t.is(result.api_key, 'td_live_new');
  const file = authFileFor(result, s.url, {device_id: 'ab'.repeat(16)});
  t.is(file.device_id, 'ab'.repeat(16), 'an existing device id is kept');
  t.regex(authFileFor(result, s.url).device_id, /^[0-9a-f]{32}$/);
  t.is(keyPreview('td_live_abcdefghijklmnop'), 'td_live_abcd...');
  await c.close();
});

test('device login: a 410 poll aborts; no approval before expires_in is "login expired"', async (t) => {
  const s = await scripted(t, (req, _b, res) => {
    if (req.url === '/v1/auth/device/start') return json(res, 200, {device_code: 'dc', expires_in: 12, interval: 5});
    if (req.headers['x-mode'] === 'gone') return json(res, 410, {error: {code: 'expired', message: 'gone'}});
    json(res, 200, {status: 'pending'});
  });
  const clock = fakeClock();
  const c = new TdSyncClient({url: s.url, maxRetries: 0});
  const e = await failure(deviceLogin({client: c, email: 'a@example.com', ...clock}));
  t.is(e.code, 'http_login_expired');
  t.deepEqual(clock.waits, [5000, 5000, 5000]);
  await c.close();
});
