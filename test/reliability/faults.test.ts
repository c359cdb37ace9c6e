/**
 * Faults during long syncs: the td-sync stand-in and the GitHub emulator inject every fault kind
 * they support, alone and mixed. Each run completes or stops cleanly (exit 0, or exit 1 with a
 * JSON error carrying a code and a message; a stopped run says why), the next runs resume to
 * nothing pending, a second project pulls the same tasks, and the remote holds everything once.
 * TD_SOAK=1 repeats the mixed runs with more seeds and more work.
 */
import test, {type ExecutionContext} from 'ava';
import {REQUEST_FAULTS, FIELD_FAULTS} from '../github-emulator/faults.js';
import type {Fault} from '../td-sync-server/faults.js';
import type {GitHubEmulator} from '../github-emulator/index.js';
import {count, divergence, duplicates, pick, randomOp, remoteFor, rng, settle, syncJson, type Proj, type Remote} from './lib.js';


/** A run under faults ends cleanly: 0, or 1 with a coded JSON error. Returns whether it completed. */
function clean(t: ExecutionContext, label: string, r: Awaited<ReturnType<typeof syncJson>>): boolean {
  t.true(r.code === 0 || r.code === 1, `${label}: exit ${r.code} (a crash or signal is not clean)\n${r.raw.stderr}`);
  if (r.code === 0) {
    if (r.report.stopped) t.truthy(r.report.stopped.message ?? r.report.stopped.code, `${label}: a stopped run says why`);
    return !r.report.stopped && r.report.pending === 0;
  }
  // Exit 1: either td's error envelope or the report of a run that stopped early, each coded.
  const why = r.report.error ?? r.report.stopped;
  t.truthy(why?.code, `${label}: JSON error code: ${r.raw.stdout}`);
  t.truthy(why?.message, `${label}: JSON error message`);
  return false;
}

/**
 * Resume with no faults until a run completes (at most 4 runs). A run stopped by a rate limit
 * names when to come back (`retryAt`); `wait` lets that time pass on the remote — the GitHub
 * emulator's clock moves past it, as a user's wall clock would — before the next run.
 */
async function resume(t: ExecutionContext, p: Proj, label: string, wait?: (retryAt: Date) => void): Promise<void> {
  let last = '';
  for (let i = 0; i < 4; i++) {
    const r = await syncJson(p);
    if (r.code === 0 && r.report.pending === 0 && !r.report.stopped) return;
    const retryAt = r.report.stopped?.retryAt ?? r.report.error?.retryAt;
    if (wait && retryAt) wait(new Date(retryAt));
    last = `exit ${r.code}: ${r.raw.stdout.slice(0, 1500)}\n${r.raw.stderr.slice(0, 1500)}`;
  }
  t.fail(`${label}: still not complete after 4 fault-free runs; the last:\n${last}`);
}

async function work(p: Proj, r: () => number, ops: number, from: number): Promise<number> {
  for (let i = 0; i < ops; i++) await randomOp(p, r, from + i);
  return from + ops;
}

async function verify(t: ExecutionContext, remote: Remote, a: Proj, b: Proj): Promise<void> {
  await settle([a, b, a, b], 3);
  const diff = divergence([a, b]);
  t.is(diff, undefined);
  const dups = duplicates(remote);
  t.deepEqual(dups, []);
  count('lost', diff ? 1 : 0, t.title);
  count('duplicated', dups.length, t.title);
}

/** Default run: every fifth kind (a different fifth per suite); TD_SOAK=1: all of them. */
const share = <T>(xs: readonly T[], offset: number): T[] => xs.filter((_, i) => pick((i + offset) % 5 === 0 ? 1 : 0, 1) === 1);

const HTTP_FAULTS: Array<{name: string; fault: Fault}> = [
  {name: '500 nested envelope', fault: {kind: 'status', status: 500, envelope: 'nested'}},
  {name: '502 flat envelope', fault: {kind: 'status', status: 502, envelope: 'flat'}},
  {name: '503 text body', fault: {kind: 'status', status: 503, envelope: 'text'}},
  {name: '429 with Retry-After', fault: {kind: 'status', status: 429, code: 'rate_limited', retryAfter: '1'}},
  {name: '401 unauthorized', fault: {kind: 'status', status: 401, code: 'unauthorized'}},
  {name: 'dropped connection', fault: {kind: 'drop'}},
  {name: 'slow answer', fault: {kind: 'delay', ms: 400}},
  {name: '500 after commit on push', fault: {kind: 'status', status: 500, afterCommit: true, method: 'POST', path: '/sync/push'}},
  {name: 'drop after commit on push', fault: {kind: 'drop', afterCommit: true, method: 'POST', path: '/sync/push'}},
  {name: '503 on pull', fault: {kind: 'status', status: 503, path: '/sync/pull', times: 3}},
];

const HTTP_ALONE = share(HTTP_FAULTS, 0);
test.serial(`http: each fault kind of the stand-in alone (${HTTP_ALONE.length} of ${HTTP_FAULTS.length}) during syncs; clean stop or completion, resumable, nothing lost`, async (t) => {
  const remote = await remoteFor('http');
  t.teardown(() => remote.close());
  const s = remote.server!;
  const [a, b] = [await remote.project('A'), await remote.project('B')];
  const r = rng(11);
  let n = 0;
  for (const {name, fault} of HTTP_ALONE) {
    n = await work(a, r, 3, n);
    const idx = s.faults.add({times: 1, ...fault});
    clean(t, name, await syncJson(a));
    s.faults.clear();
    await resume(t, a, name);
    count('faultsInjected', s.faults.fired[idx] ?? 0, t.title);
  }
  await verify(t, remote, a, b);
});

test.serial('http: mixed faults on every route during long syncs from two projects', async (t) => {
  const remote = await remoteFor('http');
  t.teardown(() => remote.close());
  const s = remote.server!;
  const [a, b] = [await remote.project('A'), await remote.project('B')];
  const rounds = pick(1, 12);
  const r = rng(12);
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    for (const p of [a, b]) n = await work(p, r, pick(3, 12), n);
    const before = s.faults.fired.reduce((x, y) => x + y, 0);
    for (let i = 0; i < 4; i++) s.faults.add({...HTTP_FAULTS[Math.floor(r() * HTTP_FAULTS.length)]!.fault, times: 1 + Math.floor(r() * 2)});
    for (const p of [a, b, a]) clean(t, `round ${round} ${p.name}`, await syncJson(p));
    s.faults.clear();
    count('faultsInjected', s.faults.fired.reduce((x, y) => x + y, 0) - before, t.title);
    await resume(t, a, `round ${round}`);
    await resume(t, b, `round ${round}`);
  }
  await verify(t, remote, a, b);
});

const GH_KINDS = [...REQUEST_FAULTS, ...FIELD_FAULTS, 'delay'] as const;

/**
 * Waiting out a GitHub limit: the emulator's clock (which its minute and hour windows and its
 * `Date` header follow) moves one second past the `retryAt` the run reported.
 */
const waitOn = (em: GitHubEmulator) => (retryAt: Date) => em.advanceClock(Math.max(0, retryAt.getTime() - em.now().getTime()) + 1000);
/** Options that keep a fault short: no minute-long Retry-After, no 10 s hold. */
const ghSpec = (kind: string, r: () => number) => ({kind, retryAfter: 1, delayMs: 300, skip: Math.floor(r() * 3), ...(kind === 'not-found' ? {match: 'node'} : {})});

const GH_ALONE = share(GH_KINDS, 1);
test.serial(`github: each fault kind of the emulator alone (${GH_ALONE.length} of ${GH_KINDS.length}) during syncs; clean stop or completion, resumable, nothing lost`, async (t) => {
  const remote = await remoteFor('github');
  t.teardown(() => remote.close());
  const em = remote.em!;
  const [a, b] = [await remote.project('A'), await remote.project('B')];
  for (const p of [a, b]) await p.run(['config', 'set', 'sync.github.maxWaitSeconds', '1']);
  const r = rng(21);
  let n = 0;
  for (const kind of GH_ALONE) {
    n = await work(a, r, 2, n);
    const before = em.requestLog.length;
    em.faults.inject({...ghSpec(kind, r), count: 1});
    clean(t, kind, await syncJson(a));
    const left = em.faults.list().length;
    em.faults.clear();
    count('faultsInjected', left === 0 ? 1 : 0, t.title);
    t.true(em.requestLog.length > before, `${kind}: the sync reached the emulator`);
    await resume(t, a, kind, waitOn(em));
  }
  await verify(t, remote, a, b);
});

test.serial('github: mixed faults (seeded probability) during long syncs, with a person editing in the UI', async (t) => {
  const remote = await remoteFor('github');
  t.teardown(() => remote.close());
  const em = remote.em!;
  const [a, b] = [await remote.project('A'), await remote.project('B')];
  for (const p of [a, b]) await p.run(['config', 'set', 'sync.github.maxWaitSeconds', '1']);
  const rounds = pick(1, 10);
  const r = rng(22);
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    for (const p of [a, b]) n = await work(p, r, pick(3, 10), n);
    const issue = em.issues('acme/app')[0];
    if (issue) {
      em.advanceClock(2000);
      em.ui.addComment('acme/app', issue.number, `a person comments in round ${round}`);
    }
    const kinds = Array.from({length: 3}, () => GH_KINDS[Math.floor(r() * GH_KINDS.length)]!);
    for (const kind of kinds) em.faults.inject({...ghSpec(kind, r), probability: 0.2, count: 2});
    for (const p of [a, b, a]) clean(t, `round ${round} ${p.name} (${kinds.join(', ')})`, await syncJson(p));
    const left = em.faults.list().reduce((x, f) => x + ((f as {left?: number}).left ?? f.count ?? 0), 0);
    em.faults.clear();
    count('faultsInjected', Math.max(0, kinds.length * 2 - left), t.title);
    await resume(t, a, `round ${round}`, waitOn(em));
    await resume(t, b, `round ${round}`, waitOn(em));
  }
  await verify(t, remote, a, b);
});
