/**
 * The engine against the real `dir` backend (in-process): projects doing random work converge
 * through a shared folder. (End-to-end runs with the built `td` live with the CLI's tests.)
 */
import test from 'ava';
import fc from 'fast-check';
import {createSyncHooks, type BackendDefinition} from 'td-sync-sdk';
import dir from 'td-sync-backend-dir';
import type {ResolvedTarget} from '../../packages/td-sync-cli/src/engine/api.js';
import {runSync} from '../../packages/td-sync-cli/src/engine/index.js';
import {scratchDir, tempProject} from './helpers/hub.js';
import {TdWriter, taskTables} from './helpers/td-writes.js';

const RUNS = Math.max(1, Math.floor(Number(process.env.TD_ENGINE_RUNS ?? 20) / 3));

function dirTarget(shared: string): ResolvedTarget {
  const definition = dir as unknown as BackendDefinition;
  const config = definition.validateConfig({path: shared});
  return {
    targetId: `dir:${definition.remoteId(config)}`, backendName: 'dir', packageName: 'td-sync-backend-dir', source: 'core',
    definition, config, hooks: createSyncHooks(),
    credentials: {env: () => undefined, readFile: async () => undefined, writeFile: async () => {}, deleteFile: async () => {}, redact: () => {}},
  };
}

test('two projects round-trip through a shared folder', async (t) => {
  const shared = scratchDir('td-shared-');
  const a = tempProject();
  const b = tempProject();
  const wa = new TdWriter(a);
  const x = wa.createIssue({title: 'Shared through a folder'});
  wa.addComment(x, 'hello from a');
  const ra = await runSync(a, dirTarget(shared), {});
  t.is(ra.pushed, 2);
  const rb = await runSync(b, dirTarget(shared), {});
  t.is(rb.applied, 2);
  t.deepEqual(taskTables(b), taskTables(a));
});

for (const n of [2, 3]) {
  test(`${n} projects converge through the dir backend after random work (fast-check, fixed seed)`, async (t) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({who: fc.nat(n - 1), op: fc.nat(5), pick: fc.nat(100)}), {minLength: 5, maxLength: 30}),
        async (ops) => {
          const shared = scratchDir('td-shared-');
          const stores = Array.from({length: n}, () => tempProject());
          const writers = stores.map((s, i) => new TdWriter(s, `ses_${i}`, Date.UTC(2026, 2, 1) + i * 7200_000));
          try {
            for (const {who, op, pick} of ops) {
              const w = writers[who];
              const ids = (w.db.prepare('SELECT id FROM issues ORDER BY id').all() as Array<{id: string}>).map((r) => r.id);
              const id = ids[pick % Math.max(1, ids.length)];
              if (op === 0 || !id) w.createIssue({title: `Folder task number ${pick}`});
              else if (op === 1) w.updateIssue(id, {title: `Folder task renamed ${pick}`});
              else if (op === 2) w.updateIssue(id, {status: ['open', 'in_progress', 'closed'][pick % 3]}, 'start');
              else if (op === 3) w.addComment(id, `comment ${pick}`);
              else if (op === 4) w.addDep(id, ids[(pick + 1) % ids.length]);
              else await runSync(stores[who], dirTarget(shared), {});
            }
            for (let round = 0; round < 2; round++) for (const s of stores) await runSync(s, dirTarget(shared), {});
            const tables = stores.map((s) => taskTables(s));
            for (const other of tables.slice(1)) t.deepEqual(other, tables[0]);
            return tables.every((x) => JSON.stringify(x) === JSON.stringify(tables[0]));
          } finally {
            for (const s of stores) s.close();
          }
        },
      ),
      {seed: 777 + n, numRuns: RUNS, endOnFailure: true},
    );
    t.pass();
  });
}
