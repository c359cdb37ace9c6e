/**
 * The code in the SDK README is real: its one-screen backend passes the conformance kit, and the
 * two taps shown in its hook section behave as the text says.
 */
import test from 'ava';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import type {BackendDefinition} from 'td-sync-sdk';
import {createSyncHooks} from 'td-sync-sdk';
import {runConformance} from 'td-sync-sdk/testkit';
import {REPO, tempDir} from '../helpers/td.js';

const readme = readFileSync(join(REPO, 'packages/td-sync-sdk/README.md'), 'utf8');
const jsBlocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
const sdkUrl = pathToFileURL(join(REPO, 'packages/td-sync-sdk/dist/index.js')).href;

test('the README backend passes every conformance scenario', async (t) => {
  const source = jsBlocks.find((b) => b.includes('defineBackend('));
  t.truthy(source, 'the README has a defineBackend example');
  const file = join(tempDir('td-readme-'), 'memo.mjs');
  writeFileSync(file, source!.replaceAll("from 'td-sync-sdk'", `from ${JSON.stringify(sdkUrl)}`));
  const backend = ((await import(pathToFileURL(file).href)) as {default: BackendDefinition}).default;
  let n = 0;
  const report = await runConformance({name: 'readme-memo', freshRemote: () => `space-${++n}-${Date.now()}`, definition: backend, config: (space: string) => ({space})});
  t.deepEqual(report.failed.map((f) => `${f.scenario}: ${f.error.message}`), []);
  t.true(report.passed.length >= 10, report.passed.join(' | '));
});

test('the README taps: beforePush drops notes, onConflict lets the remote win for comments only', async (t) => {
  const taps = jsBlocks.find((b) => b.includes('hooks.beforePush.tapPromise'));
  t.truthy(taps);
  const hooks = createSyncHooks();
  new Function('hooks', taps!)(hooks);
  const ev = (entityType: string) => ({entityType}) as never;
  const ctx = {target: 't:x', backend: 't', dryRun: false};
  t.deepEqual((await hooks.beforePush.promise([ev('issues'), ev('notes'), ev('logs')], ctx)).map((e) => e.entityType), ['issues', 'logs']);
  t.deepEqual(await hooks.onConflict.promise({entityType: 'comments'} as never, ctx), {winner: 'remote'});
  t.is(await hooks.onConflict.promise({entityType: 'issues'} as never, ctx), undefined);
});
