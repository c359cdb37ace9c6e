/**
 * Concurrency: two and four `td sync` processes on the same project at once, round after round,
 * for dir and http. No corruption (quick_check), no double push (the remote holds each event once
 * and exactly the project's new events), and each run's --json report is true: the pushed counts
 * of the concurrent runs add up to what reached the remote. A run that lost the race for the
 * write lock must stop cleanly (exit 1, database_busy) and push nothing.
 * TD_SOAK=1: 50 rounds of each size per backend — two and four processes at once 100 times per
 * backend, 600 concurrent runs in all; default: 2.
 */
import test from 'ava';
import {count, divergence, duplicates, pick, quickCheck, randomOp, remoteFor, rng, settle, syncJson, type BackendName} from './lib.js';

const ROUNDS = pick(2, 50);

for (const backend of ['dir', 'http'] as BackendName[]) {
  test.serial(`${backend}: 2 and 4 td sync processes at once on one project, ${ROUNDS} rounds each: no corruption, no double push, reports add up`, async (t) => {
    const remote = await remoteFor(backend);
    t.teardown(() => remote.close());
    const a = await remote.project('A');
    const b = await remote.project('B');
    const r = rng(backend === 'dir' ? 404 : 505);
    let n = 0;
    let runs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const width of [2, 4]) {
        const ops = 2 + Math.floor(r() * 5);
        for (let i = 0; i < ops; i++) await randomOp(a, r, ++n);
        const before = remote.stored().size;
        const results = await Promise.all(Array.from({length: width}, () => syncJson(a)));
        runs += width;
        let pushed = 0;
        for (const res of results) {
          if (res.code === 0) pushed += res.report.pushed;
          else {
            t.is(res.code, 1, res.raw.stderr);
            t.regex(res.report.error?.code ?? res.report.stopped?.code ?? '', /busy|lock|in_progress/, `a losing run stops cleanly: ${res.raw.stdout}`);
          }
        }
        t.true(results.some((res) => res.code === 0), `round ${round} x${width}: at least one run completed`);
        t.is(quickCheck(a), 'ok');
        const after = remote.stored().size;
        t.is(pushed, after - before, `round ${round} x${width}: the reports' pushed (${pushed}) = events that reached the remote (${after - before})`);
        t.deepEqual(duplicates(remote), [], `round ${round} x${width}: no event twice`);
        // Whatever a losing run left is pushed by the next plain run.
        const rest = await syncJson(a);
        t.is(rest.code, 0, rest.raw.stdout + rest.raw.stderr);
        t.is(rest.report.pending, 0);
      }
    }
    await settle([a, b, a, b], 3);
    const diff = divergence([a, b]);
    t.is(diff, undefined);
    const dups = duplicates(remote);
    t.deepEqual(dups, []);
    count('concurrentRuns', runs, t.title);
    count('lost', diff ? 1 : 0, t.title);
    count('duplicated', dups.length, t.title);
  });
}
