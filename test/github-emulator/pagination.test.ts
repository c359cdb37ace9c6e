import test from 'ava';
import fc from 'fast-check';
import {startGitHubEmulator, type GitHubEmulator} from './index.js';
import {gql} from './helpers.js';

const START = new Date('2026-11-25T12:00:00Z');

const PULL = `query Pull($since: DateTime, $after: String, $first: Int!, $dir: OrderDirection!) {
  repository(owner: "acme", name: "app") {
    issues(first: $first, after: $after, filterBy: {since: $since}, orderBy: {field: UPDATED_AT, direction: $dir}) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
      nodes { number title updatedAt }
    }
  }
}`;

async function pull(em: GitHubEmulator, vars: {since?: string | null; after?: string | null; first?: number; dir?: 'ASC' | 'DESC'}) {
  const r = await gql(em, PULL, {first: 2, dir: 'ASC', ...vars});
  if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
  return r.body.data.repository.issues as {totalCount: number; pageInfo: {hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null}; nodes: Array<{number: number; title: string; updatedAt: string}>};
}

/** Issues 1..n, each created one second after the previous. */
async function seeded(n: number) {
  const em = await startGitHubEmulator({startAt: START, freezeClock: true});
  em.createRepo('acme/app');
  for (let i = 1; i <= n; i++) {
    em.ui.createIssue('acme/app', {title: `t${i}`});
    em.advanceClock(1000);
  }
  return em;
}

test('timestamps have one-second resolution and since is inclusive', async t => {
  const em = await seeded(0);
  em.advanceClock(1_234);
  em.ui.createIssue('acme/app', {title: 'a'});
  em.advanceClock(300);
  em.ui.createIssue('acme/app', {title: 'b'});
  em.advanceClock(900);
  em.ui.createIssue('acme/app', {title: 'c'});
  const all = await pull(em, {first: 10});
  t.deepEqual(all.nodes.map(n => n.updatedAt), ['2026-11-25T12:00:01Z', '2026-11-25T12:00:01Z', '2026-11-25T12:00:02Z']);
  t.deepEqual((await pull(em, {first: 10, since: '2026-11-25T12:00:01Z'})).nodes.map(n => n.title), ['a', 'b', 'c']);
  t.deepEqual((await pull(em, {first: 10, since: '2026-11-25T12:00:01.999Z'})).nodes.map(n => n.title), ['a', 'b', 'c'], 'sub-second parts are dropped');
  t.deepEqual((await pull(em, {first: 10, since: '2026-11-25T12:00:02Z'})).nodes.map(n => n.title), ['c']);
  await em.close();
});

test('UPDATED_AT ASC pages with cursors; an issue edited mid-walk comes round again', async t => {
  const em = await seeded(5);
  const p1 = await pull(em, {});
  t.deepEqual(p1.nodes.map(n => n.number), [1, 2]);
  t.deepEqual(p1.pageInfo.hasNextPage, true);
  t.is(p1.totalCount, 5);
  em.ui.editIssue('acme/app', 1, {title: 'edited'});
  const p2 = await pull(em, {after: p1.pageInfo.endCursor});
  t.deepEqual(p2.nodes.map(n => n.number), [3, 4]);
  t.true(p2.pageInfo.hasPreviousPage);
  const p3 = await pull(em, {after: p2.pageInfo.endCursor});
  t.deepEqual(p3.nodes.map(n => n.number), [5, 1], 'seen twice with ASC (spec §4.4)');
  t.false(p3.pageInfo.hasNextPage);
  const empty = await pull(em, {after: p3.pageInfo.endCursor});
  t.deepEqual(empty.nodes, []);
  t.is(empty.pageInfo.endCursor, null);
  await em.close();
});

test('UPDATED_AT DESC misses an issue edited mid-walk', async t => {
  const em = await seeded(4);
  const p1 = await pull(em, {dir: 'DESC'});
  t.deepEqual(p1.nodes.map(n => n.number), [4, 3]);
  em.ui.addLabels('acme/app', 2, ['bug']);
  const p2 = await pull(em, {dir: 'DESC', after: p1.pageInfo.endCursor});
  t.deepEqual(p2.nodes.map(n => n.number), [1], 'issue 2 moved in front of the cursor');
  await em.close();
});

test('filterBy states, labels (any of), createdBy, and the top-level twins', async t => {
  const em = await seeded(0);
  const {id: repoId} = em.createRepo('acme/other');
  void repoId;
  em.ui.createIssue('acme/app', {title: 'bug', labels: ['bug']});
  em.ui.createIssue('acme/app', {title: 'doc', labels: ['Docs']});
  em.ui.createIssue('acme/app', {title: 'both', labels: ['bug', 'docs']});
  em.ui.closeIssue('acme/app', 1, 'NOT_PLANNED');
  const {id} = (await gql(em, `{ repository(owner: "acme", name: "app") { id } }`)).body.data.repository;
  await gql(em, `mutation($r: ID!) { createIssue(input: {repositoryId: $r, title: "bot"}) { clientMutationId } }`, {r: id});
  const q = async (args: string) =>
    ((await gql(em, `{ repository(owner: "acme", name: "app") { issues(first: 10, ${args}) { nodes { title } } } }`)).body.data.repository.issues.nodes as Array<{title: string}>).map(n => n.title);
  t.deepEqual(await q(`filterBy: {states: [OPEN]}`), ['doc', 'both', 'bot']);
  t.deepEqual(await q(`states: [CLOSED]`), ['bug']);
  t.deepEqual(await q(`filterBy: {labels: ["docs"]}`), ['doc', 'both'], 'label names match regardless of case');
  t.deepEqual(await q(`filterBy: {labels: ["bug", "docs"]}`), ['bug', 'doc', 'both'], 'several labels: any of them');
  t.deepEqual(await q(`labels: ["bug"]`), ['bug', 'both']);
  t.deepEqual(await q(`filterBy: {createdBy: "octocat"}`), ['bot']);
  t.deepEqual(await q(`filterBy: {createdBy: "monalisa", states: [OPEN]}`), ['doc', 'both']);
  t.deepEqual(await q(`orderBy: {field: CREATED_AT, direction: DESC}`), ['bot', 'both', 'doc', 'bug']);
  await em.close();
});

test('updatedAt moves for title, body, state, labels and comments, never for no-ops or label renames', async t => {
  const em = await seeded(1);
  const at = () => em.issues('acme/app')[0]!.updatedAt;
  const step = async (what: string, act: () => void, bumps: boolean) => {
    em.advanceClock(10_000);
    const before = at();
    act();
    t.is(at() !== before, bumps, what);
  };
  await step('title edit', () => em.ui.editIssue('acme/app', 1, {title: 'new'}), true);
  await step('same title again', () => em.ui.editIssue('acme/app', 1, {title: 'new'}), false);
  await step('body edit (typed with \\n, stored with CRLF like a browser form)', () => em.ui.editIssue('acme/app', 1, {body: 'a\nb'}), true);
  await step('the same body again', () => em.ui.editIssue('acme/app', 1, {body: 'a\r\nb'}), false);
  await step('label added', () => em.ui.addLabels('acme/app', 1, ['x']), true);
  await step('label already there', () => em.ui.addLabels('acme/app', 1, ['x']), false);
  await step('label renamed', () => em.ui.renameLabel('acme/app', 'x', 'y'), false);
  await step('label deleted', () => em.ui.deleteLabel('acme/app', 'y'), false);
  await step('closed', () => em.ui.closeIssue('acme/app', 1), true);
  await step('closed again', () => em.ui.closeIssue('acme/app', 1), false);
  await step('reopened', () => em.ui.reopenIssue('acme/app', 1), true);
  let comment = '';
  await step('comment added', () => (comment = em.ui.addComment('acme/app', 1, 'hi').id), true);
  await step('comment edited', () => em.ui.editComment('acme/app', comment, 'hello'), true);
  await step('comment deleted', () => em.ui.deleteComment('acme/app', comment), true);
  const snap = em.issues('acme/app')[0]!;
  t.like(snap, {title: 'new', body: 'a\r\nb', labels: [], state: 'OPEN', stateReason: 'REOPENED', comments: []});
  t.regex(snap.updatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const r = await gql(em, `{ repository(owner: "acme", name: "app") { issue(number: 1) { body lastEditedAt editor { login } closedAt } } }`);
  t.deepEqual(r.body.data.repository.issue, {body: 'a\r\nb', lastEditedAt: '2026-11-25T12:00:31Z', editor: {login: 'monalisa'}, closedAt: null});
  await em.close();
});

test('closeIssue reasons read back as GitHub reports them', async t => {
  const em = await seeded(2);
  const [a, b] = em.issues('acme/app');
  const close = (id: string, extra = '') => gql(em, `mutation($id: ID!) { closeIssue(input: {issueId: $id${extra}}) { issue { state stateReason closed closedAt } } }`, {id});
  t.like((await close(a!.id)).body.data.closeIssue.issue, {state: 'CLOSED', stateReason: 'COMPLETED', closed: true, closedAt: '2026-11-25T12:00:02Z'});
  await close(b!.id, `, duplicateIssueId: "${a!.id}"`);
  const read = await gql(em, `query($id: ID!) { node(id: $id) { ... on Issue { plain: stateReason dup: stateReason(enableDuplicate: true) } } }`, {id: b!.id});
  t.deepEqual(read.body.data.node, {plain: 'NOT_PLANNED', dup: 'DUPLICATE'});
  const reopen = await gql(em, `mutation($id: ID!) { reopenIssue(input: {issueId: $id}) { issue { state stateReason closedAt } } }`, {id: a!.id});
  t.deepEqual(reopen.body.data.reopenIssue.issue, {state: 'OPEN', stateReason: 'REOPENED', closedAt: null});
  await em.close();
});

test('comments: fullDatabaseId above 2^31 as a string, 32-bit databaseId null, creation order', async t => {
  const em = await seeded(1);
  em.ui.addComment('acme/app', 1, 'one');
  em.ui.addComment('acme/app', 1, 'two');
  const r = await gql(em, `{ repository(owner: "acme", name: "app") { issue(number: 1) { databaseId fullDatabaseId comments(first: 10) { totalCount nodes { body databaseId fullDatabaseId author { login } } } } } }`);
  const issue = r.body.data.repository.issue;
  t.is(typeof issue.databaseId, 'number');
  t.is(issue.fullDatabaseId, String(issue.databaseId));
  t.deepEqual(issue.comments.nodes.map((c: {body: string}) => c.body), ['one', 'two']);
  for (const c of issue.comments.nodes) {
    t.is(c.databaseId, null);
    t.true(BigInt(c.fullDatabaseId) > 2n ** 31n);
  }
  await em.close();
});

test('property: a full ASC walk from any since sees every issue updated at or after it, in order', async t => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({min: 0, max: 3}), {minLength: 1, maxLength: 12}), fc.integer({min: 0, max: 20}), fc.integer({min: 1, max: 4}), async (gaps, sinceOffset, first) => {
      const em = await startGitHubEmulator({startAt: START, freezeClock: true});
      em.createRepo('acme/app');
      for (const gap of gaps) {
        em.advanceClock(gap * 1000);
        em.ui.createIssue('acme/app', {title: 'x'});
      }
      const since = new Date(START.getTime() + sinceOffset * 1000).toISOString();
      const seen: number[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 50; guard++) {
        const page = await pull(em, {since, after, first});
        seen.push(...page.nodes.map(n => n.number));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      const expected = em.issues('acme/app').filter(i => i.updatedAt >= since.replace('.000Z', 'Z')).map(i => i.number);
      await em.close();
      return JSON.stringify(seen) === JSON.stringify(expected);
    }),
    {seed: 42, numRuns: Number(process.env.TD_EMULATOR_RUNS ?? 25)},
  );
  t.pass();
});
