/**
 * Acceptance (issue 6): a person edits a task's title in the GitHub UI while project A edits the
 * same title locally; `td sync` hands the conflict to a plugin's `onConflict` tap, and the
 * outcome follows the tap in td and, after the next sync, on GitHub. Through the built `td`, with
 * the backend found in the project's node_modules and the plugin loaded from `.tdrc.json`.
 */
import test from 'ava';
import {mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import {newProject, REPO, tdAsync, type TdResult} from '../helpers/td.js';
import {emulator} from './harness.js';

interface Call {
  entityType: string;
  entityId: string;
  localTitle: unknown;
  remoteTitle: unknown;
  action: string;
}

/** A plugin whose onConflict tap appends each call to a file and answers `winner`. */
function pluginSource(logFile: string, winner: 'local' | 'remote'): string {
  return `export default {
  apiVersion: 1,
  name: 'conflict-recorder',
  apply(hooks) {
    hooks.onConflict.tapPromise('conflict-recorder', async (c) => {
      const nd = c.remote.payload.newData ?? {};
      const remote = nd.issue && typeof nd.issue === 'object' ? nd.issue : nd;
      const {appendFileSync} = await import('node:fs');
      appendFileSync(${JSON.stringify(logFile)}, JSON.stringify({entityType: c.entityType, entityId: c.entityId, localTitle: c.local && c.local.title, remoteTitle: remote.title, action: c.remote.actionType}) + '\\n');
      return {winner: ${JSON.stringify(winner)}};
    });
  },
};
`;
}

async function project(url: string, token: string, plugin?: string) {
  const p = newProject({GITHUB_TOKEN: token});
  mkdirSync(join(p.dir, 'node_modules'), {recursive: true});
  symlinkSync(join(REPO, 'packages/td-sync-backend-github'), join(p.dir, 'node_modules/td-sync-backend-github'), 'dir');
  for (const [k, v] of [['sync.backend', 'github'], ['sync.github.repo', 'acme/app'], ['sync.github.baseUrl', url], ['sync.github.writeSpacingMs', '0']]) {
    const r = p.td(['config', 'set', k!, v!]);
    if (r.code !== 0) throw new Error(r.stdout + r.stderr);
  }
  if (plugin) {
    writeFileSync(join(p.dir, 'plugin.mjs'), plugin);
    const rcPath = join(p.dir, '.tdrc.json');
    const rc = JSON.parse(readFileSync(rcPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(rcPath, JSON.stringify({...rc, plugins: ['./plugin.mjs']}, null, 2));
  }
  const run = async (args: string[]): Promise<TdResult> => {
    const r = await tdAsync(p.dir, args, p.env);
    if (r.code !== 0) throw new Error(`td ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const title = async (id: string) => {
    const r = (await run(['show', id, '--json'])).json<Record<string, any>>();
    return ((r.issue ?? r) as {title: string}).title;
  };
  return {...p, run, title};
}

// Both orders: whichever edit is later (the default's winner), the tap's answer decides.
for (const [winner, later] of [['local', 'ui'], ['remote', 'ui'], ['local', 'td'], ['remote', 'td']] as const) {
  test(`a title edited in td and in the GitHub UI (${later} edit later) goes through onConflict; the tap's "${winner}" holds in td and on GitHub`, async (t) => {
    const em = await emulator();
    t.teardown(() => em.close());
    const dir = newProject().dir; // a scratch folder for the tap's record
    const logFile = join(dir, 'conflicts.jsonl');
    const a = await project(em.url, em.token, pluginSource(logFile, winner));

    const id = (await a.run(['create', 'Checkout page times out', '--json'])).json<{id: string}>().id;
    await a.run(['sync', '--json']);
    const issue = em.issues('acme/app')[0]!;
    t.is(issue.title, 'Checkout page times out');
    t.false(existsSync(logFile), 'no conflict while only td edits');

    const tdEdit = () => a.run(['update', id, '--title', 'Checkout: title from td']);
    const uiEdit = () => em.ui.editIssue('acme/app', issue.number, {title: 'Checkout: title from the GitHub UI'});
    if (later === 'ui') {
      await tdEdit();
      em.advanceClock(2000);
      uiEdit();
    } else {
      uiEdit();
      // GitHub times have one-second resolution and a same-second change counts as the later one.
      await new Promise((r) => setTimeout(r, 1100));
      await tdEdit();
    }

    await a.run(['sync', '--json']);
    t.true(existsSync(logFile), 'td sync called the onConflict tap');
    const calls = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Call);
    const mine = calls.filter((c) => c.entityId === id);
    t.true(mine.length >= 1, JSON.stringify(calls));
    t.like(mine[0]!, {entityType: 'issues', entityId: id, localTitle: 'Checkout: title from td', remoteTitle: 'Checkout: title from the GitHub UI'});

    const expected = winner === 'local' ? 'Checkout: title from td' : 'Checkout: title from the GitHub UI';
    t.is(await a.title(id), expected, 'td follows the tap');
    await a.run(['sync', '--json']);
    t.is(em.issues('acme/app')[0]!.title, expected, 'GitHub follows the tap after the next sync');
    t.is(await a.title(id), expected, 'and td keeps it');
    t.is(em.issues('acme/app').length, 1);
  });
}

test('without an onConflict tap the later edit wins (td edit later): td and GitHub agree and stay quiet', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const a = await project(em.url, em.token);
  const id = (await a.run(['create', 'Checkout page times out', '--json'])).json<{id: string}>().id;
  await a.run(['sync', '--json']);
  const issue = em.issues('acme/app')[0]!;
  em.ui.editIssue('acme/app', issue.number, {title: 'Checkout: title from the GitHub UI'});
  await new Promise((r) => setTimeout(r, 1100));
  await a.run(['update', id, '--title', 'Checkout: title from td']);
  await a.run(['sync', '--json']);
  const second = (await a.run(['sync', '--json'])).json<{pushed: number}>();
  t.is(await a.title(id), 'Checkout: title from td');
  t.is(em.issues('acme/app')[0]!.title, 'Checkout: title from td');
  const quiet = (await a.run(['sync', '--json'])).json<{pushed: number; applied: number}>();
  t.is(quiet.pushed, 0, JSON.stringify({second, quiet}));
  t.is(em.issues('acme/app').length, 1);
});
