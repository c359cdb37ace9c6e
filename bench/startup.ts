/**
 * Case 5 — CLI start-up: `td --version`, `td list --json` (1,000 tasks), `td sync --status --json`
 * versus `node -e 0`; medians of several runs (hyperfine when installed, else a loop here). Also
 * the same commands through a copy of the CLI carrying the oclif manifest `npm pack` generates,
 * to show what the manifest is worth (a dev checkout has none).
 *   node --import=tsx bench/startup.ts        (BENCH_RUNS=… runs per command, default 15)
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync} from 'node:fs';
import {join} from 'node:path';
import {REPO, TD_BIN, check, fmt, median, report, tdProject, tdRun, tempDir, type Figure} from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function hasHyperfine(): boolean {
  return spawnSync('sh', ['-c', 'command -v hyperfine'], {encoding: 'utf8'}).status === 0;
}

/** Median wall time (ms) of each command line, run in `cwd` with `env`. */
function medians(commands: string[][], cwd: string, env: NodeJS.ProcessEnv): number[] {
  if (hasHyperfine()) {
    const out = join(tempDir('td-bench-hf-'), 'hf.json');
    const quote = (a: string) => (/^[\w./:=@-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
    execFileSync('hyperfine', ['-N', '--warmup', '3', '--runs', String(RUNS), '--style', 'none', '--export-json', out, ...commands.map((c) => c.map(quote).join(' '))], {cwd, env, stdio: ['ignore', 'ignore', 'pipe']});
    return (JSON.parse(readFileSync(out, 'utf8')).results as Array<{median: number}>).map((r) => r.median * 1000);
  }
  return commands.map((c) => {
    const times: number[] = [];
    for (let i = 0; i < RUNS + 3; i++) {
      const t0 = performance.now();
      const r = spawnSync(c[0]!, c.slice(1), {cwd, env, stdio: 'ignore'});
      if (r.status !== 0) throw new Error(`${c.join(' ')} exited ${r.status}`);
      if (i >= 3) times.push(performance.now() - t0);
    }
    return median(times);
  });
}

/**
 * A copy of the CLI package (package.json, bin; dist linked) with `oclif manifest` run in it, inside
 * node_modules/.cache so it resolves the same dependencies. The checkout itself is left alone.
 */
function cliWithManifest(): string | undefined {
  const oclif = join(REPO, 'node_modules/.bin/oclif');
  if (!existsSync(oclif)) return undefined;
  const dir = join(REPO, 'node_modules/.cache/td-bench/cli-with-manifest');
  rmSync(dir, {recursive: true, force: true});
  mkdirSync(dir, {recursive: true});
  const pkg = join(REPO, 'packages/td-sync-cli');
  copyFileSync(join(pkg, 'package.json'), join(dir, 'package.json'));
  cpSync(join(pkg, 'bin'), join(dir, 'bin'), {recursive: true});
  symlinkSync(join(pkg, 'dist'), join(dir, 'dist'));
  if (existsSync(join(pkg, 'node_modules'))) symlinkSync(join(pkg, 'node_modules'), join(dir, 'node_modules'));
  const r = spawnSync(oclif, ['manifest'], {cwd: dir, env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}, encoding: 'utf8'});
  if (r.status !== 0 || !existsSync(join(dir, 'oclif.manifest.json'))) return undefined;
  return join(dir, 'bin/run.js');
}

export async function startupCase(): Promise<void> {
  const errors: string[] = [];
  const notes: string[] = [];
  const remote = tempDir('td-bench-share-');
  const p = await tdProject();
  const init = await tdRun(p.dir, ['sync', 'init', '--backend', 'dir', '--set', `path=${remote}`, '--yes'], p.env);
  if (init.code !== 0) errors.push(`td sync init failed: ${init.stdout}${init.stderr}`);
  // 1,000 tasks, as td writes them
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(join(p.dir, '.todos/issues.db'));
  const ins = db.prepare("INSERT INTO issues (id, title, description, status, type, priority, created_at, updated_at) VALUES (?, ?, ?, ?, 'task', ?, ?, ?)");
  const now = new Date().toISOString();
  db.transaction(() => {
    for (let i = 0; i < 1000; i++) ins.run(`td-${i.toString(16).padStart(6, '0')}`, `Task ${i}`, 'a description', i % 3 ? 'open' : 'in_progress', `P${i % 4}`, now, now);
  })();
  db.close();
  const list = await tdRun(p.dir, ['list', '--json', '--limit', '2000'], p.env);
  let listed = -1;
  try {
    const j = JSON.parse(list.stdout);
    listed = Array.isArray(j) ? j.length : Array.isArray(j.issues) ? j.issues.length : -1;
  } catch {
    errors.push(`td list --json printed no JSON (exit ${list.code}): ${list.stdout.slice(0, 200)}${list.stderr.slice(0, 200)}`);
  }
  if (listed !== -1 && listed < 1000) errors.push(`td list --json listed ${listed} tasks, expected 1000`);
  const status = await tdRun(p.dir, ['sync', '--status', '--json'], p.env);
  check(errors, 'td sync --status --json exit code', status.code, 0);
  const version = await tdRun(p.dir, ['--version'], p.env);
  check(errors, 'td --version exit code', version.code, 0);

  const node = process.execPath;
  const cmds = (bin: string) => [[node, bin, '--version'], [node, bin, 'list', '--json', '--limit', '2000'], [node, bin, 'sync', '--status', '--json']];
  const names = ['td --version', 'td list --json (1,000 tasks)', 'td sync --status --json'];
  const [bare, ...plain] = medians([[node, '-e', '0'], ...cmds(TD_BIN)], p.dir, p.env);
  const figures: Figure[] = plain.map((ms, i) => ({
    name: names[i]!, value: Math.round(ms), unit: 'ms (median)', floor: {name: 'node -e 0', value: Math.round(bare!)}, ratio: ms / bare!,
    ...(i === 0 ? {goal: '<= 2x bare node', met: ms <= 2 * bare!} : {}),
  }));
  const withManifest = cliWithManifest();
  if (withManifest) {
    const m = medians(cmds(withManifest), p.dir, p.env);
    m.forEach((ms, i) => figures.push({name: `${names[i]} with oclif.manifest.json (as packed)`, value: Math.round(ms), unit: 'ms (median)', floor: {name: 'node -e 0', value: Math.round(bare!)}, ratio: ms / bare!}));
    notes.push(`manifest saves ${m.map((ms, i) => fmt(Math.round(plain[i]! - ms))).join(' / ')} ms on the three commands`);
  } else notes.push('oclif manifest could not be generated (node_modules/.bin/oclif missing): no with-manifest figures');
  notes.push(`${hasHyperfine() ? 'hyperfine -N --warmup 3' : 'own loop, 3 warm-ups'}, ${RUNS} runs each; ratio = command / node -e 0`);
  report({case: '5. CLI start-up', figures, notes, errors});
}

if (import.meta.url === `file://${process.argv[1]}`) await startupCase();
