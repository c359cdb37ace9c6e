/**
 * Case 4 — GitHub economy, from the emulator's request log: requests, points and content writes
 * for a first push of 200 tasks with 3 logs each, a no-op pull, a pull of 500 issues changed in
 * the web UI, and a scripted day of a three-person team; versus a naive mapping of one request per
 * event. The emulator runs with GitHub's own limits and a virtual clock; the backend's pacer
 * sleeps on that clock (so an hour of pacing costs no wall time) and every request is checked
 * against the secondary limits afterwards.
 *   node --import=tsx bench/github.ts
 * The td side is the backend tests' project stand-in (test/github/harness.ts): td's apply rules
 * without SQLite; the requests are the real backend's.
 */
import {isSyncError, type SyncEvent} from 'td-sync-sdk';
import {GitHubBackend, validateConfig} from '../packages/td-sync-backend-github/src/index.js';
import {Project, emulator} from '../test/github/harness.js';
import {rng} from './workload.js';
import {check, report, type Figure} from './lib.js';

const TASKS = Number(process.env.BENCH_GITHUB_TASKS ?? 200);
const CHANGED = Number(process.env.BENCH_GITHUB_CHANGED ?? 500);
const MINUTE = 60_000;
const HOUR = 3_600_000;

export async function githubCase(): Promise<void> {
  const errors: string[] = [];
  const notes: string[] = [];
  let vt = Date.UTC(2026, 2, 2, 9, 0, 0);
  const now = () => new Date(vt);
  const em = await emulator({now});
  const log = em.requestLog;

  const project = (name: string) => {
    const config = {repo: 'acme/app', baseUrl: em.url, maxWaitSeconds: 3600};
    const p = new Project(em, name, config);
    p.ctx.now = now;
    p.backend = new GitHubBackend(validateConfig(config), p.ctx, {sleep: async (ms) => void (vt += ms)});
    return p;
  };
  /** The engine's push: batches of maxPushBatch, acks committed per batch; a pacing stop = run td sync again later. */
  const push = async (p: Project) => {
    let events = 0;
    while (p.pending.length > 0) {
      const batch = p.pending.slice(0, p.backend.capabilities.maxPushBatch);
      try {
        const result = await p.backend.push(batch);
        const done = new Set([...result.acks.map((a) => a.clientActionId), ...result.rejections.filter((r) => !r.retryable).map((r) => r.clientActionId)]);
        if (result.rejections.length > 0) errors.push(`${p.name}: ${result.rejections.length} rejections (${result.rejections[0]!.reason}: ${result.rejections[0]!.message ?? ''})`);
        p.pending = p.pending.filter((e) => !done.has(e.clientActionId));
        p.ctx.state.commit();
        events += done.size;
        if (done.size === 0) break;
      } catch (e) {
        if (!(isSyncError(e) && e.kind === 'rate_limit')) throw e;
        const retryAt = (e as {retryAt?: Date}).retryAt;
        notes.push(`${p.name}: push paused by the pacer until ${retryAt?.toISOString()} (td sync run again then)`);
        p.ctx.state.crash();
        vt = Math.max(vt + MINUTE, retryAt?.getTime() ?? 0);
      }
    }
    return events;
  };
  const pull = async (p: Project): Promise<SyncEvent[]> => p.pull(p.backend.capabilities.maxPullPage);

  const measure = async <T>(fn: () => Promise<T>) => {
    const at = log.length;
    const value = await fn();
    const part = log.slice(at);
    return {value, requests: part.length, points: part.reduce((n, l) => n + l.cost, 0), contentWrites: part.filter((l) => l.contentCreating).length, mutations: part.filter((l) => l.mutation).length};
  };
  const figure = (name: string, m: {requests: number; points: number; contentWrites: number; mutations: number}, naive: number, goal?: {text: string; met: boolean}): Figure => ({
    name: `${name}: ${m.points} points, ${m.mutations} mutation requests, ${m.contentWrites} content-creating requests`, value: m.requests, unit: 'requests',
    floor: {name: 'naive one request per event', value: naive}, ratio: m.requests > 0 ? naive / m.requests : Infinity,
    goal: goal?.text ?? '>= 3x fewer than naive', met: goal?.met ?? m.requests * 3 <= naive,
  });
  const figures: Figure[] = [];
  try {
    // 1. first push: TASKS tasks with 3 logs each
    const a = project('A');
    for (let i = 0; i < TASKS; i++) {
      const x = a.createIssue({title: `Bench task ${i}`, priority: `P${i % 4}`, type: i % 2 ? 'bug' : 'task'});
      for (let k = 0; k < 3; k++) a.log(x.id as string, `log ${k} of task ${i}`);
    }
    const firstEvents = a.pending.length;
    const first = await measure(() => push(a));
    check(errors, 'first push: events acknowledged', first.value, firstEvents);
    check(errors, 'first push: issues on GitHub', em.issues('acme/app').length, TASKS);
    figures.push(figure(`first push of ${TASKS} tasks + ${TASKS * 3} logs (${firstEvents} events)`, first, firstEvents));

    // 2. no-op pull, once the overlap window after A's own writes has passed
    await pull(a);
    vt += HOUR;
    await pull(a);
    const noop = await measure(() => pull(a));
    check(errors, 'no-op pull: events', noop.value.length, 0);
    figures.push(figure('no-op pull', noop, 1, {text: '= 1 request', met: noop.requests === 1}));

    // 3. a pull of CHANGED issues edited in the web UI
    const b = project('B');
    for (let i = 0; i < CHANGED; i++) em.ui.createIssue('acme/app', {title: `UI issue ${i}`, body: 'made in the UI', labels: ['td:managed']});
    await pull(b);
    vt += HOUR;
    await pull(b);
    for (const i of em.issues('acme/app').filter((x) => x.title.startsWith('UI issue'))) em.ui.editIssue('acme/app', i.number, {title: `${i.title} (edited)`});
    const changed = await measure(() => pull(b));
    check(errors, `pull of ${CHANGED} changed issues: issue updates`, changed.value.filter((e) => e.entityType === 'issues' && e.actionType === 'update').length, CHANGED);
    figures.push(figure(`pull of ${CHANGED} issues changed in the UI`, changed, CHANGED));

    // 4. a day of a three-person team: every 15 minutes for 8 hours each person works a little, then syncs
    const team = [a, b, project('C')];
    await pull(team[2]!);
    const random = rng(42);
    let moved = 0;
    let ownEvents = 0;
    const day = await measure(async () => {
      for (let round = 0; round < 32; round++) {
        vt += 15 * MINUTE;
        for (const p of team) {
          const ids = [...p.rows.issues.keys()];
          const pick = () => ids[Math.floor(random() * ids.length)]!;
          if (random() < 0.3) ids.push(p.createIssue({title: `Day task ${round} by ${p.name}`}).id as string);
          if (random() < 0.6) p.updateIssue(pick(), {status: ['in_progress', 'in_review', 'closed'][Math.floor(random() * 3)]!});
          for (let k = 0; k < 2; k++) if (random() < 0.7) p.log(pick(), `progress ${round}.${k}`);
          if (random() < 0.2) p.comment(pick(), `comment in round ${round}`);
          ownEvents += p.pending.length;
          moved += await push(p);
          moved += (await pull(p)).length;
        }
        if (random() < 0.3) {
          const open = em.issues('acme/app');
          const i = open[Math.floor(random() * open.length)]!;
          em.ui.addComment('acme/app', i.number, 'a question from the UI');
        }
      }
    });
    figures.push(figure(`a scripted team day (3 people x 32 syncs, ${ownEvents} local events, ${moved} events moved)`, day, moved));

    // secondary limits, from the whole log
    const over: string[] = [];
    for (const l of log) if (l.rateLimited) over.push(`${l.at} ${l.operation}: ${l.rateLimited} rate limit`);
    const times = log.map((l) => ({t: Date.parse(l.at), l}));
    for (let i = 0, j = 0, k = 0; i < times.length; i++) {
      while (times[j]!.t <= times[i]!.t - MINUTE) j++;
      while (times[k]!.t <= times[i]!.t - HOUR) k++;
      const minute = times.slice(j, i + 1);
      const content = minute.filter((x) => x.l.contentCreating).length;
      const contentHour = times.slice(k, i + 1).filter((x) => x.l.contentCreating).length;
      const secondaryPoints = minute.reduce((n, x) => n + (x.l.mutation ? 5 : 1), 0);
      if (content > 80) over.push(`${times[i]!.l.at}: ${content} content-creating requests in a minute (> 80)`);
      if (contentHour > 500) over.push(`${times[i]!.l.at}: ${contentHour} content-creating requests in an hour (> 500)`);
      if (secondaryPoints > 2000) over.push(`${times[i]!.l.at}: ${secondaryPoints} secondary points in a minute (> 2000)`);
      if (over.length > 5) break;
    }
    if (over.length > 0) errors.push(`over GitHub's secondary limits: ${over.slice(0, 5).join('; ')}`);
    notes.push(`${log.length} requests in all over ${((vt - Date.UTC(2026, 2, 2, 9, 0, 0)) / HOUR).toFixed(1)} virtual hours; secondary limits (80 content writes/min, 500/h, 2000 points/min, no rate-limited answer): ${over.length === 0 ? 'never exceeded' : 'EXCEEDED'}`);
  } finally {
    await em.close();
  }
  report({case: '4. GitHub economy (emulator request log, GitHub limits, virtual clock)', figures, notes, errors});
}

if (import.meta.url === `file://${process.argv[1]}`) await githubCase();
