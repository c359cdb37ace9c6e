/**
 * Crash points: `td sync` SIGKILLed at seeded random points — after a random delay, or a random
 * moment after the remote first shows progress (a request answered, the shared folder grew) — in
 * the project that pushes and in the one that pulls, for dir, http and github. After clean re-runs
 * every project has the same tasks, nothing is left pending, and the remote holds every event,
 * issue and comment once. A kill that lands after the run already finished is not a crash point:
 * attempts go on until KILLS kills landed mid-run (at most three times as many attempts). Kill times
 * are drawn within how long an uninterrupted run of this backend takes here (a running average), so
 * a slow or busy machine does not turn most attempts into kills after the run ended.
 * TD_SOAK=1: 70 per backend (210 in all); default: 2 per backend.
 */
import test from 'ava';
import {SOAK, count, divergence, duplicates, killedSync, pick, quickCheck, randomOp, remoteFor, rng, settle, syncJson, type BackendName} from './lib.js';

const KILLS = pick(2, 70);
const MAX_ATTEMPTS = KILLS * 3;
// The soak promises its figure; the two-kill CI subset only reports how many landed.

for (const backend of ['dir', 'http', 'github'] as BackendName[]) {
  test.serial(`${backend}: td sync SIGKILLed at ${KILLS} random points across push and pull; a clean re-run converges, nothing lost or duplicated`, async (t) => {
    const remote = await remoteFor(backend);
    t.teardown(() => remote.close());
    const a = await remote.project('A');
    const b = await remote.project('B');
    const r = rng(backend === 'dir' ? 101 : backend === 'http' ? 202 : 303);
    let n = 0;
    let killed = 0;
    let point = 0;
    let typicalMs = backend === 'github' ? 900 : 500;
    for (; killed < KILLS && point < MAX_ATTEMPTS; point++) {
      const [writer, other] = r() < 0.5 ? [a, b] : [b, a];
      const ops = 1 + Math.floor(r() * 4);
      for (let i = 0; i < ops; i++) await randomOp(writer, r, ++n);
      // Kill the writer (push side) or the other project (pull side, after the writer synced).
      const pullSide = r() < 0.35;
      if (pullSide) {
        const w = await syncJson(writer);
        t.is(w.code, 0, w.raw.stdout + w.raw.stderr);
      }
      const victim = pullSide ? other : writer;
      const whenProgress = r() < 0.5;
      // After the first sign of progress: within 30 ms (the first write's aftermath), or for GitHub, whose
      // runs are a chain of slower requests, anywhere in the run.
      const delayMs = Math.floor(r() * (whenProgress && backend !== 'github' ? 30 : typicalMs));
      const out = await killedSync(victim, remote, {delayMs, whenProgress, fallbackMs: Math.floor(r() * typicalMs)});
      if (out.killed) killed++;
      else typicalMs = Math.round(0.7 * typicalMs + 0.3 * out.ms);
      t.is(quickCheck(victim), 'ok', `point ${point}: database intact after the kill`);
      t.deepEqual(duplicates(remote), [], `point ${point}: no duplicate on the remote after the kill`);
      // Now and then, an uninterrupted sync between crashes (what a user does next).
      if (r() < 0.3) {
        const again = await syncJson(victim);
        t.is(again.code, 0, again.raw.stdout + again.raw.stderr);
      }
    }
    await settle([a, b, a, b], 3);
    const endA = await syncJson(a);
    const endB = await syncJson(b);
    t.is(endA.report.pending, 0, 'A left nothing pending');
    t.is(endB.report.pending, 0, 'B left nothing pending');
    const diff = divergence([a, b]);
    t.is(diff, undefined);
    const dups = duplicates(remote);
    t.deepEqual(dups, []);
    t.log(`${backend}: ${point} attempts, ${killed} killed mid-run, ${n} operations`);
    if (SOAK) t.true(killed >= KILLS, `only ${killed} of ${point} attempts killed td sync mid-run`);
    count('crashPoints', killed, t.title);
    count('lost', diff ? 1 : 0, t.title);
    count('duplicated', dups.length, t.title);
  });
}
