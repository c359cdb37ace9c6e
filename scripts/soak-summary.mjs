#!/usr/bin/env node
// Adds up the reliability counters the soak tests append (one JSON line each: {kind, n, test}) and
// prints the summary `npm run soak` ends with. Usable alone: node scripts/soak-summary.mjs <file>.
import {existsSync, readFileSync} from 'node:fs';
import {pathToFileURL} from 'node:url';

const LABELS = [
  ['crashPoints', 'crash points survived'],
  ['faultsInjected', 'faults injected'],
  ['badInputs', 'bad inputs tried'],
  ['concurrentRuns', 'concurrent runs'],
  ['operationsConverged', 'operations converged'],
  ['lost', 'lost'],
  ['duplicated', 'duplicated'],
];

/** The totals per kind, or undefined when the file does not exist. */
export function totals(file) {
  if (!file || !existsSync(file)) return undefined;
  const sums = Object.fromEntries(LABELS.map(([k]) => [k, 0]));
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const {kind, n} = JSON.parse(line);
    sums[kind] = (sums[kind] ?? 0) + n;
  }
  return sums;
}

export function render(sums) {
  const width = Math.max(...LABELS.map(([, l]) => l.length));
  const lines = LABELS.map(([k, l]) => `  ${l.padEnd(width)}  ${sums[k]}`);
  const ok = sums.lost === 0 && sums.duplicated === 0;
  return `\ntd-sync soak summary\n${lines.join('\n')}\n  ${ok ? 'OK: nothing lost, nothing duplicated' : 'FAILED: something was lost or duplicated'}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sums = totals(process.argv[2] ?? process.env.TD_SOAK_COUNTS);
  if (!sums) {
    console.error('no soak counters file (pass it, or set TD_SOAK_COUNTS)');
    process.exit(2);
  }
  process.stdout.write(render(sums));
  if (sums.lost !== 0 || sums.duplicated !== 0) process.exitCode = 1;
}
