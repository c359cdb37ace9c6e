import test from 'ava';
import {parse, type OperationDefinitionNode} from 'graphql';
import {analyzeOperation, githubSchema, startGitHubEmulator} from './index.js';
import {gql, RATE_HEADERS} from './helpers.js';

const START = new Date('2026-11-25T12:00:00Z');

function analyze(query: string, variables: Record<string, unknown> = {}) {
  const doc = parse(query);
  const op = doc.definitions[0] as OperationDefinitionNode;
  return analyzeOperation(githubSchema(), op, {}, variables, 500_000);
}

// GitHub's documented examples (spec §3.1, §4.3).
const DOCS_COST_EXAMPLE = `query {
  viewer {
    login
    repositories(first: 100) {
      edges { node { id
        issues(first: 50) { edges { node { id
          labels(first: 60) { edges { node { id name } } }
        } } }
      } }
    }
  }
}`;

test('cost and node count follow GitHub worked examples', t => {
  t.like(analyze(DOCS_COST_EXAMPLE), {fetches: 5101, cost: 51, nodeCount: 100 + 5000 + 300_000});
  const nodes550 = `query { viewer { repositories(first: 50) { edges { repository: node { name issues(first: 10) { totalCount edges { node { title bodyHTML } } } } } } } }`;
  t.like(analyze(nodes550), {nodeCount: 550, fetches: 51, cost: 1});
  const nodes11050 = `query { viewer { repositories(first: 50) { nodes { pullRequests(first: 20) { nodes { comments(first: 10) { nodes { body } } } } } } } }`;
  t.like(analyze(nodes11050), {nodeCount: 11_050, fetches: 1051, cost: 11});
  t.like(analyze(`query { viewer { login } }`), {fetches: 0, nodeCount: 0, cost: 1}, 'no connection: cost 1');
  t.like(analyze(`query($n: Int) { viewer { repositories(first: $n) { nodes { issues(last: 100) { totalCount } } } } }`, {n: 100}), {fetches: 101, cost: 1, nodeCount: 10_100});
  const frag = parse(`query { viewer { ...F } } fragment F on User { repositories(first: 100) { nodes { issues(first: 100) { nodes { id } } } } }`);
  const fragments = {F: frag.definitions[1] as never};
  t.like(analyzeOperation(githubSchema(), frag.definitions[0] as OperationDefinitionNode, fragments, {}, 500_000), {fetches: 101, nodeCount: 10_100});
});

test('rateLimit and the five headers agree, and the budget is charged by cost', async t => {
  const em = await startGitHubEmulator({startAt: START, freezeClock: true});
  const first = await gql(em, `{ rateLimit { cost limit nodeCount remaining used resetAt } viewer { login } }`);
  const resetEpoch = START.getTime() / 1000 + 3600;
  t.deepEqual(first.body.data.rateLimit, {cost: 1, limit: 5000, nodeCount: 0, remaining: 4999, used: 1, resetAt: '2026-11-25T13:00:00Z'});
  t.deepEqual(
    RATE_HEADERS.map(h => first.headers.get(h)),
    ['5000', '4999', '1', String(resetEpoch), 'graphql'],
  );
  const heavy = await gql(em, DOCS_COST_EXAMPLE.replace('query {', 'query { rateLimit { cost nodeCount remaining used }'));
  t.deepEqual(heavy.body.data.rateLimit, {cost: 51, nodeCount: 305_100, remaining: 4948, used: 52});
  t.is(heavy.headers.get('x-ratelimit-used'), '52');
  t.is(heavy.headers.get('x-ratelimit-remaining'), '4948');
  const dry = await gql(em, `{ rateLimit(dryRun: true) { cost remaining } }`);
  t.deepEqual(dry.body.data.rateLimit, {cost: 1, remaining: 4948}, 'dryRun is not charged');
  const mutation = await gql(em, `mutation { addComment(input: {subjectId: "nope", body: "x"}) { clientMutationId } }`);
  t.is(mutation.headers.get('x-ratelimit-used'), '53', 'a mutation costs at least 1');
  t.deepEqual(em.requestLog.map(l => [l.operation, l.cost, l.nodes, l.mutation]), [
    [null, 1, 0, false],
    [null, 51, 305_100, false],
    [null, 0, 0, false],
    [null, 1, 0, true],
  ]);
  await em.close();
});

test('every answer carries the five x-ratelimit headers, refusals included', async t => {
  const em = await startGitHubEmulator();
  const replies = [
    await gql(em, `{ viewer { login } }`, {}, {token: null}),
    await gql(em, `{ viewer { login } }`, {}, {token: 'wrong'}),
    await gql(em, `{ viewer { logn } }`),
    await gql(em, `{ viewer {`),
  ];
  em.faults.inject({kind: '502'});
  replies.push(await gql(em, `{ viewer { login } }`));
  em.faults.inject({kind: 'secondary-403'});
  replies.push(await gql(em, `{ viewer { login } }`));
  const bad = await fetch(`${em.url}/graphql`, {method: 'POST', headers: {authorization: `bearer ${em.token}`}, body: '{not json'});
  t.deepEqual(replies.map(r => r.status).concat(bad.status), [401, 401, 200, 200, 502, 403, 400]);
  for (const r of [...replies.map(x => x.headers), bad.headers]) {
    t.deepEqual(RATE_HEADERS.filter(h => r.get(h) === null), []);
  }
  t.is(replies[0]!.body.message, 'This endpoint requires you to be authenticated.');
  t.is(replies[1]!.body.message, 'Bad credentials');
  t.deepEqual(await bad.json(), {message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/graphql', status: '400'});
  await em.close();
});

test('the primary budget runs out with RATE_LIMITED in a 200 and comes back at reset', async t => {
  const em = await startGitHubEmulator({startAt: START, freezeClock: true, limits: {primaryPoints: 3}});
  const q = `query Ping { viewer { login } }`;
  await gql(em, q);
  await gql(em, q);
  const last = await gql(em, q);
  t.is(last.status, 200);
  t.deepEqual(last.body, {data: {viewer: {login: 'octocat'}}}, 'the request spending the last point succeeds');
  t.is(last.headers.get('x-ratelimit-remaining'), '0');
  const refused = await gql(em, q);
  t.is(refused.status, 200);
  t.false('data' in refused.body);
  t.is(refused.body.errors[0].type, 'RATE_LIMITED');
  t.regex(refused.body.errors[0].message, /^API rate limit exceeded for user ID \d+\.$/);
  t.is(refused.headers.get('x-ratelimit-remaining'), '0');
  t.is(refused.headers.get('x-ratelimit-reset'), String(START.getTime() / 1000 + 3600));
  t.is(em.requestLog.at(-1)!.rateLimited, 'primary');
  em.advanceClock(3_600_000);
  const again = await gql(em, q);
  t.falsy(again.body.errors);
  t.is(again.headers.get('x-ratelimit-used'), '1');
  t.is(again.headers.get('x-ratelimit-reset'), String(START.getTime() / 1000 + 7200));
  await em.close();
});

test('a query costing more than what is left is refused without being charged', async t => {
  const em = await startGitHubEmulator({limits: {primaryPoints: 60}});
  t.falsy((await gql(em, DOCS_COST_EXAMPLE)).body.errors);
  const r = await gql(em, DOCS_COST_EXAMPLE);
  t.is(r.body.errors[0].type, 'RATE_LIMITED');
  t.is(r.headers.get('x-ratelimit-used'), '51');
  t.falsy((await gql(em, `{ viewer { login } }`)).body.errors, 'a cheap query still fits');
  await em.close();
});

test('secondary points per minute: 5 per mutation request, 1 per query, then a 403 with retry-after', async t => {
  const em = await startGitHubEmulator({startAt: START, freezeClock: true, limits: {secondaryPointsPerMinute: 11}});
  const m = `mutation { addComment(input: {subjectId: "x", body: "y"}) { clientMutationId } }`;
  await gql(em, m);
  em.advanceClock(10_000);
  await gql(em, m);
  t.falsy((await gql(em, `{ viewer { login } }`)).body.errors);
  const r = await gql(em, `{ viewer { login } }`);
  t.is(r.status, 403);
  t.regex(r.body.message, /^You have exceeded a secondary rate limit\./);
  t.is(r.body.documentation_url, 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits');
  t.is(r.headers.get('retry-after'), '50', 'the first mutation leaves the window 50 s later');
  t.is(em.requestLog.at(-1)!.rateLimited, 'secondary');
  em.advanceClock(50_000);
  t.is((await gql(em, `{ viewer { login } }`)).status, 200);
  await em.close();
});

test('content creation per minute: the extra mutation in an aliased batch is "submitted too quickly"', async t => {
  // The person in the web UI is the token's own user here: content limits are per user.
  const em = await startGitHubEmulator({startAt: START, freezeClock: true, limits: {contentPerMinute: 2}, uiLogin: 'octocat'});
  const {id} = em.createRepo('acme/app');
  const batch = `mutation Batch($r: ID!) {
    a: createIssue(input: {repositoryId: $r, title: "a"}) { issue { number } }
    b: createIssue(input: {repositoryId: $r, title: "b"}) { issue { number } }
    c: createIssue(input: {repositoryId: $r, title: "c"}) { issue { number } }
  }`;
  const r = await gql(em, batch, {r: id});
  t.is(r.status, 200);
  t.deepEqual(r.body.data, {a: {issue: {number: 1}}, b: {issue: {number: 2}}, c: null});
  t.deepEqual(r.body.errors, [{type: 'UNPROCESSABLE', path: ['c'], locations: [{line: 4, column: 5}], message: 'was submitted too quickly'}]);
  t.like(em.requestLog.at(-1), {operation: 'Batch', mutation: true, contentCreating: true, rateLimited: 'secondary'});
  em.advanceClock(60_000);
  em.ui.createIssue('acme/app', {title: 'by hand'});
  em.ui.addComment('acme/app', 1, 'by hand');
  const after = await gql(em, batch, {r: id});
  t.deepEqual(after.body.data, {a: null, b: null, c: null}, 'web UI creations count against the same limit');
  em.advanceClock(60_000);
  t.is((await gql(em, batch, {r: id})).body.data.b.issue.number, 5);
  await em.close();
});

test('content creation per hour, answered with a 403 and retry-after when configured so', async t => {
  const em = await startGitHubEmulator({startAt: START, freezeClock: true, limits: {contentPerHour: 3, contentLimitSignal: 'secondary-403'}});
  const {id} = em.createRepo('acme/app');
  const one = (title: string) => gql(em, `mutation($r: ID!, $t: String!) { createIssue(input: {repositoryId: $r, title: $t}) { issue { number } } }`, {r: id, t: title});
  for (const title of ['1', '2']) {
    await one(title);
    em.advanceClock(600_000);
  }
  const batch = await gql(em, `mutation($r: ID!) { a: createIssue(input: {repositoryId: $r, title: "a"}) { issue { number } } b: createIssue(input: {repositoryId: $r, title: "b"}) { issue { number } } }`, {r: id});
  t.is(batch.status, 403);
  t.regex(batch.body.message, /secondary rate limit/);
  t.is(batch.headers.get('retry-after'), String(3600 - 1200), 'until the first creation leaves the hour');
  t.deepEqual(em.issues('acme/app').map(i => i.title), ['1', '2', 'a'], 'the earlier alias stays applied');
  await em.close();
});

test('more concurrent requests than allowed get a secondary-limit 403', async t => {
  const em = await startGitHubEmulator({limits: {maxConcurrent: 1}});
  em.faults.inject({kind: 'delay', match: 'Slow', delayMs: 400});
  const slow = gql(em, `query Slow { viewer { login } }`);
  await new Promise(r => setTimeout(r, 100));
  const fast = await gql(em, `query Fast { viewer { login } }`);
  t.is(fast.status, 403);
  t.regex(fast.body.message, /secondary rate limit/);
  t.is((await slow).status, 200);
  t.is((await gql(em, `query Fast { viewer { login } }`)).status, 200);
  await em.close();
});
