import test from 'ava';
import {startGitHubEmulator, type GitHubEmulator} from './index.js';
import {gql} from './helpers.js';

const CREATE = `mutation New($r: ID!, $t: String!) { createIssue(input: {repositoryId: $r, title: $t}) { issue { number } } }`;

async function setup(seed = 1): Promise<{em: GitHubEmulator; repoId: string}> {
  const em = await startGitHubEmulator({seed});
  const {id} = em.createRepo('acme/app');
  return {em, repoId: id};
}

test('apply-then-502: the mutation is applied, the answer is a 502 "Something went wrong"', async t => {
  const {em, repoId} = await setup();
  em.faults.inject({kind: 'apply-then-502', match: 'createIssue'});
  const r = await gql(em, CREATE, {r: repoId, t: 'ghost'});
  t.is(r.status, 502);
  t.is(r.body.data, null);
  t.regex(r.body.errors[0].message, /^Something went wrong while executing your query\. This may be the result of a timeout/);
  t.deepEqual(em.issues('acme/app').map(i => i.title), ['ghost']);
  t.is((await gql(em, CREATE, {r: repoId, t: 'next'})).status, 200, 'count defaults to 1');
  await em.close();
});

test('502 and 504 before execution apply nothing; timeout applies, waits, then 504', async t => {
  const {em, repoId} = await setup();
  em.faults.inject({kind: '502'});
  t.is((await gql(em, CREATE, {r: repoId, t: 'a'})).status, 502);
  em.faults.inject({kind: '504'});
  t.is((await gql(em, CREATE, {r: repoId, t: 'b'})).status, 504);
  t.is(em.issues('acme/app').length, 0);
  em.faults.inject({kind: 'timeout', delayMs: 150});
  const started = Date.now();
  const r = await gql(em, CREATE, {r: repoId, t: 'slow'});
  t.is(r.status, 504);
  t.true(Date.now() - started >= 140);
  t.deepEqual(em.issues('acme/app').map(i => i.title), ['slow']);
  await em.close();
});

test('submitted-too-quickly hits one alias of a batch: partial data, the others applied', async t => {
  const {em, repoId} = await setup();
  em.faults.inject({kind: 'submitted-too-quickly', skip: 1});
  const r = await gql(em, `mutation($r: ID!) {
    a: createIssue(input: {repositoryId: $r, title: "a"}) { issue { title } }
    b: createIssue(input: {repositoryId: $r, title: "b"}) { issue { title } }
    c: createIssue(input: {repositoryId: $r, title: "c"}) { issue { title } }
  }`, {r: repoId});
  t.is(r.status, 200);
  t.deepEqual(r.body.data, {a: {issue: {title: 'a'}}, b: null, c: {issue: {title: 'c'}}});
  t.deepEqual(r.body.errors.map((e: {type: string; path: string[]; message: string}) => [e.type, e.path, e.message]), [['UNPROCESSABLE', ['b'], 'was submitted too quickly']]);
  t.deepEqual(em.issues('acme/app').map(i => i.title), ['a', 'c']);
  await em.close();
});

test('rate-limit signals: RATE_LIMITED, RATE_LIMIT, 403 with and without retry-after, 429s, 200 secondary', async t => {
  const {em} = await setup();
  const q = `{ viewer { login } }`;
  const cases: Array<[string, number, (b: any, h: Headers) => void]> = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['rate-limited', 200, (b, h) => (t.is(b.errors[0].type, 'RATE_LIMITED'), t.is(h.get('x-ratelimit-remaining'), '0'), t.false('data' in b))],
    ['rate-limit-variant', 200, (b, h) => (t.is(b.errors[0].type, 'RATE_LIMIT'), t.is(h.get('x-ratelimit-remaining'), '0'))],
    ['secondary-403', 403, (b, h) => (t.regex(b.message, /secondary rate limit/), t.is(h.get('retry-after'), '60'))],
    ['secondary-403-no-retry-after', 403, (b, h) => (t.regex(b.message, /secondary rate limit/), t.is(h.get('retry-after'), null))],
    ['secondary-429', 429, (b, h) => (t.regex(b.message, /secondary rate limit/), t.is(h.get('retry-after'), '60'))],
    ['429', 429, b => t.notRegex(b.message, /secondary/)],
    ['secondary-200', 200, b => t.regex(b.errors[0].message, /secondary rate limit/)],
    ['something-went-wrong', 200, b => (t.is(b.data, null), t.regex(b.errors[0].message, /^Something went wrong while executing your query/))],
    ['bad-credentials', 401, b => t.is(b.message, 'Bad credentials')],
  ];
  for (const [kind, status, check] of cases) {
    em.faults.inject({kind});
    const r = await gql(em, q);
    t.is(r.status, status, kind);
    check(r.body, r.headers);
  }
  t.deepEqual(em.requestLog.map(l => l.rateLimited), ['primary', 'primary', 'secondary', 'secondary', 'secondary', 'secondary', 'secondary', null, null]);
  em.faults.inject({kind: 'secondary-403', retryAfter: 7});
  t.is((await gql(em, q)).headers.get('retry-after'), '7');
  await em.close();
});

test('not-found makes an existing repository answer null with NOT_FOUND; resource-limits nulls part of the data', async t => {
  const {em} = await setup();
  em.faults.inject({kind: 'not-found'});
  const r = await gql(em, `{ repository(owner: "acme", name: "app") { id } viewer { login } }`);
  t.deepEqual(r.body.data, {repository: null, viewer: {login: 'octocat'}});
  t.deepEqual(r.body.errors[0], {type: 'NOT_FOUND', path: ['repository'], locations: [{line: 1, column: 3}], message: "Could not resolve to a Repository with the name 'acme/app'."});
  em.faults.inject({kind: 'resource-limits'});
  const p = await gql(em, `{ repository(owner: "acme", name: "app") { id } viewer { login } }`);
  t.is(p.status, 200);
  t.truthy(p.body.data.repository.id);
  t.is(p.body.data.viewer, null);
  t.is(p.body.errors[0].type, 'RESOURCE_LIMITS_EXCEEDED');
  await em.close();
});

test('network-reset drops the connection without an answer', async t => {
  const {em} = await setup();
  em.faults.inject({kind: 'network-reset'});
  await t.throwsAsync(gql(em, `{ viewer { login } }`));
  t.is(em.requestLog.at(-1)!.status, 0);
  t.is((await gql(em, `{ viewer { login } }`)).status, 200);
  await em.close();
});

test('match, count and seeded probability decide which requests a fault hits', async t => {
  const run = async (seed: number) => {
    const {em} = await setup(seed);
    em.faults.inject({kind: '502', probability: 0.5, match: 'Ping'});
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await gql(em, `query Ping { viewer { login } }`)).status);
    const other = (await gql(em, `query Other { viewer { login } }`)).status;
    await em.close();
    return {statuses, other};
  };
  const a = await run(7);
  const b = await run(7);
  t.deepEqual(a, b, 'the same seed replays the same faults');
  t.is(a.other, 200, 'match limits the fault to the named operation');
  const hits = a.statuses.filter(s => s === 502).length;
  t.true(hits > 3 && hits < 17, `about half hit (${hits})`);
  const {em} = await setup();
  em.faults.inject({kind: '504', count: 2});
  const s = [];
  for (let i = 0; i < 3; i++) s.push((await gql(em, `{ viewer { login } }`)).status);
  t.deepEqual(s, [504, 504, 200]);
  t.throws(() => em.faults.inject({kind: 'meteor'}), {message: /Unknown fault kind "meteor"/});
  em.faults.inject({kind: '502', count: 5});
  em.faults.clear();
  t.is((await gql(em, `{ viewer { login } }`)).status, 200);
  await em.close();
});

test('not-found matched to a mutation plays eventual consistency: a fresh issue is briefly unresolvable', async t => {
  const {em, repoId} = await setup();
  await gql(em, CREATE, {r: repoId, t: 'fresh'});
  const id = em.issues('acme/app')[0]!.id;
  em.faults.inject({kind: 'not-found', match: 'addComment'});
  const add = `mutation($id: ID!) { addComment(input: {subjectId: $id, body: "hi"}) { commentEdge { node { body } } } }`;
  const first = await gql(em, add, {id});
  t.deepEqual(first.body.data, {addComment: null});
  t.deepEqual(first.body.errors[0].type, 'NOT_FOUND');
  t.is(first.body.errors[0].message, `Could not resolve to a node with the global id of '${id}'`);
  const retry = await gql(em, add, {id});
  t.is(retry.body.data.addComment.commentEdge.node.body, 'hi');
  await em.close();
});

test('abuse-403 answers with the older abuse-detection wording and retry-after', async t => {
  const {em} = await setup();
  em.faults.inject({kind: 'abuse-403', retryAfter: 30});
  const r = await gql(em, `{ viewer { login } }`);
  t.is(r.status, 403);
  t.is(r.body.message, 'You have triggered an abuse detection mechanism. Please wait a few minutes before you try again.');
  t.is(r.headers.get('retry-after'), '30');
  await em.close();
});

test('rate-limited-403 is the primary limit as a 403 with x-ratelimit-remaining 0', async t => {
  const {em} = await setup();
  em.faults.inject({kind: 'rate-limited-403'});
  const r = await gql(em, `{ viewer { login } }`);
  t.is(r.status, 403);
  t.regex(r.body.message, /^API rate limit exceeded for user ID \d+\.$/);
  t.is(r.headers.get('x-ratelimit-remaining'), '0');
  t.is(em.requestLog.at(-1)!.rateLimited, 'primary');
  await em.close();
});

test('a request held past the 10-second limit is killed with a 502 and applies nothing', async t => {
  const em = await startGitHubEmulator({limits: {requestTimeoutMs: 100}});
  const {id} = em.createRepo('acme/app');
  em.faults.inject({kind: 'delay', delayMs: 5000});
  const r = await gql(em, CREATE, {r: id, t: 'never'});
  t.is(r.status, 502);
  t.deepEqual(em.issues('acme/app'), []);
  await em.close();
});
