/**
 * examples/td-sync-plugin-priority-labels: its `mapEvent` tap called the way the GitHub backend
 * calls it, then the real GitHub backend pushing through it to the GitHub emulator (in process,
 * 127.0.0.1): a new issue carries the team's label next to td's own, and a person's label set on
 * GitHub is never taken off by td.
 */
import test from 'ava';
import type {JsonObject, PluginDefinition, RunContext, SyncEvent} from 'td-sync-sdk';
import {createSyncHooks} from 'td-sync-sdk';
import {createTestContext} from 'td-sync-sdk/testkit';
import github, {validateConfig} from '../../packages/td-sync-backend-github/src/index.js';
import {startGitHubEmulator} from '../github-emulator/index.js';
import {importExample} from './helpers.js';

const plugin = await importExample<PluginDefinition>('td-sync-plugin-priority-labels');
const GITHUB: RunContext = {target: 'github:acme/app', backend: 'github', dryRun: false};
const quiet = {debug() {}, info() {}, warn() {}, error() {}};

async function hooksWith(options: JsonObject) {
  const hooks = createSyncHooks();
  await plugin.apply(hooks, {projectRoot: '/tmp', options, logger: quiet});
  return hooks;
}

let seq = 0;
function issueEvent(deviceId: string, sessionId: string, row: JsonObject, previous: JsonObject | null = null): SyncEvent {
  return {
    clientActionId: ++seq,
    deviceId,
    sessionId,
    actionType: previous ? 'update' : 'create',
    entityType: 'issues',
    entityId: String(row.id),
    payload: {schemaVersion: 1, newData: row, previousData: previous},
    clientTimestamp: new Date().toISOString(),
  };
}

const draft = (priority: string, labels = ['td:managed', 'td:open', `td:${priority.toLowerCase()}`, 'td:task']): JsonObject => ({
  kind: 'issue',
  tdId: 'td-a1b2c3',
  title: 'Checkout page times out',
  text: '',
  row: {id: 'td-a1b2c3', title: 'Checkout page times out', priority, status: 'open', type: 'task'},
  labels,
  state: 'OPEN',
  stateReason: null,
  parentTdId: '',
  deps: [],
});

test('mapEvent as the GitHub backend calls it: the team label joins td\'s labels; records and other backends pass through', async (t) => {
  const hooks = await hooksWith({labels: {P0: 'priority: urgent', P1: 'priority: high'}});
  const event = issueEvent('d'.repeat(32), 'ses_1', {id: 'td-a1b2c3', priority: 'P1'});
  const out = await hooks.mapEvent.promise(draft('P1'), event, GITHUB);
  t.deepEqual(out.labels, ['td:managed', 'td:open', 'td:p1', 'td:task', 'priority: high']);
  t.is(out.title, 'Checkout page times out', 'the rest of the draft is unchanged');

  const noTeamLabel = await hooks.mapEvent.promise(draft('P3'), event, GITHUB);
  t.deepEqual(noTeamLabel.labels, ['td:managed', 'td:open', 'td:p3', 'td:task'], 'a priority left out of the table gets no team label');

  const comment = {kind: 'comment', tdId: 'cm-1', issueTdId: 'td-a1b2c3', record: {text: 'hi'}};
  t.deepEqual(await hooks.mapEvent.promise(comment, event, GITHUB), comment);
  const dirRecord = {...event} as unknown as JsonObject;
  t.is(await hooks.mapEvent.promise(dirRecord, event, {target: 'dir:/x', backend: 'dir', dryRun: false}), dirRecord);

  const replacing = await hooksWith({labels: {P1: 'priority: high'}, replaceTdLabels: true});
  t.deepEqual((await replacing.mapEvent.promise(draft('P1'), event, GITHUB)).labels, ['td:managed', 'td:open', 'td:task', 'priority: high']);

  const defaults = await hooksWith({});
  t.deepEqual((await defaults.mapEvent.promise(draft('P0'), event, GITHUB)).labels, ['td:managed', 'td:open', 'td:p0', 'td:task', 'priority: critical']);
});

test('bad options fail at apply time with a message naming the option', async (t) => {
  await t.throwsAsync(hooksWith({labels: {P9: 'x'}}), {message: /"P9" is not a td priority/});
  await t.throwsAsync(hooksWith({labels: ['P1']}), {message: /option "labels" must map td priorities/});
  await t.throwsAsync(hooksWith({labels: {P1: ''}}), {message: /label for P1/});
});

/**
 * Through the real GitHub backend and the emulator: the backend attaches a draft's labels outside
 * its `td:` prefix when the repository already has them (never creating one), and takes one off
 * again only when td attached it; a person's labels stay.
 */
test('through the GitHub backend and the emulator: the team label lands on the issue, follows the priority, and a person\'s labels stay', async (t) => {
  const em = await startGitHubEmulator({seed: 7});
  t.teardown(() => em.close());
  em.createRepo('acme/app');
  em.ui.createLabel('acme/app', {name: 'priority: high', color: 'd93f0b'});
  em.ui.createLabel('acme/app', {name: 'priority: low', color: 'c2e0c6'});
  const hooks = await hooksWith({labels: {P0: 'priority: urgent', P1: 'priority: high', P3: 'priority: low'}});
  const seen: JsonObject[] = [];
  hooks.mapEvent.tapPromise('spy', async (d) => (seen.push(d), d));
  const {context} = createTestContext({env: {GITHUB_TOKEN: em.token}, hooks, target: 'github:acme/app'});
  const config = validateConfig({repo: 'acme/app', baseUrl: em.url, writeSpacingMs: 0, maxWaitSeconds: 0, createsPerMinute: 100_000, createsPerHour: 1_000_000});
  const backend = await github.create(config, context);
  const now = new Date().toISOString();
  const row: JsonObject = {id: 'td-9f8e7d', title: 'Checkout page times out', description: 'p95 is 12 s', status: 'open', type: 'bug', priority: 'P1', labels: [], created_at: now, updated_at: now};
  const created = await backend.push([issueEvent(context.deviceId, context.sessionId, row)]);
  t.deepEqual(created.rejections, []);
  t.is(created.acks.length, 1);
  t.true((seen[0]!.labels as string[]).includes('priority: high'), 'the backend called mapEvent and got the plugin\'s draft');
  const [issue] = em.issues('acme/app');
  t.truthy(issue);
  for (const l of ['td:managed', 'td:open', 'td:p1', 'td:bug', 'priority: high']) t.true(issue!.labels.includes(l), `${l} in ${issue!.labels.join(', ')}`);

  // P0: its team label does not exist in the repository, so td neither creates nor attaches it;
  // "priority: high" was attached by td and the draft dropped it, so td takes it off.
  em.ui.addLabels('acme/app', issue!.number, ['needs-design']);
  const p0 = {...row, title: 'Checkout page times out under load', priority: 'P0', updated_at: new Date().toISOString()};
  const updated = await backend.push([issueEvent(context.deviceId, context.sessionId, p0, row)]);
  t.deepEqual(updated.rejections, []);
  const [after] = em.issues('acme/app');
  t.is(after!.title, 'Checkout page times out under load');
  t.true(after!.labels.includes('needs-design'), 'a person\'s label is never taken off');
  t.true(after!.labels.includes('td:p0'));
  t.false(after!.labels.includes('td:p1'));
  t.false(after!.labels.includes('priority: high'), 'td took off the team label it had attached');
  t.false(after!.labels.includes('priority: urgent'));
  t.false(em.labels('acme/app').some((l) => l.name === 'priority: urgent'), 'td creates no label outside its prefix');

  // A person puts "priority: high" on by hand; td moves to P3: "priority: low" joins, the person's label stays.
  em.ui.addLabels('acme/app', issue!.number, ['priority: high']);
  const p3 = {...p0, priority: 'P3', updated_at: new Date().toISOString()};
  t.deepEqual((await backend.push([issueEvent(context.deviceId, context.sessionId, p3, p0)])).rejections, []);
  const [third] = em.issues('acme/app');
  t.true(third!.labels.includes('priority: high'), 'a label a person added is never removed, even one the plugin knows');
  t.true(third!.labels.includes('priority: low'));
  t.true(third!.labels.includes('needs-design'));

  // The person takes td's "priority: low" off: td respects that on the next push of the same priority.
  em.ui.removeLabels('acme/app', issue!.number, ['priority: low']);
  const p3b = {...p3, title: 'Checkout page times out under heavy load', updated_at: new Date().toISOString()};
  t.deepEqual((await backend.push([issueEvent(context.deviceId, context.sessionId, p3b, p3)])).rejections, []);
  const [fourth] = em.issues('acme/app');
  t.false(fourth!.labels.includes('priority: low'), 'td does not put back a label a person took off');
  t.true(fourth!.labels.includes('priority: high'));
  await backend.close?.();
});

test('through the GitHub backend: a team label deleted from the repository between runs is left out, the issue is still created', async (t) => {
  const em = await startGitHubEmulator({seed: 8});
  t.teardown(() => em.close());
  em.createRepo('acme/app');
  em.ui.createLabel('acme/app', {name: 'priority: high', color: 'd93f0b'});
  const hooks = await hooksWith({labels: {P1: 'priority: high'}});
  const {context} = createTestContext({env: {GITHUB_TOKEN: em.token}, hooks, target: 'github:acme/app'});
  const config = validateConfig({repo: 'acme/app', baseUrl: em.url, writeSpacingMs: 0, maxWaitSeconds: 0, createsPerMinute: 100_000, createsPerHour: 1_000_000});
  const now = new Date().toISOString();
  const row = (id: string): JsonObject => ({id, title: `Task ${id} with a team label`, description: '', status: 'open', type: 'task', priority: 'P1', labels: [], created_at: now, updated_at: now});

  const first = await github.create(config, context); // one `td sync` run
  t.deepEqual((await first.push([issueEvent(context.deviceId, context.sessionId, row('td-111111'))])).rejections, []);
  await first.close?.();
  t.true(em.issues('acme/app')[0]!.labels.includes('priority: high'));

  em.ui.deleteLabel('acme/app', 'priority: high');
  const second = await github.create(config, context); // the next run, same state
  const r = await second.push([issueEvent(context.deviceId, context.sessionId, row('td-222222'))]);
  t.deepEqual(r.rejections, []);
  t.is(r.acks.length, 1);
  const made = em.issues('acme/app').find((i) => i.body.includes('td-222222'))!;
  t.truthy(made, 'the issue was created');
  t.true(made.labels.includes('td:p1'));
  t.false(made.labels.includes('priority: high'));
  t.false(em.labels('acme/app').some((l) => l.name === 'priority: high'), 'td did not recreate the team label');
  await second.close?.();
});
