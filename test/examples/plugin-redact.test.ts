/**
 * examples/td-sync-plugin-redact through a real `td sync` over the dir backend with the built
 * binary: the plugin is installed in project A's node_modules and named in its `.tdrc.json`;
 * secrets in A's tasks, logs and comments never reach the shared folder, B receives the redacted
 * text, and A's own database keeps the original.
 */
import test from 'ava';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import type {PluginDefinition, SyncEvent} from 'td-sync-sdk';
import {createSyncHooks} from 'td-sync-sdk';
import {tempDir} from '../helpers/td.js';
import {importExample, installExample, project, writeConfig, type Project} from './helpers.js';

/** Every byte under the shared folder, as text. */
function folderText(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    text += statSync(p).isDirectory() ? folderText(p) : readFileSync(p, 'utf8');
  }
  return text;
}

function team(pluginsOfA: unknown[]): {shared: string; a: Project; b: Project} {
  const shared = tempDir('td-redact-shared-');
  const a = project();
  const b = project();
  for (const p of [a, b]) p.ok(['sync', 'init', '--backend', 'dir', '--set', `path=${shared}`, '--yes']);
  installExample(a.dir, 'td-sync-plugin-redact');
  writeConfig(a, {plugins: pluginsOfA});
  return {shared, a, b};
}

const GH_TOKEN = `ghp_${'Z9'.repeat(18)}`;
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const DB_PASSWORD = 'pg-Pa55word-2026';

test('secrets in a task, a log and a comment never reach the folder; B gets them redacted; A keeps them', (t) => {
  const {shared, a, b} = team(['redact']);
  const id = a
    .ok(['create', 'Rotate the CI credentials', '--description', `old token ${GH_TOKEN} and key ${AWS_KEY} leaked in the build log`, '--json'])
    .json<{id: string}>().id;
  a.ok(['log', id, `tried postgres://ci:${DB_PASSWORD}@db.internal:5432/app, still failing`]);
  a.ok(['comment', id, `password=${DB_PASSWORD} was in .env too`]);
  const pushed = a.ok(['sync', '--json']).json<{pushed: number; pending: number}>();
  t.is(pushed.pending, 0);
  t.true(pushed.pushed >= 3);

  const stored = folderText(shared);
  for (const secret of [GH_TOKEN, AWS_KEY, DB_PASSWORD]) t.false(stored.includes(secret), `${secret} is in the shared folder`);
  t.true(stored.includes('[redacted]'));

  b.ok(['sync']);
  const onB = b.ok(['show', id, '--json']).json<Record<string, any>>();
  const issueB = (onB.issue ?? onB) as {title: string; description: string};
  t.is(issueB.title, 'Rotate the CI credentials');
  t.is(issueB.description, 'old token [redacted] and key [redacted] leaked in the build log');
  const textOnB = JSON.stringify(onB);
  for (const secret of [GH_TOKEN, AWS_KEY, DB_PASSWORD]) t.false(textOnB.includes(secret));
  t.true(textOnB.includes('postgres://ci:[redacted]@db.internal'), 'the log arrived with the password cut out of the URL');

  const onA = a.ok(['show', id, '--json']).json<Record<string, any>>();
  t.true(JSON.stringify(onA).includes(GH_TOKEN), 'the local database is untouched');
  t.true(JSON.stringify(onA).includes(DB_PASSWORD));
});

test('options: a custom pattern and replacement, given as ["redact", {...}] in .tdrc.json', (t) => {
  const {shared, a, b} = team([['redact', {replacement: '<cut>', patterns: ['ACME-[0-9]{6}']}]]);
  const id = a.ok(['create', 'Customer ACME-123456 asked for a refund', '--json']).json<{id: string}>().id;
  a.ok(['sync']);
  t.false(folderText(shared).includes('ACME-123456'));
  b.ok(['sync']);
  const onB = b.ok(['show', id, '--json']).json<Record<string, any>>();
  t.is(((onB.issue ?? onB) as {title: string}).title, 'Customer <cut> asked for a refund');
});

test('text that only mentions secrets is left alone (no false positives on ordinary task text)', async (t) => {
  const plugin = await importExample<PluginDefinition>('td-sync-plugin-redact');
  const hooks = createSyncHooks();
  const logs: string[] = [];
  const logger = {debug() {}, info: (m: string) => void logs.push(m), warn() {}, error() {}};
  await plugin.apply(hooks, {projectRoot: '/tmp', options: {}, logger});
  const event = (text: string): SyncEvent => ({
    clientActionId: 1,
    deviceId: 'd'.repeat(32),
    sessionId: 'ses_1',
    actionType: 'create',
    entityType: 'issues',
    entityId: 'td-1',
    payload: {schemaVersion: 1, newData: {id: 'td-1', title: text, labels: ['security']}, previousData: null},
    clientTimestamp: new Date(0).toISOString(),
  });
  const plain = ['Reset the password form layout', 'Document the token refresh flow', 'Use Bearer auth for the API (see docs)', 'sk-learn upgrade'];
  const out = await hooks.beforePush.promise(plain.map(event), {target: 'dir:/x', backend: 'dir', dryRun: false});
  t.deepEqual(out.map((e) => e.payload.newData!.title), plain);
  t.deepEqual(logs, []);
  const [secret] = await hooks.beforePush.promise([event(`token: ${GH_TOKEN}`)], {target: 'dir:/x', backend: 'dir', dryRun: false});
  t.is(secret!.payload.newData!.title, 'token: [redacted]');
  t.deepEqual(secret!.payload.newData!.labels, ['security'], 'other fields and arrays are kept');
  t.is(logs.length, 1);
  t.false(logs[0]!.includes(GH_TOKEN), 'the log line names the kind of secret, not the secret');
});
