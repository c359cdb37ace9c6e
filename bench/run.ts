/**
 * `npm run bench`: every case in its own process (a crash or a memory peak stays its own), one
 * after the other, then the machine and a markdown table of all figures (bench/README.md holds the
 * last one committed). Exit code: non-zero only if a case crashed or produced wrong results; a slow
 * machine never fails it.
 *   npm run bench [-- apply http …]     (BENCH_EVENTS=… for another N)
 */
import {spawn} from 'node:child_process';
import {cpus, loadavg} from 'node:os';
import {join} from 'node:path';
import {REPO, fmt, type CaseResult} from './lib.js';

const CASES = ['apply', 'collect', 'http', 'github', 'startup', 'memory'];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : CASES;

function runCase(name: string): Promise<{code: number; result?: CaseResult; ms: number}> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import=tsx', join(REPO, 'bench', `${name}.ts`)], {cwd: REPO, stdio: ['ignore', 'pipe', 'inherit']});
    let result: CaseResult | undefined;
    let buf = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('BENCH_RESULT ')) result = JSON.parse(line.slice('BENCH_RESULT '.length));
        else process.stdout.write(`${line}\n`);
      }
    });
    child.on('close', (code) => resolve({code: code ?? -1, result, ms: performance.now() - t0}));
  });
}

const started = new Date();
const failures: string[] = [];
const results: CaseResult[] = [];
for (const name of chosen) {
  if (!CASES.includes(name)) {
    failures.push(`unknown case ${name} (cases: ${CASES.join(', ')})`);
    continue;
  }
  const r = await runCase(name);
  console.log(`  (${name}: ${(r.ms / 1000).toFixed(1)} s)`);
  if (r.result) results.push(r.result);
  if (r.code !== 0 || !r.result) failures.push(`${name}: ${r.result ? `wrong results: ${r.result.errors.join('; ')}` : `crashed (exit ${r.code})`}`);
}

const machine = `${cpus().length} cores, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, node ${process.version}, ${process.platform}-${process.arch}`;
console.log(`\n## Results ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${machine}; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log('| case | figure | value | floor / baseline | ratio | goal | load (1 min) |');
console.log('|---|---|---|---|---|---|---|');
for (const c of results) {
  for (const f of c.figures) {
    const floor = f.floor ? `${fmt(f.floor.value)} ${f.unit} (${f.floor.name})` : '';
    const ratio = f.ratio === undefined ? '' : f.ratio.toFixed(2);
    const goal = f.goal ? `${f.goal}: ${f.met ? 'met' : '**missed**'}` : '';
    console.log(`| ${c.case} | ${f.name} | ${fmt(f.value)} ${f.unit} | ${floor} | ${ratio} | ${goal} | ${c.load[0]} |`);
  }
}
console.log(`\nwall time ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`);
if (failures.length > 0) {
  console.log(`\nFAILED:\n  ${failures.join('\n  ')}`);
  process.exitCode = 1;
}
