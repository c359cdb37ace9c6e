/**
 * A database the user cannot write: an old one is not migrated (clear error, bytes unchanged), a
 * current one still reads, and a write says the file is read-only. Run as an unprivileged user
 * (root ignores file modes: when the suite runs as root the probe runs as `nobody` via setpriv).
 */
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {chmodSync, existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {REPO} from '../helpers/td.js';
import {hashFiles} from './helpers.js';
import {legacyProject} from './legacy-db.js';

const STORE = join(REPO, 'packages/td-sync-cli/dist/store/index.js');
const asRoot = process.getuid?.() === 0;
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** Run an ESM snippet against the built store as a user who cannot write the project. */
function probe(code: string): {ok: boolean; result?: unknown; error?: {name: string; code: string; message: string}} {
  const script = `import {Store} from ${JSON.stringify(STORE)};\ntry { const result = await (async () => { ${code} })(); console.log(JSON.stringify({ok: true, result})); } catch (e) { console.log(JSON.stringify({ok: false, error: {name: e.name, code: e.code, message: e.message}})); }`;
  const args = ['--input-type=module', '-e', script];
  const r = asRoot
    ? spawnSync(setpriv!, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args], {encoding: 'utf8', env: {PATH: process.env.PATH, HOME: '/tmp'}})
    : spawnSync(process.execPath, args, {encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`probe failed: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

/** Make the project readable by everyone and writable by nobody but root. */
function readOnly(dbPath: string): void {
  const todos = dirname(dbPath);
  for (const d of [dirname(todos), todos]) chmodSync(d, 0o755);
  chmodSync(dbPath, asRoot ? 0o644 : 0o444);
  if (!asRoot) chmodSync(todos, 0o555);
}

const usable = existsSync(STORE) && (!asRoot || !!setpriv);

test('read-only old database: not migrated, clear error, bytes unchanged', (t) => {
  if (!usable) {
    t.log('skipped: needs the built store and, as root, setpriv');
    t.pass();
    return;
  }
  const {dir, dbPath} = legacyProject({wal: true});
  // the write lock file must already exist (a read-only .todos cannot create it)
  readOnly(dbPath);
  const before = hashFiles(dbPath);
  const r = probe(`return Store.openAt(${JSON.stringify(dir)}).schemaVersion();`);
  t.false(r.ok);
  t.is(r.error?.code, 'database_error');
  t.regex(r.error!.message, /needs upgrading to td schema 38 but (the file|its folder) is read-only: make it writable/);
  t.deepEqual(hashFiles(dbPath), before);
});

test('read-only current database: reads work, a write fails saying the file is read-only', (t) => {
  if (!usable) {
    t.log('skipped: needs the built store and, as root, setpriv');
    t.pass();
    return;
  }
  const {dir, dbPath} = legacyProject({version: 38});
  readOnly(dbPath);
  const before = hashFiles(dbPath);
  const read = probe(`const s = Store.openAt(${JSON.stringify(dir)}); const n = s.db.prepare('SELECT count(*) AS n FROM issues').get().n; s.close(); return n;`);
  t.true(read.ok, JSON.stringify(read));
  t.is(read.result, 4);
  const write = probe(`const s = Store.openAt(${JSON.stringify(dir)}); s.write(() => s.db.prepare("UPDATE issues SET title = 'x'").run());`);
  t.false(write.ok);
  t.is(write.error?.code, 'database_error');
  t.regex(write.error!.message, /(is read-only .*check the permissions)|(cannot write to .*\.todos .*check the permissions)/);
  t.log(write.error!.message);
  t.deepEqual(hashFiles(dbPath), before);
});
