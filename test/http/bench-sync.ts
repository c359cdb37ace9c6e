/**
 * Whole-process figure: N issues journaled in one td project, pushed by `td sync --push`, then
 * pulled and applied by a second project's `td sync`, through the td-sync stand-in on loopback
 * (a separate process, like a real server). Not a test; run:
 *   npm run build && node --import=tsx test/http/bench-sync.ts [N=100000]
 */
import {spawn} from 'node:child_process';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {newProject, tdAsync, REPO} from '../helpers/td.js';

const N = Number(process.argv[2] ?? 100_000);

const server = spawn(process.execPath, ['--import=tsx', join(REPO, 'test/td-sync-server/cli.ts'), '--port', '0'], {
  env: {...process.env, SYNC_RATE_LIMIT_PUSH: '100000', SYNC_RATE_LIMIT_PULL: '100000', SYNC_RATE_LIMIT_OTHER: '100000'},
  stdio: ['ignore', 'pipe', 'inherit'],
});
const info = await new Promise<{url: string; apiKey: string; projectId: string}>((resolve) => {
  server.stdout.setEncoding('utf8').once('data', (line: string) => resolve(JSON.parse(line)));
});

try {
  const a = newProject({TD_AUTH_KEY: info.apiKey});
  const b = newProject({TD_AUTH_KEY: info.apiKey});
  for (const p of [a, b]) {
    const r = await tdAsync(p.dir, ['sync', 'init', '--backend', 'http', '--set', `url=${info.url}`, '--set', `projectId=${info.projectId}`], p.env);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  // Journal N creates the way `td create` does (one issues row + one action_log row each).
  const db = new Database(join(a.dir, '.todos/issues.db'));
  const now = new Date().toISOString();
  const insIssue = db.prepare("INSERT INTO issues (id, title, status, type, priority, created_at, updated_at) VALUES (?, ?, 'open', 'task', 'P2', ?, ?)");
  const insLog = db.prepare("INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, previous_data, new_data, timestamp, undone) VALUES (?, 'ses_bench', 'create', 'issue', ?, '', ?, ?, 0)");
  db.transaction(() => {
    for (let i = 0; i < N; i++) {
      const id = `td-${i.toString(16).padStart(8, "0")}`;
      const title = `benchmark task number ${i}`;
      insIssue.run(id, title, now, now);
      insLog.run(`al-${i.toString(16).padStart(8, "0")}`, id, JSON.stringify({id, title, status: 'open', type: 'task', priority: 'P2', created_at: now, updated_at: now}), now);
    }
  })();
  db.close();

  if (process.env.BENCH_KEEP) {
    console.log(JSON.stringify({a: a.dir, b: b.dir, envA: a.env, envB: b.env}));
    await new Promise((r) => setTimeout(r, Number(process.env.BENCH_KEEP)));
  }
  let t0 = performance.now();
  const push = await tdAsync(a.dir, ['sync', '--push', '--json'], a.env);
  const pushMs = performance.now() - t0;
  if (push.code !== 0) throw new Error(push.stdout + push.stderr);
  t0 = performance.now();
  const pull = await tdAsync(b.dir, ['sync', '--json'], b.env);
  const pullMs = performance.now() - t0;
  if (pull.code !== 0) throw new Error(pull.stdout + pull.stderr);
  const pr = push.json();
  const pl = pull.json();
  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
  console.log(JSON.stringify({events: N, pushed: pr.pushed, pushMs: Math.round(pushMs), pushPerS: rate(N, pushMs), pulled: pl.pulled, applied: pl.applied, pullMs: Math.round(pullMs), pullPerS: rate(N, pullMs), totalPerS: rate(2 * N, pushMs + pullMs)}));
} finally {
  server.kill('SIGTERM');
}
