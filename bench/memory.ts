/**
 * Case 6 — memory: peak RSS of whole `td sync` processes moving N events through the td-sync
 * stand-in: `td sync --push` of N journaled events, then `td sync` (pull + apply) in a second
 * project. The peak is process.resourceUsage().maxRSS, written on exit by a preloaded probe.
 *   node --import=tsx bench/memory.ts
 */
import {join} from 'node:path';
import {N, check, report, startServer, tdProject, tdRun, type Figure} from './lib.js';
import {buildWorkload, journal} from './workload.js';

const GOAL_MB = 200;

export async function memoryCase(): Promise<void> {
  const errors: string[] = [];
  const server = await startServer();
  const figures: Figure[] = [];
  const notes: string[] = [];
  try {
    const bare = await tdRun(process.cwd(), ['--version'], process.env, {rss: true});
    const a = await tdProject({TD_AUTH_KEY: server.apiKey});
    const b = await tdProject({TD_AUTH_KEY: server.apiKey});
    for (const p of [a, b]) {
      const r = await tdRun(p.dir, ['sync', 'init', '--backend', 'http', '--set', `url=${server.url}`, '--set', `projectId=${server.projectId}`], p.env);
      if (r.code !== 0) throw new Error(`td sync init: ${r.stdout}${r.stderr}`);
    }
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(a.dir, '.todos/issues.db'));
    journal(db, buildWorkload(N, 31).events);
    db.close();

    const push = await tdRun(a.dir, ['sync', '--push', '--json'], a.env, {rss: true});
    const pull = await tdRun(b.dir, ['sync', '--json'], b.env, {rss: true});
    for (const [what, r, field] of [['td sync --push', push, 'pushed'], ['td sync (pull)', pull, 'applied']] as const) {
      check(errors, `${what} exit code`, r.code, 0);
      let n: unknown;
      try {
        n = JSON.parse(r.stdout)[field];
      } catch {
        n = `no JSON: ${r.stdout.slice(0, 200)} ${r.stderr.slice(0, 200)}`;
      }
      check(errors, `${what} ${field}`, n, N);
      if (r.maxRssKb === undefined) errors.push(`${what}: the RSS probe wrote nothing`);
      const mb = Math.round((r.maxRssKb ?? 0) / 1024);
      figures.push({name: `${what}, ${N.toLocaleString('en-US')} events, peak RSS`, value: mb, unit: 'MB', floor: {name: 'td --version', value: Math.round((bare.maxRssKb ?? 0) / 1024)}, ratio: (r.maxRssKb ?? 0) / (bare.maxRssKb ?? 1), goal: `<= ${GOAL_MB} MB`, met: mb <= GOAL_MB});
      notes.push(`${what}: ${Math.round(r.ms)} ms wall, ${Math.round((N / r.ms) * 1000)} events/s whole process`);
    }
  } finally {
    server.stop();
  }
  report({case: '6. memory of a whole td sync process', figures, notes, errors});
}

if (import.meta.url === `file://${process.argv[1]}`) await memoryCase();
