/**
 * Bad input: a clear message, exit 1, td's `{"error":{"code","message"}}` on stdout in JSON mode,
 * and the database exactly as it was (every table compared row by row).
 */
import test from 'ava';
import {createRequire} from 'node:module';
import {closeSync, openSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {isolatedEnv, td, tempDir} from '../helpers/td.js';
import {project, snapshot} from './helpers.js';

const require = createRequire(import.meta.url);
const fsExt = require('fs-ext') as {flockSync(fd: number, flags: 'ex' | 'exnb' | 'un'): void};

test('unknown ids, bad enumerations and bad values change nothing', (t) => {
  const p = project('alice');
  const id = p.td(['create', 'A perfectly ordinary task', '--json']).json().id as string;
  const before = snapshot(p.dir);
  const cases: Array<{args: string[]; code: string; message: RegExp}> = [
    {args: ['start', 'td-ffffff'], code: 'not_found', message: /issue not found: td-ffffff/},
    {args: ['update', id, '--status', 'done-ish'], code: 'invalid_input', message: /invalid status: done-ish/},
    {args: ['update', id, '--priority', 'urgent'], code: 'invalid_input', message: /invalid priority: urgent \(valid: P0, P1, P2, P3, P4\)/},
    {args: ['update', id, '--points', '4'], code: 'invalid_input', message: /Fibonacci/},
    {args: ['update', id, '--minor', 'maybe'], code: 'invalid_input', message: /invalid minor/},
    {args: ['update', id, '--parent', 'td-aaaaaa'], code: 'not_found', message: /td-aaaaaa/},
    {args: ['update', id, '--parent', id], code: 'invalid_input', message: /own parent/},
    {args: ['create', 'Valid title but bad priority', '-p', 'P9'], code: 'invalid_input', message: /invalid priority/},
    {args: ['create', 'Valid title with a missing parent', '--parent', 'td-bbbbbb'], code: 'not_found', message: /td-bbbbbb/},
    {args: ['create', 'x'.repeat(201)], code: 'invalid_input', message: /too long/},
    {args: ['create', '   '], code: 'invalid_input', message: /title is required/},
    {args: ['log', id, '--type', 'rant', 'hello there'], code: 'invalid_input', message: /invalid log type/},
    {args: ['log', 'td-cccccc', 'message for nobody'], code: 'not_found', message: /td-cccccc/},
    {args: ['handoff', 'td-cccccc', '--done', 'x'], code: 'not_found', message: /td-cccccc/},
    {args: ['dep', 'rm', id, 'td-cccccc'], code: 'not_found', message: /td-cccccc/},
    {args: ['approve', id, '--reviewed-by', 'a', '--self-review'], code: 'invalid_input', message: /mutually exclusive/},
    {args: ['approve', id, '--decision', 'changes_requested'], code: 'invalid_input', message: /requires --record-only/},
  ];
  for (const c of cases) {
    const r = p.td([...c.args, '--json']);
    if (c.code === '') {
      t.is(r.code, 0, c.args.join(' '));
      continue;
    }
    t.is(r.code, 1, `${c.args.join(' ')}: ${r.stdout}${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    t.is(lines.length, 1, 'one-line envelope');
    const env = JSON.parse(lines[0]);
    t.deepEqual(Object.keys(env), ['error']);
    t.is(env.error.code, c.code, c.args.join(' '));
    t.regex(env.error.message, c.message);
    t.deepEqual(snapshot(p.dir), before, `${c.args.join(' ')} changed nothing`);
  }
  // Text mode: ERROR on stderr, nothing on stdout.
  const text = p.td(['update', id, '--priority', 'urgent']);
  t.is(text.code, 1);
  t.is(text.stdout, '');
  t.regex(text.stderr, /^ERROR: invalid priority: urgent/);
  t.deepEqual(snapshot(p.dir), before);
});

test('no project, a corrupt database and a held write lock are database_error', (t) => {
  const empty = tempDir('td-noproj-');
  const env = isolatedEnv({TD_SESSION_ID: 'alice'});
  const none = td(empty, ['list', '--json'], env);
  t.is(none.code, 1);
  t.deepEqual(none.json(), {error: {code: 'database_error', message: "database not found: run 'td init' first"}});
  t.is(td(empty, ['create', 'Nothing to create it in', '--json'], env).json().error.code, 'database_error');

  const corrupt = tempDir('td-corrupt-');
  t.is(td(corrupt, ['init'], env).code, 0);
  const dbPath = join(corrupt, '.todos', 'issues.db');
  writeFileSync(dbPath, 'this is not a sqlite database, it is a text file that is long enough to have a header '.repeat(3));
  for (const args of [['list'], ['create', 'Write into a corrupt file'], ['show', 'td-abcdef']]) {
    const r = td(corrupt, [...args, '--json'], env);
    t.is(r.code, 1, args.join(' '));
    t.is(r.json().error.code, 'database_error');
    t.regex(r.json().error.message, /not a SQLite database|corrupt/);
  }

  const p = project('alice');
  const id = p.td(['create', 'Task under a held lock', '--json']).json().id as string;
  const before = snapshot(p.dir);
  const fd = openSync(join(p.dir, '.todos', 'db.lock'), 'a+');
  try {
    fsExt.flockSync(fd, 'exnb');
    const r = p.td(['start', id, '--json']);
    t.is(r.code, 1);
    const err = JSON.parse(r.stdout.trim()).error;
    t.is(err.code, 'database_error');
    t.regex(err.message, /write lock timeout after 5s/);
  } finally {
    fsExt.flockSync(fd, 'un');
    closeSync(fd);
  }
  t.deepEqual(snapshot(p.dir), before, 'nothing written while the lock was held');
  t.is(p.td(['start', id]).code, 0, 'works once the lock is free');
});

test('td init: INITIALIZED, .gitignore inside git, existing project is a warning with exit 0', (t) => {
  const dir = tempDir('td-init-');
  const env = isolatedEnv({TD_SESSION_ID: 'alice'});
  // a git repository: .git folder with a HEAD
  require('node:fs').mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/feature/x\n');
  writeFileSync(join(dir, '.gitignore'), 'node_modules/');
  const r = td(dir, ['init'], env);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.split('\n')[0], `INITIALIZED ${join(dir, '.todos')}`);
  t.regex(r.stdout.split('\n')[1], /^Session: ses_[0-9a-f]{6}$/);
  t.is(require('node:fs').readFileSync(join(dir, '.gitignore'), 'utf8'), 'node_modules/\n.todos/\n');
  const again = td(dir, ['init'], env);
  t.is(again.code, 0);
  t.regex(again.stderr, /Warning: \.todos\/ already exists/);
  t.is(require('node:fs').readFileSync(join(dir, '.gitignore'), 'utf8'), 'node_modules/\n.todos/\n', 'not appended twice');
  // the session carries the branch; created_branch is recorded on create
  const id = td(dir, ['create', 'Task created on a feature branch', '--json'], env).json().issue;
  t.is(id.created_branch, 'feature/x');
});
