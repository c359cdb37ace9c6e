/**
 * examples/td-sync-backend-jsonl, a third-party backend built only on td-sync-sdk:
 * - the SDK's conformance kit passes on it (every scenario that applies, real files);
 * - the kit catches a one-line bug planted in it (dedup switched off);
 * - installed like a stranger's package (into a project's node_modules, and with
 *   `td plugins link`), the built `td` finds it, validates it, and two projects sync through it.
 */
import test from 'ava';
import {appendFileSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import type {BackendDefinition, SyncBackend} from 'td-sync-sdk';
import {avaConformance, runConformance} from 'td-sync-sdk/testkit';
import {tempDir, td, tdAsync} from '../helpers/td.js';
import {EXAMPLES, importExample, installExample, project, writeConfig} from './helpers.js';

const definition = await importExample<BackendDefinition<{file: string}>>('td-sync-backend-jsonl');

avaConformance(test, {
  name: 'jsonl (example)',
  freshRemote: () => tempDir('td-jsonl-kit-'),
  disposeRemote: (dir: string) => rmSync(dir, {recursive: true, force: true}),
  definition,
  config: (dir: string) => ({file: join(dir, 'events.jsonl')}),
});

test('the kit fails the example when its dedup is switched off (re-pushed events stored twice)', async (t) => {
  const report = await runConformance({
    name: 'jsonl-without-dedup',
    freshRemote: () => tempDir('td-jsonl-broken-'),
    create: async (dir: string, context) => {
      const backend = (await definition.create({file: join(dir, 'events.jsonl')}, context)) as SyncBackend & {appender: {index: Map<string, number>}};
      // the planted bug: forget every identity before each push
      const push = backend.push.bind(backend);
      backend.push = async (events) => {
        backend.appender.index = new Map();
        (backend.appender as unknown as {indexedTo: number}).indexedTo = Number.MAX_SAFE_INTEGER;
        return push(events);
      };
      return backend;
    },
    switches: {only: ['idempotent-re-push', 'crash-before-record']},
  });
  t.is(report.passed.length, 0);
  t.deepEqual(report.failed.map((f) => f.scenario).sort(), ['crash-before-record', 'idempotent-re-push']);
  t.regex(report.failed[0]!.error.message, /jsonl-without-dedup failed conformance scenario/);
});

test('a torn last line (a writer killed mid-append) is skipped by readers and closed by the next writer', async (t) => {
  const dir = tempDir('td-jsonl-torn-');
  const file = join(dir, 'events.jsonl');
  const {createTestContext} = await import('td-sync-sdk/testkit');
  const a = createTestContext();
  const b = createTestContext();
  const mk = (c: typeof a) => definition.create(definition.validateConfig({file}), c.context) as SyncBackend;
  const event = (n: number) => ({
    clientActionId: n,
    deviceId: a.context.deviceId,
    sessionId: a.context.sessionId,
    actionType: 'create' as const,
    entityType: 'issues' as const,
    entityId: `td-${n}`,
    payload: {schemaVersion: 1, newData: {id: `td-${n}`, title: `task ${n}`}, previousData: null},
    clientTimestamp: new Date(0).toISOString(),
  });
  await mk(a).push([event(1)]);
  appendFileSync(file, '{"v":1,"event":{"clientAct'); // the crash
  const first = await mk(b).pull({cursor: null, limit: 10});
  t.deepEqual(first.events.map((e) => e.entityId), ['td-1'], 'the torn line is not handed out');
  await mk(a).push([event(2)]);
  const next = await mk(b).pull({cursor: first.cursor, limit: 10});
  t.deepEqual(next.events.map((e) => e.entityId), ['td-2']);
  t.true(b.logs.some((l) => l.level === 'warn' && /skipped the line/.test(l.message)));
  t.is(readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 3, 'two events and the torn line, on their own lines');
});

test('installed into node_modules like a stranger\'s package: td finds it, and two projects sync through one file', (t) => {
  const shared = tempDir('td-jsonl-shared-');
  const file = join(shared, 'team.jsonl');
  const [a, b] = [project(), project()];
  for (const p of [a, b]) {
    installExample(p.dir, 'td-sync-backend-jsonl');
    const backends = p.ok(['backends', '--json']).json<Array<{name: string; package: string; source: string; valid: boolean}>>();
    t.like(backends.find((x) => x.package === 'td-sync-backend-jsonl'), {name: 'jsonl', source: 'node_modules', valid: true});
    const init = p.ok(['sync', 'init', '--backend', 'jsonl', '--set', `file=${file}`, '--yes', '--json']).json<{target: string}>();
    t.is(init.target, `jsonl:${file}`);
  }
  const id = a.ok(['create', 'Ship the jsonl example', '--priority', 'P1', '--json']).json<{id: string}>().id;
  a.ok(['log', id, 'written by project A']);
  const pushed = a.ok(['sync', '--json']).json<{pushed: number; pending: number}>();
  t.is(pushed.pending, 0);
  t.true(pushed.pushed >= 2);
  const pulled = b.ok(['sync', '--json']).json<{applied: number}>();
  t.true(pulled.applied >= 2, JSON.stringify(pulled));
  const shown = b.ok(['show', id, '--json']).json<Record<string, unknown>>();
  t.like((shown.issue ?? shown) as object, {title: 'Ship the jsonl example', priority: 'P1'});
  b.ok(['update', id, '--priority', 'P0']);
  b.ok(['sync']);
  a.ok(['sync']);
  const back = a.ok(['show', id, '--json']).json<Record<string, unknown>>();
  t.like((back.issue ?? back) as object, {priority: 'P0'});
  // the file is plain JSON lines, one event each
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) t.is(JSON.parse(line).v, 1);
});

test('three td processes pushing to the same file at once: the lock keeps every line whole, every event once', async (t) => {
  const shared = tempDir('td-jsonl-race-');
  const file = join(shared, 'team.jsonl');
  const writers = [project(), project(), project()];
  const reader = project();
  for (const p of [...writers, reader]) {
    installExample(p.dir, 'td-sync-backend-jsonl');
    p.ok(['sync', 'init', '--backend', 'jsonl', '--set', `file=${file}`, '--yes']);
  }
  const ids: string[] = [];
  writers.forEach((p, w) => {
    for (let i = 0; i < 4; i++) ids.push(p.ok(['create', `writer ${w} task ${i}`, '--json']).json<{id: string}>().id);
  });
  const results = await Promise.all(writers.map((p) => tdAsync(p.dir, ['sync', '--push', '--json'], p.env)));
  for (const r of results) t.is(r.code, 0, r.stdout + r.stderr);
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as {event: {deviceId: string; sessionId: string; clientActionId: number}});
  const keys = lines.map((l) => `${l.event.deviceId}/${l.event.sessionId}/${l.event.clientActionId}`);
  t.is(new Set(keys).size, keys.length, 'no event stored twice');
  t.true(lines.length >= ids.length);
  reader.ok(['sync']);
  const listed = reader.ok(['list', '--json']).json<unknown>();
  for (const id of ids) t.true(JSON.stringify(listed).includes(id), `${id} reached the reader`);
});

test('td plugins link finds it as an oclif plugin (type link) and validates it', (t) => {
  const p = project();
  const link = p.td(['plugins', 'link', '--no-install', join(EXAMPLES, 'td-sync-backend-jsonl')]);
  t.is(link.code, 0, link.stdout + link.stderr);
  const backends = p.ok(['backends', '--json']).json<Array<{package: string; source: string; valid: boolean; root: string}>>();
  t.like(backends.find((x) => x.package === 'td-sync-backend-jsonl'), {source: 'link', valid: true});
  p.ok(['config', 'set', 'sync.backend', 'jsonl']);
  const bad = td(p.dir, ['sync', '--json'], p.env);
  t.is(bad.code, 1, 'no file configured: the backend refuses, naming the key');
  t.like(bad.json<{error: {code: string; message: string}}>().error, {code: 'jsonl_file_missing'});
  p.ok(['plugins', 'unlink', 'td-sync-backend-jsonl']);
  const after = p.ok(['backends', '--json']).json<Array<{package: string}>>();
  t.false(after.some((x) => x.package === 'td-sync-backend-jsonl'));
});

// keep the example's own README honest about its config key
test('the example declares its entry and is an oclif plugin, as td plugins install requires', (t) => {
  const pjson = JSON.parse(readFileSync(join(EXAMPLES, 'td-sync-backend-jsonl/package.json'), 'utf8'));
  t.deepEqual(pjson.oclif, {});
  t.is(pjson['td-sync'].backend, './index.js');
  t.is(definition.name, 'jsonl');
});
