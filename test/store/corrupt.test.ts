/**
 * Files that are not (whole) SQLite databases, a database another process holds locked, and one
 * whose write lock another process holds: a clear StoreError (code database_error), and the file's
 * bytes exactly as they were.
 */
import test from 'ava';
import Database from 'better-sqlite3';
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync, truncateSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Store, StoreError} from '../../packages/td-sync-cli/src/store/index.js';
import {REPO, isolatedEnv, td, tempDir} from '../helpers/td.js';
import {FIXTURE_NAMES, fixtureProject, fixturesPresent, hashFiles} from './helpers.js';
import {legacyProject} from './legacy-db.js';

/** A project with an old database: a real fixture when present, a synthetic one otherwise. */
function oldProject(): {dir: string; dbPath: string} {
  return fixturesPresent() ? fixtureProject(FIXTURE_NAMES[1]) : legacyProject();
}

const damage: Array<[string, (path: string) => void, RegExp]> = [
  ['truncated to half', (p) => truncateSync(p, Math.floor(readFileSync(p).length / 2)), /is truncated \(\d+ of \d+ bytes\): restore it from a backup/],
  ['truncated to 60 bytes', (p) => truncateSync(p, 60), /is truncated \(60 bytes\)/],
  [
    'garbage header',
    (p) => {
      const b = readFileSync(p);
      b.write('GARBAGE GARBAGE!', 0, 'latin1');
      writeFileSync(p, b);
    },
    /is not a SQLite database \(bad header\)/,
  ],
  ['random bytes', (p) => writeFileSync(p, Buffer.from(Array.from({length: 8192}, (_, i) => (i * 7919) % 251))), /is not a SQLite database/],
];

for (const [label, hurt, message] of damage) {
  test(`${label}: clear error, bytes unchanged (store and td doctor)`, (t) => {
    const {dir, dbPath} = oldProject();
    hurt(dbPath);
    const before = hashFiles(dbPath);
    const e = t.throws(() => Store.openAt(dir), {instanceOf: StoreError}) as StoreError;
    t.is(e.code, 'database_error');
    t.regex(e.message, message);
    t.true(e.message.includes(dbPath), 'the error names the file');
    t.deepEqual(hashFiles(dbPath), before);

    const r = td(dir, ['doctor', '--json'], isolatedEnv());
    t.is(r.code, 1, 'doctor exits non-zero');
    const report = r.json<{ok: boolean; problems: string[]}>();
    t.false(report.ok);
    t.regex(report.problems.join('\n'), message);
    t.deepEqual(hashFiles(dbPath), before);
  });
}

test('a database page overwritten in the middle: doctor reports quick_check, exits 1, changes nothing', (t) => {
  const {dir, dbPath} = legacyProject({version: 38});
  const db = new Database(dbPath);
  const pageSize = db.pragma('page_size', {simple: true}) as number;
  const pages = db.pragma('page_count', {simple: true}) as number;
  db.close();
  const b = readFileSync(dbPath);
  // smash the last page (a table or index b-tree page), keep the header intact
  b.fill(0x5a, (pages - 1) * pageSize, pages * pageSize);
  writeFileSync(dbPath, b);
  const before = hashFiles(dbPath);
  const r = td(dir, ['doctor', '--json', '--full'], isolatedEnv());
  t.is(r.code, 1, r.stdout + r.stderr);
  const report = r.json<{ok: boolean; quick_check: string | null; problems: string[]}>();
  t.false(report.ok);
  t.truthy(report.problems.length);
  t.deepEqual(hashFiles(dbPath), before);
});

/** A child process that runs `code` (ESM, with tsx) and prints READY when it holds what it takes. */
function holder(code: string): Promise<{stop(): Promise<void>; pid: number}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', code], {cwd: REPO, stdio: ['pipe', 'pipe', 'inherit']});
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (out.includes('READY')) {
        resolve({
          pid: child.pid!,
          stop: () =>
            new Promise((done) => {
              child.on('exit', () => done());
              child.stdin.end('stop\n');
            }),
        });
      }
    });
    child.on('error', reject);
    child.on('exit', (c) => {
      if (!out.includes('READY')) reject(new Error(`holder exited ${c}: ${out}`));
    });
  });
}

test('a database another process holds with an exclusive SQLite lock: clear "locked" error, bytes unchanged', async (t) => {
  const {dir, dbPath} = legacyProject({version: 38});
  const before = hashFiles(dbPath);
  const h = await holder(`
    import Database from 'better-sqlite3';
    const db = new Database(${JSON.stringify(dbPath)});
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('READY\\n');
    process.stdin.on('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
  `);
  try {
    const t0 = Date.now();
    const e = t.throws(() => Store.openAt(dir), {instanceOf: StoreError}) as StoreError;
    t.log(`locked open failed after ${Date.now() - t0} ms`);
    t.regex(e.message, /is locked by another process.*retry/);
  } finally {
    await h.stop();
  }
  t.deepEqual(hashFiles(dbPath), before);
});

test('an old database whose write lock another process holds: migration waits 5 s, then a clear error with the holder, bytes unchanged', async (t) => {
  const {dir, dbPath} = oldProject();
  const before = hashFiles(dbPath);
  const h = await holder(`
    import {acquireWriteLock} from './packages/td-sync-cli/src/store/index.js';
    const lock = acquireWriteLock(${JSON.stringify(dir)});
    process.stdout.write('READY\\n');
    process.stdin.on('data', () => { lock.release(); process.exit(0); });
  `);
  try {
    const t0 = Date.now();
    const e = t.throws(() => Store.openAt(dir), {instanceOf: StoreError}) as StoreError;
    t.log(`write-locked open failed after ${Date.now() - t0} ms`);
    t.regex(e.message, new RegExp(`write lock timeout after 5s\\nholder: pid:${h.pid} since \\S+`));
  } finally {
    await h.stop();
  }
  t.deepEqual(hashFiles(dbPath), before);
  // once the holder is gone the same file migrates
  const store = Store.openAt(dir);
  t.is(store.schemaVersion(), 38);
  store.close();
  t.truthy(join(dir, '.todos'));
});

test('a WAL database another process is reading: not converted, clear error, database and -wal unchanged', async (t) => {
  const {dir, dbPath} = legacyProject({wal: true});
  const h = await holder(`
    import Database from 'better-sqlite3';
    const db = new Database(${JSON.stringify(dbPath)}, {readonly: true});
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM issues').get();
    process.stdout.write('READY\\n');
    process.stdin.on('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
  `);
  const before = hashFiles(dbPath);
  try {
    const e = t.throws(() => Store.openAt(dir), {instanceOf: StoreError}) as StoreError;
    t.regex(e.message, /another process (has it open|may hold it open)|locked by another process/);
    t.log(e.message);
    const after = hashFiles(dbPath);
    t.is(after.db, before.db);
    t.is(after['-wal'], before['-wal']);
  } finally {
    await h.stop();
  }
  const store = Store.openAt(dir);
  t.is(store.schemaVersion(), 38, 'migrates once the reader is gone');
  store.close();
});

test('a folder where the database should be: clear error', (t) => {
  const dir = tempDir('td-dirdb-');
  mkdirSync(join(dir, '.todos', 'issues.db'), {recursive: true});
  const e = t.throws(() => Store.openAt(dir), {instanceOf: StoreError}) as StoreError;
  t.regex(e.message, /is a folder, not a file/);
});
