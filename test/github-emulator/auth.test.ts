import test from 'ava';
import {startGitHubEmulator} from './index.js';
import {gql} from './helpers.js';

const CREATE = `mutation($r: ID!) { createIssue(input: {repositoryId: $r, title: "x"}) { issue { number } } }`;

test('tokens: "token" and "bearer" both work; none and unknown are 401s with GitHub bodies', async t => {
  const em = await startGitHubEmulator({token: 'ghp_known', login: 'bot'});
  const ok = await fetch(`${em.url}/graphql`, {method: 'POST', headers: {authorization: 'Bearer ghp_known'}, body: JSON.stringify({query: '{ viewer { login } }'})});
  t.deepEqual(await ok.json(), {data: {viewer: {login: 'bot'}}});
  t.is(ok.headers.get('x-oauth-scopes'), 'repo');
  const none = await gql(em, `{ viewer { login } }`, {}, {token: null});
  t.deepEqual(none.body, {message: 'This endpoint requires you to be authenticated.', documentation_url: 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql', status: '401'});
  const bad = await gql(em, `{ viewer { login } }`, {}, {token: 'ghp_unknown'});
  t.is(bad.status, 401);
  t.is(bad.body.message, 'Bad credentials');
  await em.close();
});

test('a classic token without repo scope cannot see a private repository', async t => {
  const em = await startGitHubEmulator();
  em.createRepo('acme/secret');
  em.createRepo('acme/open', {private: false});
  em.addToken('ghp_public', {scopes: ['public_repo'], login: 'reader'});
  const secret = await gql(em, `{ repository(owner: "acme", name: "secret") { id } }`, {}, {token: 'ghp_public'});
  t.deepEqual(secret.body.data, {repository: null});
  t.is(secret.body.errors[0].type, 'NOT_FOUND');
  const open = await gql(em, `{ repository(owner: "acme", name: "open") { id } }`, {}, {token: 'ghp_public'});
  t.truthy(open.body.data.repository.id);
  await em.close();
});

test('a token without any repository scope gets INSUFFICIENT_SCOPES for a mutation, before execution', async t => {
  const em = await startGitHubEmulator();
  const {id} = em.createRepo('acme/app', {private: false});
  em.addToken('ghp_org', {scopes: ['read:org'], login: 'reader'});
  const r = await gql(em, CREATE, {r: id}, {token: 'ghp_org'});
  t.is(r.status, 200);
  t.false('data' in r.body);
  t.is(r.body.errors[0].type, 'INSUFFICIENT_SCOPES');
  t.is(
    r.body.errors[0].message,
    "Your token has not been granted the required scopes to execute this query. The 'createIssue' field requires one of the following scopes: ['public_repo'], but your token has only been granted the: ['read:org'] scopes. Please modify your token's scopes at: https://github.com/settings/tokens.",
  );
  t.is(em.issues('acme/app').length, 0);
  await em.close();
});

test('a fine-grained token with issues: read is FORBIDDEN on writes and can still read', async t => {
  const em = await startGitHubEmulator();
  const {id} = em.createRepo('acme/app');
  em.ui.createIssue('acme/app', {title: 'existing'});
  em.addToken('github_pat_ro', {login: 'reader', permissions: {issues: 'read'}});
  const w = await gql(em, CREATE, {r: id}, {token: 'github_pat_ro'});
  t.deepEqual(w.body.data, {createIssue: null});
  t.deepEqual(w.body.errors[0], {type: 'FORBIDDEN', path: ['createIssue'], locations: [{line: 1, column: 21}], message: 'Resource not accessible by personal access token'});
  const r = await gql(em, `{ repository(owner: "acme", name: "app") { issues(first: 5) { nodes { title } } } }`, {}, {token: 'github_pat_ro'});
  t.deepEqual(r.body.data.repository.issues.nodes, [{title: 'existing'}]);
  t.is(r.headers.get('x-oauth-scopes'), null, 'fine-grained tokens have no OAuth scopes');
  em.addToken('github_pat_none', {login: 'nobody', permissions: {issues: 'none'}});
  const none = await gql(em, `{ repository(owner: "acme", name: "app") { issues(first: 5) { nodes { title } } } }`, {}, {token: 'github_pat_none'});
  t.is(none.body.errors[0].type, 'FORBIDDEN');
  await em.close();
});

test('rate limits are per user: two tokens of one user share a budget', async t => {
  const em = await startGitHubEmulator({login: 'bot', limits: {primaryPoints: 2}});
  em.addToken('second', {login: 'bot'});
  em.addToken('other', {login: 'someone'});
  await gql(em, `{ viewer { login } }`);
  const second = await gql(em, `{ viewer { login } }`, {}, {token: 'second'});
  t.is(second.headers.get('x-ratelimit-remaining'), '0');
  t.is((await gql(em, `{ viewer { login } }`, {}, {token: 'second'})).body.errors[0].type, 'RATE_LIMITED');
  t.is((await gql(em, `{ viewer { login } }`, {}, {token: 'other'})).headers.get('x-ratelimit-remaining'), '1');
  await em.close();
});

test('a GitHub App installation token without issues: write is refused "by integration"', async t => {
  const em = await startGitHubEmulator();
  const {id} = em.createRepo('acme/app');
  em.addToken('ghs_installation', {login: 'td-app[bot]', permissions: {issues: 'read'}});
  const r = await gql(em, CREATE, {r: id}, {token: 'ghs_installation'});
  t.is(r.body.errors[0].type, 'FORBIDDEN');
  t.is(r.body.errors[0].message, 'Resource not accessible by integration');
  em.addToken('ghs_writer', {login: 'td-app[bot]', permissions: {issues: 'write'}});
  t.is((await gql(em, CREATE, {r: id}, {token: 'ghs_writer'})).body.data.createIssue.issue.number, 1);
  await em.close();
});
