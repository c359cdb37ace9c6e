import test from 'ava';
import {startGitHubEmulator} from './index.js';
import {apiCreateIssue, gql} from './helpers.js';

const REPO = `repository(owner: "acme", name: "app")`;

test('first is required when nodes are selected, and counting alone is allowed', async t => {
  const em = await startGitHubEmulator();
  em.createRepo('acme/app');
  const missing = await gql(em, `{ ${REPO} { issues { nodes { id } } } }`);
  t.deepEqual(missing.body.data, {repository: null}, 'a field error: the non-null connection nulls its parent');
  t.deepEqual(missing.body.errors, [
    {
      type: 'MISSING_PAGINATION_BOUNDARIES',
      path: ['repository', 'issues'],
      locations: [{line: 1, column: 44}],
      message: 'You must provide a `first` or `last` value to properly paginate the `issues` connection.',
    },
  ]);
  const count = await gql(em, `{ ${REPO} { issues { totalCount } } }`);
  t.deepEqual(count.body, {data: {repository: {issues: {totalCount: 0}}}});
  await em.close();
});

test('first: 101 and last: 101 exceed the page limit; 100 is fine', async t => {
  const em = await startGitHubEmulator();
  em.createRepo('acme/app');
  const over = await gql(em, `{ ${REPO} { issues(first: 101) { nodes { id } } } }`);
  t.is(over.body.errors[0].type, 'EXCESSIVE_PAGINATION');
  t.is(over.body.errors[0].message, 'Requesting 101 records on the `issues` connection exceeds the `first` limit of 100 records.');
  const overLast = await gql(em, `{ ${REPO} { labels(last: 101) { nodes { id } } } }`);
  t.is(overLast.body.errors[0].message, 'Requesting 101 records on the `labels` connection exceeds the `last` limit of 100 records.');
  t.deepEqual(overLast.body.data, {repository: {labels: null}}, 'labels is a nullable connection');
  const ok = await gql(em, `{ ${REPO} { issues(first: 100) { nodes { id } } } }`);
  t.falsy(ok.body.errors);
  await em.close();
});

test('the 500,000-node limit refuses the whole query before execution', async t => {
  const em = await startGitHubEmulator();
  em.createRepo('acme/app');
  const r = await gql(em, `{ ${REPO} { issues(first: 100) { nodes { comments(first: 100) { nodes { reactions(first: 51) { totalCount } } } } } } }`);
  // 100 + 100*100 + 100*100*51 = 520,100
  t.deepEqual(r.body, {
    errors: [
      {
        type: 'MAX_NODE_LIMIT_EXCEEDED',
        message: 'By the time this query traverses to the reactions connection, it is requesting up to 520,100 possible nodes which exceeds the maximum limit of 500,000.',
      },
    ],
  });
  const under = await gql(em, `{ ${REPO} { issues(first: 100) { nodes { comments(first: 100) { nodes { reactions(first: 48) { totalCount } } } } } } }`);
  t.falsy(under.body.errors);
  await em.close();
});

test('a body of 65,537 characters is refused; 65,536 (counted in code points) is accepted', async t => {
  const em = await startGitHubEmulator();
  const {id: repoId} = em.createRepo('acme/app');
  const q = `mutation($i: CreateIssueInput!) { createIssue(input: $i) { issue { number } } }`;
  const tooLong = await gql(em, q, {i: {repositoryId: repoId, title: 't', body: 'x'.repeat(65_537)}});
  t.deepEqual(tooLong.body.data, {createIssue: null});
  t.is(tooLong.body.errors[0].type, 'UNPROCESSABLE');
  t.deepEqual(tooLong.body.errors[0].path, ['createIssue']);
  t.is(tooLong.body.errors[0].message, 'Body is too long (maximum is 65536 characters)');
  // 65,536 emoji are 131,072 UTF-16 units but 65,536 characters to GitHub.
  const emoji = await gql(em, q, {i: {repositoryId: repoId, title: 't', body: '😀'.repeat(65_536)}});
  t.is(emoji.body.data.createIssue.issue.number, 1);
  const issue = em.issues('acme/app')[0]!;
  const comment = await gql(em, `mutation($s: ID!, $b: String!) { addComment(input: {subjectId: $s, body: $b}) { commentEdge { node { id } } } }`, {s: issue.id, b: 'y'.repeat(65_537)});
  t.is(comment.body.errors[0].message, 'Body is too long (maximum is 65536 characters)');
  const title = await gql(em, q, {i: {repositoryId: repoId, title: 'T'.repeat(257)}});
  t.is(title.body.errors[0].message, 'Title is too long (maximum is 256 characters)');
  const blank = await gql(em, q, {i: {repositoryId: repoId, title: '  '}});
  t.is(blank.body.errors[0].message, "Title can't be blank");
  t.is(em.issues('acme/app').length, 1);
  await em.close();
});

test('label names over 50 characters, long descriptions, bad colours and duplicates are refused', async t => {
  const em = await startGitHubEmulator();
  const {id: repoId} = em.createRepo('acme/app');
  const q = `mutation($i: CreateLabelInput!) { createLabel(input: $i) { label { id name color } } }`;
  const long = await gql(em, q, {i: {repositoryId: repoId, name: 'n'.repeat(51), color: 'ff0000'}});
  t.is(long.body.errors[0].type, 'UNPROCESSABLE');
  t.is(long.body.errors[0].message, 'Name is too long (maximum is 50 characters)');
  const fifty = await gql(em, q, {i: {repositoryId: repoId, name: 'n'.repeat(50), color: 'FF0000'}});
  t.is(fifty.body.data.createLabel.label.color, 'ff0000');
  const desc = await gql(em, q, {i: {repositoryId: repoId, name: 'd', color: 'ff0000', description: 'x'.repeat(101)}});
  t.is(desc.body.errors[0].message, 'Description is too long (maximum is 100 characters)');
  const color = await gql(em, q, {i: {repositoryId: repoId, name: 'c', color: '#ff0000'}});
  t.is(color.body.errors[0].message, 'Color is invalid');
  const dup = await gql(em, q, {i: {repositoryId: repoId, name: 'N'.repeat(50), color: '00ff00'}});
  t.is(dup.body.errors[0].message, 'Name has already been taken', 'label names are unique regardless of case');
  t.is(em.labels('acme/app').length, 1);
  await em.close();
});

test('the 101st label on an issue is refused and nothing is added', async t => {
  const em = await startGitHubEmulator();
  const {id: repoId} = em.createRepo('acme/app');
  const ids: string[] = [];
  for (let i = 0; i < 101; i++) ids.push(em.ui.createLabel('acme/app', {name: `l${i}`}).id);
  const issue = await apiCreateIssue(em, repoId, 'labelled', {labelIds: ids.slice(0, 100)});
  const before = em.issues('acme/app')[0]!;
  t.is(before.labels.length, 100);
  em.advanceClock(5000);
  const r = await gql(em, `mutation($id: ID!, $l: [ID!]!) { addLabelsToLabelable(input: {labelableId: $id, labelIds: $l}) { clientMutationId } }`, {id: issue.id, l: [ids[100]]});
  t.deepEqual(r.body.data, {addLabelsToLabelable: null});
  t.deepEqual(r.body.errors[0], {type: 'UNPROCESSABLE', path: ['addLabelsToLabelable'], locations: [{line: 1, column: 34}], message: 'Issues cannot have more than 100 labels'});
  const after = em.issues('acme/app')[0]!;
  t.is(after.labels.length, 100);
  t.is(after.updatedAt, before.updatedAt);
  const create = await gql(em, `mutation($i: CreateIssueInput!) { createIssue(input: $i) { issue { id } } }`, {i: {repositoryId: repoId, title: 'x', labelIds: ids}});
  t.is(create.body.errors[0].message, 'Issues cannot have more than 100 labels');
  await em.close();
});

test('sub-issues: one parent unless replaceParent, a cap that counts closed children, no cycles', async t => {
  const em = await startGitHubEmulator({limits: {subIssuesPerParent: 2}});
  em.createRepo('acme/app');
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(title => em.ui.createIssue('acme/app', {title}));
  const add = (parent: string, child: string, replaceParent = false) =>
    gql(em, `mutation($p: ID!, $c: ID!, $r: Boolean) { addSubIssue(input: {issueId: $p, subIssueId: $c, replaceParent: $r}) { issue { number subIssuesSummary { total completed percentCompleted } } subIssue { number parent { number } } } }`, {p: parent, c: child, r: replaceParent});
  const ok = await add(a!.id, b!.id);
  t.deepEqual(ok.body.data.addSubIssue, {issue: {number: 1, subIssuesSummary: {total: 1, completed: 0, percentCompleted: 0}}, subIssue: {number: 2, parent: {number: 1}}});
  t.is((await add(d!.id, b!.id)).body.errors[0].message, 'Sub issue may only have one parent');
  em.ui.closeIssue('acme/app', 3);
  await add(a!.id, c!.id);
  const full = await add(a!.id, d!.id);
  t.is(full.body.errors[0].message, 'Parent cannot have more than 2 sub-issues', 'the closed child still counts');
  t.is((await add(b!.id, a!.id)).body.errors[0].message, 'Sub issue cannot be an ancestor of its parent');
  const moved = await add(d!.id, b!.id, true);
  t.deepEqual(moved.body.data.addSubIssue.subIssue, {number: 2, parent: {number: 4}});
  const both = await gql(em, `mutation($p: ID!) { addSubIssue(input: {issueId: $p}) { clientMutationId } }`, {p: a!.id});
  t.is(both.body.errors[0].message, 'Exactly one of subIssueId or subIssueUrl must be provided');
  const byUrl = await gql(em, `mutation($p: ID!, $u: String) { addSubIssue(input: {issueId: $p, subIssueUrl: $u, replaceParent: true}) { subIssue { number } } }`, {p: a!.id, u: 'https://github.com/acme/app/issues/2'});
  t.is(byUrl.body.data.addSubIssue.subIssue.number, 2);
  t.deepEqual(
    em.issues('acme/app').map(i => [i.number, i.parentNumber, i.subIssueNumbers]),
    [
      [1, null, [3, 2]],
      [2, 1, []],
      [3, 1, []],
      [4, null, []],
    ],
  );
  await em.close();
});
