// `npm run soak`: the reliability suite with the long figures (TD_SOAK=1). The tests append their
// counters to TD_SOAK_COUNTS; when ava exits, this (main-process) config prints the summary from
// scripts/soak-summary.mjs, and fails the run if anything was lost or duplicated.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import base from './package.json' with {type: 'json'};
import {render, totals} from './scripts/soak-summary.mjs';

process.env.TD_SOAK = '1';
process.env.TD_SOAK_COUNTS ??= join(mkdtempSync(join(tmpdir(), 'td-soak-')), 'counts.ndjson');
const countsFile = process.env.TD_SOAK_COUNTS;

process.on('exit', () => {
  const sums = totals(countsFile);
  if (!sums) return void process.stderr.write(`\nsoak: no counters were written to ${countsFile}\n`);
  process.stdout.write(render(sums));
  process.stdout.write(`  (counters: ${countsFile})\n`);
  if (sums.lost !== 0 || sums.duplicated !== 0) process.exitCode = 1;
});

export default {
  ...base.ava,
  files: ['test/reliability/**/*.test.ts'],
  timeout: '30m',
  concurrency: 2,
  environmentVariables: {TD_SOAK: '1', TD_SOAK_COUNTS: countsFile},
};
