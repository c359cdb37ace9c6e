import test from 'ava';
import {LabelScheme} from '../src/labels.js';
import {blockFor, changedKeys, issueDraft, shownTitle, viewOf, type RemoteIssue} from '../src/mapping.js';
import {fitBody, parseBody} from '../src/markers.js';
import {decodeCursor, encodeCursor, nextCursor, sinceFor} from '../src/cursor.js';
import {Pacer} from '../src/pacing.js';
import {validateConfig, remoteId, graphqlUrl} from '../src/config.js';

const scheme = new LabelScheme('td:', 'td:managed');

const row = {
  id: 'td-abc123',
  title: 'Make login faster',
  description: 'Steps:\n1. profile\n2. fix',
  status: 'in_progress',
  type: 'bug',
  priority: 'P1',
  points: 5,
  labels: ['perf'],
  parent_id: 'td-epic01',
  acceptance: 'p95 < 200ms',
  implementer_session: 'ses_aaaaaa',
  creator_session: 'ses_bbbbbb',
  reviewer_session: '',
  created_at: '2026-01-01T10:00:00Z',
  updated_at: '2026-01-02T10:00:00Z',
  minor: false,
  defer_count: 0,
};

function asRemote(draft: ReturnType<typeof issueDraft>, over: Partial<RemoteIssue> = {}): RemoteIssue {
  const title = shownTitle(draft.title);
  const fit = fitBody(draft.text, blockFor(draft, title));
  return {
    id: 'I_1',
    number: 1,
    title,
    body: fit.body,
    state: draft.state,
    stateReason: draft.stateReason,
    createdAt: '2026-01-03T00:00:00Z',
    updatedAt: '2026-01-03T00:00:00Z',
    closedAt: draft.state === 'CLOSED' ? '2026-01-03T00:00:00Z' : null,
    labels: {nodes: draft.labels.map((n, i) => ({id: `L${i}`, name: n}))},
    parent: {id: 'I_epic'},
    ...over,
  };
}

const view = (remote: RemoteIssue, extra: Partial<Parameters<typeof viewOf>[0]> = {}) =>
  viewOf({remote, parsed: parseBody(remote.body), tdId: 'td-abc123', labels: scheme, parentTdId: 'td-epic01', ...extra});

test('labels: one per kind, namespaced, status only while open', (t) => {
  t.deepEqual(issueDraft(row, [], scheme).labels, ['td:managed', 'td:in-progress', 'td:p1', 'td:bug']);
  t.deepEqual(issueDraft({...row, status: 'closed'}, [], scheme).labels, ['td:managed', 'td:p1', 'td:bug']);
  t.is(scheme.classify('td:in-review')?.value, 'in_review');
  t.is(scheme.classify('bug'), undefined, 'a person label is not td-owned');
  t.deepEqual(scheme.read(['td:p1', 'td:p3'], ['td:p1']), {priority: 'P3'}, 'the label a person just added wins');
});

test('what td writes reads back as the same td row (no echo)', (t) => {
  for (const r of [row, {...row, status: 'closed', closed_at: '2026-01-02T11:00:00Z'}, {...row, deleted_at: '2026-01-02T12:00:00Z'}, {...row, status: 'open', implementer_session: ''}]) {
    const d = issueDraft(r, ['td-def456'], scheme);
    const v = view(asRemote(d));
    t.deepEqual(changedKeys(r, v.row), [], JSON.stringify(r));
    t.deepEqual(v.deps, ['td-def456']);
  }
});

test('closed -> COMPLETED, deleted -> NOT_PLANNED', (t) => {
  t.like(issueDraft({...row, status: 'closed'}, [], scheme), {state: 'CLOSED', stateReason: 'COMPLETED'});
  t.like(issueDraft({...row, deleted_at: 'x'}, [], scheme), {state: 'CLOSED', stateReason: 'NOT_PLANNED'});
});

test('a long title is cut for GitHub but comes back whole', (t) => {
  const long = {...row, title: 'x'.repeat(300)};
  const d = issueDraft(long, [], scheme);
  const remote = asRemote(d);
  t.is(remote.title.length, 256);
  t.is(view(remote).row.title, long.title);
});

test('UI edits become td field changes stamped with GitHub time', (t) => {
  const d = issueDraft(row, [], scheme);
  const before = view(asRemote(d)).row;
  const edited = asRemote(d, {
    title: 'Make login much faster',
    body: asRemote(d).body.replace('Steps:', 'Plan:'),
    labels: {nodes: [{id: 'a', name: 'td:managed'}, {id: 'b', name: 'td:in-review'}, {id: 'c', name: 'td:p0'}, {id: 'd', name: 'td:bug'}, {id: 'e', name: 'needs-design'}]},
    updatedAt: '2026-02-01T00:00:00Z',
  });
  const after = view(edited, {previousLabels: d.labels}).row;
  t.deepEqual(changedKeys(before, after), ['description', 'priority', 'status', 'title', 'updated_at']);
  t.is(after.updated_at, '2026-02-01T00:00:00Z');
  t.is(after.status, 'in_review');
  t.is(after.priority, 'P0');
  t.is(after.description, 'Plan:\n1. profile\n2. fix');
});

test('closing and reopening in the UI', (t) => {
  const d = issueDraft(row, [], scheme);
  const closed = view(asRemote(d, {state: 'CLOSED', stateReason: 'COMPLETED', closedAt: '2026-02-02T00:00:00Z'})).row;
  t.is(closed.status, 'closed');
  t.is(closed.closed_at, '2026-02-02T00:00:00Z');
  const dropped = view(asRemote(d, {state: 'CLOSED', stateReason: 'NOT_PLANNED', closedAt: '2026-02-02T00:00:00Z'})).row;
  t.is(dropped.deleted_at, '2026-02-02T00:00:00Z');
  const dc = issueDraft({...row, status: 'closed', closed_at: 'x'}, [], scheme);
  const reopened = view(asRemote(dc, {state: 'OPEN', stateReason: 'REOPENED', labels: {nodes: [{id: 'a', name: 'td:managed'}]}})).row;
  t.is(reopened.status, 'open');
  t.is(reopened.closed_at, undefined);
});

test('a mangled block falls back to the last block seen', (t) => {
  const d = issueDraft(row, ['td-def456'], scheme);
  const good = asRemote(d);
  const block = parseBody(good.body).fields;
  const broken = {...good, body: good.body.replace('"points"', '"pts'), updatedAt: '2026-02-01T00:00:00Z'};
  const v = view(broken, {fallback: block});
  t.is(v.row.points, 5);
  t.deepEqual(v.deps, ['td-def456']);
  t.is(v.row.description, row.description);
});

test('an issue made on GitHub becomes a td task with defaults', (t) => {
  const remote: RemoteIssue = {id: 'I_9', number: 9, title: 'From the UI', body: 'hello', state: 'OPEN', createdAt: '2026-03-01T00:00:00Z', updatedAt: '2026-03-01T00:00:00Z', labels: {nodes: [{id: 'x', name: 'td:p3'}]}};
  const v = viewOf({remote, parsed: parseBody(remote.body), tdId: 'td-999999', labels: scheme});
  t.like(v.row, {id: 'td-999999', title: 'From the UI', description: 'hello', status: 'open', priority: 'P3', type: 'task'});
});

test('cursor: paging keeps since; the watermark moves only after the last page, by server time', (t) => {
  const c0 = decodeCursor(null);
  t.is(sinceFor(c0, 120), null);
  const c1 = nextCursor(c0, null, '2026-01-01T00:00:05Z', 'abc', true);
  t.is(c1.a, 'abc');
  t.is(c1.w, null);
  const c2 = nextCursor(decodeCursor(encodeCursor(c1)), null, '2026-01-01T00:00:09Z', null, false);
  t.is(c2.w, '2026-01-01T00:00:09Z');
  t.is(sinceFor(c2, 120), '2025-12-31T23:58:09Z');
  t.deepEqual(decodeCursor('garbage'), {v: 1, w: null});
  const c3 = nextCursor(c2, sinceFor(c2, 120), null, null, false);
  t.is(c3.w, c2.w, 'an empty page keeps the watermark');
});

test('pacer: creations beyond the minute budget wait; beyond the allowed wait they stop with retryAt', async (t) => {
  let now = 1_000_000;
  const slept: number[] = [];
  const p = new Pacer({spacingMs: 0, perMinute: 3, perHour: 5, maxWaitSeconds: 30, now: () => new Date(now), sleep: async (ms) => void slept.push(ms)});
  await p.beforeWrite(2);
  p.afterWrite(2);
  now += 40_000;
  await p.beforeWrite(2); // 4 > 3 in the minute: wait 20s (< 30s allowed)
  t.deepEqual(slept, [20_000]);
  now += 20_000;
  p.afterWrite(2);
  const err = await t.throwsAsync(p.beforeWrite(2)); // 6 > 5 in the hour
  t.is((err as {kind?: string}).kind, 'rate_limit');
  t.true((err as unknown as {retryAt: Date}).retryAt.getTime() > now);
});

test('config: defaults, remote id, GHE GraphQL URL, refuses tokens', (t) => {
  const c = validateConfig({repo: 'acme/app'});
  t.like(c, {owner: 'acme', name: 'app', managedLabel: 'td:managed', labelPrefix: 'td:', import: 'managed', pageSize: 50});
  t.is(remoteId(c), 'acme/app');
  t.is(remoteId(validateConfig({repo: 'acme/app', baseUrl: 'http://127.0.0.1:4000'})), '127.0.0.1:4000/acme/app');
  t.is(graphqlUrl('https://ghe.example/api/v3'), 'https://ghe.example/api/graphql');
  t.is(graphqlUrl('http://127.0.0.1:4000'), 'http://127.0.0.1:4000/graphql');
  t.throws(() => validateConfig({repo: 'acme/app', token: 'ghp_x'}), {message: /never live in config/});
  t.throws(() => validateConfig({}), {message: /sync.github.repo/});
  t.throws(() => validateConfig({repo: 'nope'}), {message: /owner\/name/});
  t.is(validateConfig({repo: 'a/b', pageSize: '20', import: 'all'}).pageSize, 20);
});
