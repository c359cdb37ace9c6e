#!/usr/bin/env node
/**
 * The README demo: two td projects (Alice's and Bob's) sync through a shared folder with the
 * `dir` backend, then edit the same task at once and watch the conflict get resolved and
 * recorded. Prints every command and its output; exits non-zero if the projects do not converge.
 *
 * Run with `npm run demo` (it builds first). Uses the built `td` with an isolated HOME per person,
 * in a temporary folder that is removed at the end (keep it with TD_DEMO_KEEP=1).
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TD_BIN = join(REPO, 'packages/td-sync-cli/bin/run.js');
const require = createRequire(join(REPO, 'packages/td-sync-cli/package.json'));

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (s) => (color ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (color ? `\x1b[2m${s}\x1b[0m` : s);
const green = (s) => (color ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s) => (color ? `\x1b[31m${s}\x1b[0m` : s);

if (!existsSync(join(REPO, 'packages/td-sync-cli/dist'))) {
  console.error('td is not built: run "npm run build" (or "npm run demo", which builds first)');
  process.exit(1);
}

const root = realpathSync(mkdtempSync(join(tmpdir(), 'td-demo-')));
const shared = join(root, 'shared-folder');
mkdirSync(shared);

function person(name) {
  const home = join(root, `${name}-home`);
  const project = join(root, name);
  mkdirSync(join(home, '.config'), {recursive: true});
  mkdirSync(project);
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    TD_DATA_DIR: join(home, '.local/share/td'),
    OCLIF_SKIP_NEW_VERSION_CHECK: 'true',
    NO_COLOR: '1',
    TZ: process.env.TZ ?? 'UTC',
  };
  return {name, project, env};
}

const alice = person('alice');
const bob = person('bob');

/** Run td as `who`, print the command and its output; stop the demo if it fails. */
function td(who, args, {quiet = false, allowFail = false} = {}) {
  const shown = args.map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  if (!quiet) console.log(`${bold(`[${who.name}]`)} $ td ${shown}`);
  const r = spawnSync(process.execPath, [TD_BIN, ...args], {cwd: who.project, env: who.env, encoding: 'utf8', timeout: 120_000});
  if (r.error) throw r.error;
  const out = `${r.stdout}${r.stderr}`.trimEnd();
  if (!quiet && out) console.log(dim(out.replace(/^/gm, '    ')));
  if (r.status !== 0 && !allowFail) {
    if (quiet) console.log(`$ td ${shown}\n${out}`);
    fail(`"td ${shown}" exited with ${r.status}`);
  }
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

function tdJson(who, args) {
  const r = td(who, [...args, '--json'], {quiet: true});
  return JSON.parse(r.stdout);
}

function step(title) {
  console.log(`\n${bold(`== ${title}`)}`);
}

function fail(message) {
  console.error(red(`\nDEMO FAILED: ${message}`));
  console.error(`(files kept in ${root})`);
  process.exit(1);
}

/** Both projects' tasks as compared for convergence: straight from each SQLite database. */
function snapshot(who) {
  const Database = require('better-sqlite3');
  const db = new Database(join(who.project, '.todos/issues.db'), {readonly: true, fileMustExist: true});
  try {
    const issues = db.prepare(`SELECT id, title, description, status, type, priority, labels, deleted_at IS NOT NULL AS deleted FROM issues ORDER BY id`).all();
    const logs = db.prepare(`SELECT id, issue_id, message FROM logs ORDER BY id`).all();
    const deps = db.prepare(`SELECT id, issue_id, depends_on_id FROM issue_dependencies ORDER BY id`).all();
    return {issues, logs, deps};
  } finally {
    db.close();
  }
}

function expectConverged(when) {
  const a = JSON.stringify(snapshot(alice));
  const b = JSON.stringify(snapshot(bob));
  if (a !== b) {
    console.error(`alice: ${a}\nbob:   ${b}`);
    fail(`the two projects differ ${when}`);
  }
  console.log(green(`✓ alice and bob hold the same tasks ${when}`));
}

const hasCommand = (name) => existsSync(join(REPO, 'packages/td-sync-cli/dist/commands', `${name}.js`));

try {
  console.log(`Demo folder: ${root}\nShared folder both projects sync through: ${shared}`);

  step('1. Two td projects, both configured to sync through the same folder');
  for (const who of [alice, bob]) {
    td(who, ['init']);
    td(who, ['config', 'set', 'sync.backend', 'dir']);
    td(who, ['config', 'set', 'sync.dir.path', shared]);
  }

  step('2. Alice creates and moves tasks, then syncs');
  const notes = tdJson(alice, ['create', 'Write the release notes for 1.0', '-p', 'P1']).id;
  console.log(`${bold('[alice]')} $ td create "Write the release notes for 1.0" -p P1   ${dim(`-> ${notes}`)}`);
  td(alice, ['create', 'Fix the login redirect loop', '--type', 'bug', '--description', 'Users bounce between /login and /home after the session expires']);
  const bug = tdJson(alice, ['create', 'Add retry with back-off to the uploader']).id;
  console.log(`${bold('[alice]')} $ td create "Add retry with back-off to the uploader"   ${dim(`-> ${bug}`)}`);
  td(alice, ['start', bug]);
  if (hasCommand('log')) td(alice, ['log', bug, 'Retries capped at 5, jittered']);
  td(alice, ['sync']);

  step('3. Bob syncs and has Alice\'s tasks');
  td(bob, ['sync']);
  if (hasCommand('list')) td(bob, ['list']);
  else if (hasCommand('show')) td(bob, ['show', notes]);
  expectConverged('after alice synced, then bob');

  step('4. Both edit the same task before syncing (a conflict)');
  if (hasCommand('update')) {
    td(alice, ['update', notes, '--title', 'Write the release notes for 1.0 (draft in the wiki)']);
    td(bob, ['update', notes, '--title', 'Write the release notes for 1.0 and the upgrade guide', '--priority', 'P0']);
  } else {
    td(alice, ['block', notes]);
    td(bob, ['start', notes]);
  }

  step('5. Alice syncs, Bob syncs (the conflict is detected and resolved), Alice syncs again');
  td(alice, ['sync']);
  td(bob, ['sync']);
  td(alice, ['sync']);

  step('6. The conflict was resolved the same way on both sides, and recorded with both versions');
  if (hasCommand('show')) {
    td(alice, ['show', notes]);
    td(bob, ['show', notes]);
  }
  td(bob, ['sync', 'conflicts']);
  const conflicts = [...tdJson(alice, ['sync', 'conflicts']), ...tdJson(bob, ['sync', 'conflicts'])];
  const recorded = conflicts.filter((c) => c.entityId === notes);
  if (recorded.length === 0) fail(`no conflict recorded for ${notes} on either side`);
  if (!recorded.every((c) => c.local && c.remote)) fail(`a conflict record for ${notes} lacks the local or the remote version`);
  console.log(green(`✓ ${recorded.length} conflict record(s) for ${notes}, each keeping the local and the remote version`));
  expectConverged('after the conflicting edits');

  step('7. What the shared folder holds, as Bob\'s td sees it');
  td(bob, ['sync', 'status']);

  console.log(`\n${green(bold('Demo passed:'))} two projects converged through ${shared}`);
} finally {
  if (!process.env.TD_DEMO_KEEP && process.exitCode === undefined) rmSync(root, {recursive: true, force: true});
  else console.log(`(files kept in ${root})`);
}
