/**
 * The README's first command runs scripts/demo.mjs: it must keep passing (exit 0, both projects
 * converged, the conflict recorded). Runs the built td, as `npm run demo` does after its build.
 */
import test from 'ava';
import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {REPO} from '../helpers/td.js';

test('npm run demo: two projects sync through dir, the conflict is resolved and recorded', async (t) => {
  t.timeout(240_000);
  const {code, out} = await new Promise<{code: number | null; out: string}>((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts/demo.mjs')], {cwd: REPO, env: {PATH: process.env.PATH, NO_COLOR: '1'}});
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (c) => resolve({code: c, out}));
  });
  t.is(code, 0, out);
  t.regex(out, /✓ alice and bob hold the same tasks after alice synced, then bob/);
  t.regex(out, /✓ 1 conflict record\(s\) for td-[0-9a-f]+, each keeping the local and the remote version/);
  t.regex(out, /Demo passed: two projects converged/);
});
