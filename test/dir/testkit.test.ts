/**
 * The SDK's conformance kit: it passes on the real `dir` backend (every scenario, real folders)
 * and fails, naming the scenario and the problem, on three deliberately broken backends.
 */
import test from 'ava';
import {rmSync} from 'node:fs';
import dirBackend from 'td-sync-backend-dir';
import {avaConformance, conformanceCases, runConformance, type ConformanceOptions} from 'td-sync-sdk/testkit';
import {tempDir} from '../helpers/td.js';
import {armRateLimit, CursorPastUnapplied, WrongToken, DuplicatesOnReplay, freshMemoryRemote, LosesEventOnPagination, MemoryBackend, type MemoryRemote} from './broken-backends.js';
import type {SyncEvent} from 'td-sync-sdk';

// Every scenario against real folders; small segments so pagination crosses segment files.
avaConformance(test, {
  name: 'dir',
  freshRemote: () => tempDir('td-dir-kit-'),
  disposeRemote: (path) => rmSync(path, {recursive: true, force: true}),
  definition: dirBackend,
  config: (path) => ({path, segmentBytes: 2048}),
  switches: {largePayloadBytes: 2 * 1024 * 1024},
});

const memory = (name: string, make: (remote: MemoryRemote, ctx: any) => MemoryBackend): ConformanceOptions<MemoryRemote> => ({
  name,
  freshRemote: freshMemoryRemote,
  create: (remote, context) => make(remote, context),
});

test('the kit passes on a correct in-memory backend (the broken ones differ from it by one bug each)', async (t) => {
  const report = await runConformance({
    ...memory('memory', (r, c) => new MemoryBackend(r, c)),
    rateLimit: armRateLimit,
    badCredentials: (r, c) => new WrongToken(r, c),
    badSecret: 'not-a-real-token',
  });
  t.deepEqual(report.failed.map((f) => `${f.scenario}: ${f.error.message}`), []);
  t.is(report.passed.length, 13, `ran: ${report.passed.join(' | ')}`);
});

test('the optional scenarios fail a backend that hides a rate limit or a bad token behind a plain Error', async (t) => {
  class PlainErrors extends MemoryBackend {
    override async push(events: readonly SyncEvent[]) {
      try {
        return await super.push(events);
      } catch {
        throw new Error('something went wrong');
      }
    }
  }
  const report = await runConformance({
    ...memory('opaque', (r, c) => new PlainErrors(r, c)),
    switches: {only: ['rate-limit', 'bad-credentials']},
    rateLimit: armRateLimit,
    badCredentials: (r, c) =>
      Object.assign(new MemoryBackend(r, c), {
        push: async () => {
          throw new Error('401 for token not-a-real-token');
        },
        status: async () => ({reachable: true, authenticated: false, remote: 'memory'}),
      }),
    badSecret: 'not-a-real-token',
  });
  const failed = new Map(report.failed.map((f) => [f.scenario, f.error.message]));
  t.regex(failed.get('rate-limit') ?? '', /"rate-limit": a rate limit surfaced as Error: something went wrong; throw the SDK's RateLimitError/);
  t.regex(failed.get('bad-credentials') ?? '', /"bad-credentials": push\(\) with bad credentials threw Error: 401 for token .*throw the SDK's AuthError/);
});

test('the kit fails a backend that loses an event on pagination, naming the scenario', async (t) => {
  const report = await runConformance(memory('lossy-pager', (r, c) => new LosesEventOnPagination(r, c)));
  const pagination = report.failed.find((f) => f.scenario === 'pagination');
  t.truthy(pagination, `pagination passed; failures: ${report.failed.map((f) => f.scenario).join(', ')}`);
  t.regex(pagination!.error.message, /^lossy-pager failed conformance scenario "pagination": .*events never arrived/);
  t.is(pagination!.error.name, 'ConformanceFailure');
  // A page-sized pull of everything at once does not cross a boundary: round trip still passes.
  t.true(report.passed.some((n) => n.includes('round-trip')));
});

test('the kit fails a backend that duplicates events on replay', async (t) => {
  const report = await runConformance(memory('duplicator', (r, c) => new DuplicatesOnReplay(r, c)));
  const failed = new Map(report.failed.map((f) => [f.scenario, f.error.message]));
  t.regex(failed.get('idempotent-re-push') ?? '', /^duplicator failed conformance scenario "idempotent-re-push": re-pushing event 1 answered remoteSeq 7, but the first push stored it as 1; .*stored again/);
  t.regex(failed.get('crash-before-record') ?? '', /"crash-before-record": .*arrived more than once/);
});

test('the kit fails a backend that moves its position past events the engine never applied', async (t) => {
  const report = await runConformance(memory('eager-cursor', (r, c) => new CursorPastUnapplied(r, c)));
  const failed = report.failed.find((f) => f.scenario === 'pull-after-crash');
  t.truthy(failed, `pull-after-crash passed; failures: ${report.failed.map((f) => f.scenario).join(', ')}`);
  t.regex(failed!.error.message, /^eager-cursor failed conformance scenario "pull-after-crash": \d+ events of the page pulled before the crash never came back .*moved its position past events the engine never applied/);
});

test('conformanceCases gives runner-agnostic {name, run} cases and honours switches', async (t) => {
  const cases = conformanceCases({...memory('memory', (r, c) => new MemoryBackend(r, c)), switches: {only: ['round-trip', 'unicode', 'rate-limit']}});
  // rate-limit needs a rateLimit() hook, so it is not offered.
  t.deepEqual(cases.map((c) => c.scenario), ['round-trip', 'unicode']);
  for (const c of cases) await c.run();
  const none = conformanceCases({...memory('memory', (r, c) => new MemoryBackend(r, c)), switches: {skip: ['large-payload'], largePayloadBytes: false}});
  t.false(none.some((c) => c.scenario === 'large-payload'));
});
