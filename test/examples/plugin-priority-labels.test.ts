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

test('through the GitHub backend and the emulator: the new issue carries "priority: high" and td:p1; a person\'s label stays', async (t) => {
  const em = await startGitHubEmulator({seed: 7});
  t.teardown(() => em.close());
  em.createRepo('acme/app');
  const hooks = await hooksWith({labels: {P0: 'priority: urgent', P1: 'priority: high'}});
  const {context} = createTestContext({env: {GITHUB_TOKEN: em.token}, hooks, target: 'github:acme/app'});
  const config = validateConfig({repo: 'acme/app', baseUrl: em.url, writeSpacingMs: 0, maxWaitSeconds: 0, createsPerMinute: 100_000, createsPerHour: 1_000_000});
  const backend = await github.create(config, context);
  const now = new Date().toISOString();
  const row: JsonObject = {id: 'td-9f8e7d', title: 'Checkout page times out', description: 'p95 is 12 s', status: 'open', type: 'bug', priority: 'P1', labels: [], created_at: now, updated_at: now};
  const created = await backend.push([issueEvent(context.deviceId, context.sessionId, row)]);
  t.deepEqual(created.rejections, []);
  const [issue] = em.issues('acme/app');
  t.truthy(issue);
  t.true(issue!.labels.includes('priority: high'), `labels: ${issue!.labels.join(', ')}`);
  t.true(issue!.labels.includes('td:p1'));
  t.true(em.labels('acme/app').some((l) => l.name === 'priority: high'), 'the backend created the team label in the repository');

  // a person adds a label of their own; td's next push (a new title) leaves it alone
  em.ui.addLabels('acme/app', issue!.number, ['needs-design']);
  const next = {...row, title: 'Checkout page times out under load', updated_at: new Date().toISOString()};
  const updated = await backend.push([issueEvent(context.deviceId, context.sessionId, next, row)]);
  t.deepEqual(updated.rejections, []);
  const [after] = em.issues('acme/app');
  t.is(after!.title, 'Checkout page times out under load');
  t.true(after!.labels.includes('needs-design'));
  t.true(after!.labels.includes('priority: high'));
  await backend.close?.();
});
