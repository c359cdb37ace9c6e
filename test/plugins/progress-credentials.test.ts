import test from 'ava';
import {readFileSync, statSync, writeFileSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {FileCredentialStore} from '../../packages/td-sync-cli/src/credentials.js';
import {createProgressReporter} from '../../packages/td-sync-cli/src/plugins/progress.js';
import {redactSecrets} from '../../packages/td-sync-cli/src/redact.js';
import {tempDir} from '../helpers/td.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return {stream: {isTTY, columns: 80, write: (s: string) => writes.push(s)}, writes};
}

test('progress: nothing when stderr is not a TTY or in --json mode', (t) => {
  for (const [isTTY, json] of [[false, false], [true, true]] as const) {
    const {stream, writes} = fakeStream(isTTY);
    let now = 0;
    const p = createProgressReporter({stream, json, now: () => now, timer: false});
    p.start('push', 100);
    now = 5000;
    p.tick(50);
    p.done();
    t.deepEqual(writes, []);
  }
});

test('progress: short phases draw nothing; long ones draw a bar, throttled, then erase it', (t) => {
  const {stream, writes} = fakeStream(true);
  let now = 0;
  const p = createProgressReporter({stream, now: () => now, delayMs: 500, timer: false});
  p.start('push', 10);
  p.tick(5);
  now = 100;
  p.tick(1);
  t.deepEqual(writes, [], 'under the delay: silent');
  now = 600;
  p.tick(1);
  t.is(writes.length, 1);
  t.regex(writes[0]!, /push \[#+\.+\] 7\/10 0s/);
  now = 650;
  p.tick(1);
  t.is(writes.length, 1, 'redraws at most every 100 ms');
  now = 800;
  p.tick(2);
  t.regex(writes.at(-1)!, /10\/10/);
  p.done();
  t.is(writes.at(-1), '\r\x1b[2K', 'the line is erased');
  p.start('pull');
  now = 2000;
  p.tick(3);
  t.regex(writes.at(-1)!, /pull 3 \d+s$/, 'unknown total: a counter and the time spent');
});

test('credentials: 0600 files in the user config folder, secrets registered for redaction', async (t) => {
  const dir = join(tempDir(), 'td');
  const env = {TD_CONFIG_DIR: dir, MY_API_TOKEN: 'env-secret-value-123', PLAIN: 'visible-value-123'};
  const store = new FileCredentialStore(env);
  t.is(store.dir, dir);
  await store.writeFile('auth', {api_key: 'file-secret-value-456', email: 'me@example.com'});
  const file = join(dir, 'auth.json');
  t.is(statSync(file).mode & 0o777, 0o600);
  t.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {api_key: 'file-secret-value-456', email: 'me@example.com'});
  t.deepEqual(await store.readFile('auth.json'), {api_key: 'file-secret-value-456', email: 'me@example.com'});
  t.is(store.env('MY_API_TOKEN'), 'env-secret-value-123');
  t.is(store.env('PLAIN'), 'visible-value-123');
  t.is(store.env('MISSING'), undefined);
  const text = redactSecrets('a env-secret-value-123 b file-secret-value-456 c visible-value-123 me@example.com');
  t.is(text, 'a [REDACTED] b [REDACTED] c visible-value-123 me@example.com');
  store.redact('explicit-secret-789');
  t.is(redactSecrets('x explicit-secret-789'), 'x [REDACTED]');
  await store.deleteFile('auth');
  t.is(await store.readFile('auth'), undefined);
  await t.throwsAsync(store.readFile('../escape'), {message: /not a plain file name/});
  await t.throwsAsync(store.writeFile('sub/dir', {}), {message: /not a plain file name/});
  mkdirSync(dir, {recursive: true});
  writeFileSync(join(dir, 'broken.json'), '{');
  await t.throwsAsync(store.readFile('broken'), {message: /not valid JSON/});
});

test('progress: the timer redraws a slow phase without ticks, and stops at done()', async (t) => {
  const {stream, writes} = fakeStream(true);
  const p = createProgressReporter({stream, delayMs: 0});
  p.start('push', 4);
  for (let i = 0; i < 200 && writes.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  t.true(writes.length >= 1, 'drawn while waiting, with no tick');
  t.regex(writes[0]!, /push \[\.+\] 0\/4/);
  p.done();
  const n = writes.length;
  await new Promise((r) => setTimeout(r, 400));
  t.is(writes.length, n, 'no redraw after done');
});
