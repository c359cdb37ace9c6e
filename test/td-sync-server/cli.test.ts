/**
 * The stand-in CLI (what `npm run stand-in:td-sync` runs: node --import=tsx test/td-sync-server/cli.ts):
 * one JSON line on stdout, a usable key and project, state kept in --data. Spawned directly, not
 * through npm, so the test can end exactly the process it started.
 */
import test from 'ava';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {call, pushBody, wireEvent} from './call.js';

const started: Array<{kill(): void; exitCode: number | null}> = [];
test.after.always(() => {
  for (const c of started) if (c.exitCode === null) c.kill();
});

function start(data: string): Promise<{info: {url: string; apiKey: string; projectId: string}; stop(): Promise<number | null>; lines: string[]}> {
  const script = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')).scripts['stand-in:td-sync'] as string;
  const [, ...nodeArgs] = script.split(' '); // "node --import=tsx test/td-sync-server/cli.ts"
  const child = spawn(process.execPath, [...nodeArgs, '--port', '0', '--data', data], {cwd: process.cwd(), stdio: ['ignore', 'pipe', 'ignore']});
  started.push(child);
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0 && lines.length === 0) {
        lines.push(out.slice(0, nl));
        resolve({
          info: JSON.parse(lines[0]),
          lines,
          stop: () =>
            new Promise((done) => {
              child.on('exit', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}

test('the stand-in CLI prints url, apiKey and projectId, serves them, and keeps them across restarts', async (t) => {
  const data = mkdtempSync(join(tmpdir(), 'tdss-cli-'));
  const a = await start(data);
  t.deepEqual(Object.keys(a.info).sort(), ['apiKey', 'projectId', 'url']);
  t.regex(a.info.apiKey, /^td_live_[0-9A-Za-z]{32}$/);
  t.regex(a.info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const r = await call(a.info.url, 'POST', `/v1/projects/${a.info.projectId}/sync/push`, {key: a.info.apiKey, body: pushBody([wireEvent(1)])});
  t.is(r.json().accepted, 1);
  await a.stop();
  t.true(existsSync(join(data, 'server.db')));
  const b = await start(data);
  t.is(b.info.apiKey, a.info.apiKey);
  t.is(b.info.projectId, a.info.projectId);
  const st = await call(b.info.url, 'GET', `/v1/projects/${b.info.projectId}/sync/status`, {key: b.info.apiKey});
  t.is(st.json().event_count, 1);
  await b.stop();
});
