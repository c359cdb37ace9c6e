import test from 'ava';
import {startGitHubEmulator} from './index.js';
import {gql} from './helpers.js';

test('deleted issues vanish from node(id:) and listings; transferred ones keep their id under a new number', async t => {
  const em = await startGitHubEmulator();
  em.createRepo('acme/app');
  em.createRepo('acme/elsewhere');
  em.ui.createIssue('acme/elsewhere', {title: 'occupies #1 there'});
  const gone = em.ui.createIssue('acme/app', {title: 'gone'});
  const moved = em.ui.createIssue('acme/app', {title: 'moved', labels: ['bug']});
  em.ui.deleteIssue('acme/app', gone.number);
  t.deepEqual(em.ui.transferIssue('acme/app', moved.number, 'acme/elsewhere'), {number: 2});
  const r = await gql(em, `query($a: ID!, $b: ID!) { a: node(id: $a) { id } b: node(id: $b) { ... on Issue { number repository { nameWithOwner } labels(first: 5) { totalCount } } } }`, {a: gone.id, b: moved.id});
  t.deepEqual(r.body.data, {a: null, b: {number: 2, repository: {nameWithOwner: 'acme/elsewhere'}, labels: {totalCount: 0}}});
  t.deepEqual(r.body.errors, [{type: 'NOT_FOUND', path: ['a'], locations: [{line: 1, column: 27}], message: `Could not resolve to a node with the global id of '${gone.id}'`}]);
  const old = await gql(em, `{ repository(owner: "acme", name: "app") { issues(first: 5) { totalCount } issue(number: 2) { id } } }`);
  t.deepEqual(old.body.data.repository, {issues: {totalCount: 0}, issue: null}, 'issue(number:) is nullable: null plus NOT_FOUND');
  t.is(old.body.errors[0].message, 'Could not resolve to an Issue with the number of 2.');
  t.deepEqual(em.issues('acme/app'), []);
  t.deepEqual(em.issues('acme/elsewhere').map(i => i.title), ['occupies #1 there', 'moved']);
  await em.close();
});

test('nodes(ids:) answers null with an error for each unknown id', async t => {
  const em = await startGitHubEmulator();
  em.createRepo('acme/app');
  const {id} = em.ui.createIssue('acme/app', {title: 'here'});
  const r = await gql(em, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Issue { title } } }`, {ids: [id, 'I_kwDOnope']});
  t.deepEqual(r.body.data, {nodes: [{title: 'here'}, null]});
  t.deepEqual(r.body.errors[0].path, ['nodes', 1]);
  t.is(r.body.errors[0].type, 'NOT_FOUND');
  await em.close();
});

test('a mutation whose payload pages without first is applied, then its payload is refused', async t => {
  const em = await startGitHubEmulator();
  em.createRepo('acme/app');
  const {id} = em.ui.createIssue('acme/app', {title: 'x'});
  const r = await gql(em, `mutation($id: ID!) { updateIssue(input: {id: $id, title: "renamed"}) { issue { labels { nodes { name } } } } }`, {id});
  t.is(r.body.errors[0].type, 'MISSING_PAGINATION_BOUNDARIES');
  t.deepEqual(r.body.errors[0].path, ['updateIssue', 'issue', 'labels']);
  t.is(em.issues('acme/app')[0]!.title, 'renamed', 'GitHub checks page sizes while resolving, after the write');
  await em.close();
});

test('sub-issue nesting stops at the depth limit', async t => {
  const em = await startGitHubEmulator({limits: {subIssueDepth: 3}});
  em.createRepo('acme/app');
  const ids = ['1', '2', '3', '4'].map(title => em.ui.createIssue('acme/app', {title}).id);
  const link = (p: string, c: string) => gql(em, `mutation($p: ID!, $c: ID!) { addSubIssue(input: {issueId: $p, subIssueId: $c}) { subIssue { parent { number } } } }`, {p, c});
  t.falsy((await link(ids[0]!, ids[1]!)).body.errors);
  t.falsy((await link(ids[1]!, ids[2]!)).body.errors);
  const deep = await link(ids[2]!, ids[3]!);
  t.is(deep.body.errors[0].message, 'Sub issue exceeds the maximum nesting depth of 3 levels');
  const removed = await gql(em, `mutation($p: ID!, $c: ID!) { removeSubIssue(input: {issueId: $p, subIssueId: $c}) { issue { subIssues(first: 5) { totalCount } } subIssue { parent { id } } } }`, {p: ids[1], c: ids[2]});
  t.deepEqual(removed.body.data.removeSubIssue, {issue: {subIssues: {totalCount: 0}}, subIssue: {parent: null}});
  await em.close();
});

test('labels: rename in place keeps them on issues; createIssue with labelIds and parentIssueId', async t => {
  const em = await startGitHubEmulator();
  const {id: repoId} = em.createRepo('acme/app');
  const epic = em.ui.createIssue('acme/app', {title: 'epic'});
  const label = await gql(em, `mutation($r: ID!) { createLabel(input: {repositoryId: $r, name: "td:p1", color: "B60205", description: "priority"}) { label { id name color description } } }`, {r: repoId});
  const l = label.body.data.createLabel.label;
  t.like(l, {name: 'td:p1', color: 'b60205', description: 'priority'});
  const child = await gql(em, `mutation($r: ID!, $l: [ID!], $p: ID) { createIssue(input: {repositoryId: $r, title: "child", labelIds: $l, parentIssueId: $p}) { issue { number parent { number } labels(first: 5) { nodes { name } } } } }`, {r: repoId, l: [l.id], p: epic.id});
  t.deepEqual(child.body.data.createIssue.issue, {number: 2, parent: {number: 1}, labels: {nodes: [{name: 'td:p1'}]}});
  await gql(em, `mutation($id: ID!) { updateLabel(input: {id: $id, name: "td:priority-1"}) { label { name } } }`, {id: l.id});
  t.deepEqual(em.issues('acme/app')[1]!.labels, ['td:priority-1']);
  const byName = await gql(em, `{ repository(owner: "acme", name: "app") { label(name: "TD:PRIORITY-1") { id } labels(first: 10, query: "prior") { totalCount } } }`);
  t.deepEqual(byName.body.data.repository, {label: {id: l.id}, labels: {totalCount: 1}});
  await em.close();
});

test('the request log records what a benchmark needs', async t => {
  const em = await startGitHubEmulator();
  await gql(em, `query Who { viewer { login } }`);
  const [entry] = em.requestLog;
  t.like(entry, {operation: 'Who', mutation: false, contentCreating: false, cost: 1, nodes: 0, status: 200, rateLimited: null});
  t.false(Number.isNaN(Date.parse(entry!.at)));
  t.is(typeof entry!.durationMs, 'number');
  await em.close();
});

test('assignees: set on create, added and removed, filtered with filterBy.assignee', async t => {
  const em = await startGitHubEmulator();
  const {id: repoId} = em.createRepo('acme/app');
  em.addToken('other', {login: 'hubot'});
  const users = await gql(em, `{ viewer { id } }`);
  const hubot = await gql(em, `{ viewer { id } }`, {}, {token: 'other'});
  const me = users.body.data.viewer.id as string;
  const them = hubot.body.data.viewer.id as string;
  const created = await gql(em, `mutation($r: ID!, $a: [ID!]) { createIssue(input: {repositoryId: $r, title: "x", assigneeIds: $a}) { issue { id assignees(first: 5) { nodes { login } } } } }`, {r: repoId, a: [me]});
  const issue = created.body.data.createIssue.issue;
  t.deepEqual(issue.assignees.nodes, [{login: 'octocat'}]);
  em.ui.createIssue('acme/app', {title: 'nobody'});
  await gql(em, `mutation($i: ID!, $a: [ID!]!) { addAssigneesToAssignable(input: {assignableId: $i, assigneeIds: $a}) { assignable { ... on Issue { id } } } }`, {i: issue.id, a: [them]});
  const q = (filter: string) => gql(em, `{ repository(owner: "acme", name: "app") { issues(first: 5, filterBy: ${filter}) { nodes { title } } } }`).then(r => r.body.data.repository.issues.nodes.map((n: {title: string}) => n.title));
  t.deepEqual(await q(`{assignee: "hubot"}`), ['x']);
  t.deepEqual(await q(`{assignee: "*"}`), ['x']);
  t.deepEqual(await q(`{assignee: null}`), ['nobody']);
  await gql(em, `mutation($i: ID!, $a: [ID!]!) { removeAssigneesFromAssignable(input: {assignableId: $i, assigneeIds: $a}) { clientMutationId } }`, {i: issue.id, a: [me]});
  t.deepEqual(em.issues('acme/app')[0]!.assignees, ['hubot']);
  const bad = await gql(em, `mutation($i: ID!) { addAssigneesToAssignable(input: {assignableId: $i, assigneeIds: ["U_nope"]}) { clientMutationId } }`, {i: issue.id});
  t.is(bad.body.errors[0].type, 'NOT_FOUND');
  await em.close();
});

test('reprioritizeSubIssue reorders an epic and subIssues reads back in that order', async t => {
  const em = await startGitHubEmulator();
  em.createRepo('acme/app');
  const [epic, a, b, c] = ['epic', 'a', 'b', 'c'].map(title => em.ui.createIssue('acme/app', {title}));
  for (const child of [a, b, c]) em.ui.addSubIssue('acme/app', epic!.number, child!.number);
  const move = (vars: Record<string, string>) =>
    gql(em, `mutation($p: ID!, $c: ID!, $after: ID, $before: ID) { reprioritizeSubIssue(input: {issueId: $p, subIssueId: $c, afterId: $after, beforeId: $before}) { issue { subIssues(first: 5) { nodes { title } } } } }`, {p: epic!.id, ...vars});
  const r = await move({c: c!.id, before: a!.id});
  t.deepEqual(r.body.data.reprioritizeSubIssue.issue.subIssues.nodes.map((n: {title: string}) => n.title), ['c', 'a', 'b']);
  await move({c: c!.id, after: b!.id});
  t.deepEqual(em.issues('acme/app')[0]!.subIssueNumbers, [a!.number, b!.number, c!.number]);
  const neither = await move({c: c!.id});
  t.is(neither.body.errors[0].message, 'Exactly one of afterId or beforeId must be provided');
  await em.close();
});

test('search finds issues by qualifiers and words, newest first, after the index lag', async t => {
  const em = await startGitHubEmulator({startAt: new Date('2026-11-25T12:00:00Z'), freezeClock: true, limits: {searchLagMs: 5000}});
  em.createRepo('acme/app');
  em.createRepo('acme/other');
  em.ui.createIssue('acme/app', {title: 'Crash on start', body: '<!-- td:td-abc123 -->', labels: ['bug']});
  em.advanceClock(1000);
  em.ui.createIssue('acme/app', {title: 'Docs', body: 'nothing'});
  em.ui.createIssue('acme/other', {title: 'Crash elsewhere'});
  const search = async (q: string) =>
    (await gql(em, `query($q: String!) { search(query: $q, type: ISSUE, first: 10) { issueCount nodes { ... on Issue { title } } } }`, {q})).body.data.search as {issueCount: number; nodes: Array<{title: string}>};
  t.is((await search('repo:acme/app crash')).issueCount, 0, 'not indexed yet');
  em.advanceClock(5000);
  t.deepEqual((await search('repo:acme/app crash')).nodes, [{title: 'Crash on start'}]);
  t.deepEqual((await search('crash')).nodes, [{title: 'Crash elsewhere'}, {title: 'Crash on start'}]);
  t.deepEqual((await search('repo:acme/app "td:td-abc123" in:body')).nodes, [{title: 'Crash on start'}]);
  t.deepEqual((await search('repo:acme/app is:issue is:open -label:bug')).nodes, [{title: 'Docs'}]);
  t.deepEqual((await search('repo:acme/app author:octocat')).nodes, []);
  await em.close();
});
