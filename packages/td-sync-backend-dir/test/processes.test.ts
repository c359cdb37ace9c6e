/**
 * Several devices writing at once from their own processes while another reads: every event
 * arrives once, each device's in its own order. Also the figures of a bigger history.
 */
import test from 'ava';
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {eventKey} from 'td-sync-sdk';
import {randomDeviceId} from 'td-sync-sdk/testkit';
import {device, keys, tempFolder} from './helpers.js';

const WRITER = fileURLToPath(new URL('./fixtures/writer.mjs', import.meta.url));

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`writer exited ${code}: ${out}`))));
  });
}

test('four writer processes and a concurrent reader: every event once, per-device order kept', async (t) => {
  const root = tempFolder();
  const ids = [randomDeviceId(), randomDeviceId(), randomDeviceId(), randomDeviceId()];
  const perDevice = 150;
  const reader = device(root);
  const got: string[] = [];
  let writing = true;
  const writers = Promise.all(ids.map((id, i) => run([root, id, String(perDevice), String(3 + i * 4), '4096']))).finally(() => (writing = false));
  while (writing) {
    got.push(...keys(await reader.pullAll(7)));
    await new Promise((r) => setTimeout(r, 5));
  }
  await writers;
  got.push(...keys(await reader.pullAll(7)));
  t.is(got.length, ids.length * perDevice);
  t.is(new Set(got).size, got.length, 'no duplicates');
  for (const id of ids) {
    const mine = got.filter((k) => k.startsWith(`${id}/`)).map((k) => Number(k.split('/')[2]));
    t.deepEqual(mine, Array.from({length: perDevice}, (_, i) => i + 1), `device ${id} in order`);
  }
});

test('figures: push, pull and writer start-up scan on a 20,000-event history', async (t) => {
  const root = tempFolder();
  const a = device(root);
  const events = a.events(20_000, 'big');
  let start = performance.now();
  for (let i = 0; i < events.length; i += 500) await a.backend.push(events.slice(i, i + 500));
  const pushMs = performance.now() - start;
  const b = device(root);
  start = performance.now();
  const got = await b.pullAll(1000);
  const pullMs = performance.now() - start;
  t.is(got.length, events.length);
  t.is(eventKey(got.at(-1)!), eventKey(events.at(-1)!));
  const a2 = a.restart();
  start = performance.now();
  const again = await a2.backend.push(events.slice(-500));
  const scanMs = performance.now() - start;
  t.is(again.acks.length, 500);
  t.log(`push 20000 events in batches of 500: ${pushMs.toFixed(0)} ms; pull in pages of 1000: ${pullMs.toFixed(0)} ms; restarted writer scan + re-push of 500: ${scanMs.toFixed(0)} ms`);
});
