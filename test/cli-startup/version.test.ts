/**
 * bin/run.js answers `td --version` itself (no oclif import, for start-up time); its text must stay
 * exactly what oclif prints for `--version`, and every other argv must still reach oclif.
 */
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {REPO, TD_BIN, isolatedEnv, tempDir} from '../helpers/td.js';

const CLI = join(REPO, 'packages/td-sync-cli');
const run = (args: string[], cwd = tempDir()) => spawnSync(process.execPath, args, {cwd, env: isolatedEnv(), encoding: 'utf8', timeout: 60_000});

test('td --version prints exactly what oclif prints for --version', (t) => {
  const fast = run([TD_BIN, '--version']);
  t.is(fast.status, 0, fast.stderr);
  // oclif itself, loaded from the CLI package, as bin/run.js would without the fast path
  const script = `const {execute} = await import('@oclif/core'); await execute({dir: ${JSON.stringify(pathToFileURL(TD_BIN).href)}, args: ['--version']});`;
  const oclif = run(['--input-type=module', '-e', script], CLI);
  t.is(oclif.status, 0, oclif.stderr);
  t.is(fast.stdout, oclif.stdout);
  t.is(fast.stderr, '');
  const pkg = JSON.parse(readFileSync(join(CLI, 'package.json'), 'utf8'));
  t.is(fast.stdout, `${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`);
});

test('--version with more arguments and other commands still go through oclif', (t) => {
  const extra = run([TD_BIN, '--version', '--json']);
  t.is(extra.status, 0, extra.stderr);
  t.regex(extra.stdout, /^td-sync-cli\/\S+ \S+-\S+ node-v\d+/);
  const unknown = run([TD_BIN, 'synk']);
  t.not(unknown.status, 0);
  t.regex(unknown.stdout + unknown.stderr, /synk/);
});
