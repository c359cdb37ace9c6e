import test from 'ava';
import {startGitHubEmulator} from './index.js';

// The real client stack the GitHub backend uses: @octokit/core 7 + @octokit/graphql 9 +
// @octokit/plugin-throttling 11 (installed in the backend's workspace, imported here by path).
const octokitDir = new URL('../../packages/td-sync-backend-github/node_modules/@octokit/', import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const {Octokit} = (await import(new URL('core/dist-src/index.js', octokitDir).href)) as {Octokit: any};
const {throttling} = (await import(new URL('plugin-throttling/dist-bundle/index.js', octokitDir).href)) as {throttling: any};
const {graphql: standaloneGraphql} = (await import('@octokit/graphql')) as {graphql: any};
const Client = Octokit.plugin(throttling);

let ids = 0;
function client(baseUrl: string, auth: string, handlers: {onRateLimit?: (...a: any[]) => boolean; onSecondaryRateLimit?: (...a: any[]) => boolean} = {}) {
  return new Client({
    baseUrl,
    auth,
    throttle: {
      id: `emulator-test-${process.pid}-${++ids}`,
      retryAfterBaseValue: 1, // retry-after seconds become milliseconds, so retries are quick
      onRateLimit: handlers.onRateLimit ?? (() => false),
      onSecondaryRateLimit: handlers.onSecondaryRateLimit ?? (() => false),
    },
  });
}

test('a valid query and mutation succeed through core + graphql + throttling', async t => {
  const em = await startGitHubEmulator();
  const {id} = em.createRepo('acme/app');
  const gh = client(em.url, em.token);
  const created = await gh.graphql(`mutation($r: ID!) { createIssue(input: {repositoryId: $r, title: "from octokit", body: "x"}) { issue { number id } } }`, {r: id, request: {retries: 0}});
  t.is(created.createIssue.issue.number, 1);
  const read = await gh.graphql(`query($o: String!, $n: String!) { repository(owner: $o, name: $n) { issues(first: 10, orderBy: {field: UPDATED_AT, direction: ASC}) { nodes { title body } } } }`, {o: 'acme', n: 'app'});
  t.deepEqual(read.repository.issues.nodes, [{title: 'from octokit', body: 'x'}]);
  t.deepEqual(em.requestLog.map(l => l.status), [200, 200]);
  await em.close();
});

test('a schema error reaches the caller as a GraphqlResponseError carrying GitHub errors', async t => {
  const em = await startGitHubEmulator();
  const gh = standaloneGraphql.defaults({baseUrl: em.url, headers: {authorization: `token ${em.token}`}});
  const e: any = await t.throwsAsync(gh(`{ viewer { logn } }`));
  t.is(e.name, 'GraphqlResponseError');
  t.is(e.errors[0].extensions.code, 'undefinedField');
  t.is(e.message, "Request failed due to following response errors:\n - Field 'logn' doesn't exist on type 'User'");
  await em.close();
});

test('GitHub Enterprise style base URL reaches /api/graphql', async t => {
  const em = await startGitHubEmulator();
  const gh = standaloneGraphql.defaults({baseUrl: `${em.url}/api/v3`, headers: {authorization: `bearer ${em.token}`}});
  t.deepEqual(await gh(`{ viewer { login } }`), {viewer: {login: 'octocat'}});
  await em.close();
});

test('onRateLimit fires on the RATE_LIMITED signal and the retry succeeds', async t => {
  // The emulator's clock runs 3,595 s behind real time, so its window resets ~5 s from now.
  const em = await startGitHubEmulator({startAt: new Date(Date.now() - 3_595_000)});
  em.faults.inject({kind: 'rate-limited'});
  const calls: Array<[number, number]> = [];
  const gh = client(em.url, em.token, {
    onRateLimit: (after: number, _o: unknown, _k: unknown, retryCount: number) => {
      calls.push([after, retryCount]);
      return retryCount < 1;
    },
  });
  const r = await gh.graphql(`query Who { viewer { login } }`);
  t.deepEqual(r, {viewer: {login: 'octocat'}});
  t.is(calls.length, 1);
  t.true(calls[0]![0] >= 1 && calls[0]![0] <= 7, `retry after the window reset (${calls[0]![0]} s)`);
  t.deepEqual(em.requestLog.map(l => [l.status, l.rateLimited]), [[200, 'primary'], [200, null]]);
  await em.close();
});

test('onRateLimit fires when the real primary budget runs out', async t => {
  const em = await startGitHubEmulator({limits: {primaryPoints: 1}});
  let fired = 0;
  const gh = client(em.url, em.token, {onRateLimit: () => (fired++, false)});
  await gh.graphql(`{ viewer { login } }`);
  const e: any = await t.throwsAsync(gh.graphql(`{ viewer { login } }`));
  t.is(e.message, 'GraphQL Rate Limit Exceeded');
  t.is(fired, 1);
  await em.close();
});

test('onSecondaryRateLimit fires on a 403 with retry-after and the retry succeeds', async t => {
  const em = await startGitHubEmulator();
  em.faults.inject({kind: 'secondary-403', retryAfter: 5});
  const calls: number[] = [];
  const gh = client(em.url, em.token, {onSecondaryRateLimit: (after: number, _o: unknown, _k: unknown, n: number) => (calls.push(after), n < 1)});
  t.deepEqual(await gh.graphql(`{ viewer { login } }`), {viewer: {login: 'octocat'}});
  t.deepEqual(calls, [5]);
  await em.close();
});

test('onSecondaryRateLimit fires when the real secondary points limit trips', async t => {
  const em = await startGitHubEmulator({limits: {secondaryPointsPerMinute: 1}});
  const calls: number[] = [];
  const gh = client(em.url, em.token, {onSecondaryRateLimit: (after: number) => (calls.push(after), false)});
  await gh.graphql(`{ viewer { login } }`);
  const e: any = await t.throwsAsync(gh.graphql(`{ viewer { login } }`));
  t.is(e.status, 403);
  t.is(calls.length, 1);
  t.true(calls[0]! >= 1 && calls[0]! <= 60);
  await em.close();
});
