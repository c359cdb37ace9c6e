/**
 * `beforePush` plugins are obeyed end to end: what a plugin drops never reaches the shared folder
 * (and stays pending), what it redacts reaches the other project redacted.
 */
import test from 'ava';
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {addToConfig, query, team} from './dir-helpers.js';

/** Everything in the shared folder's segments, as one string. */
function folderText(shared: string): string {
  let text = '';
  for (const device of readdirSync(join(shared, 'devices'))) {
    for (const f of readdirSync(join(shared, 'devices', device))) text += readFileSync(join(shared, 'devices', device, f), 'utf8');
  }
  return text;
}

const DROP_PRIVATE = `export default {
  apiVersion: 1,
  name: 'keep-private',
  apply(hooks) {
    hooks.beforePush.tapPromise('keep-private', async (events) =>
      events.filter((e) => !JSON.stringify(e.payload.newData ?? {}).includes('[private]')));
  },
};
`;

const REDACT_KEYS = `export default {
  apiVersion: 1,
  name: 'redact-keys',
  apply(hooks) {
    const scrub = (v) => (typeof v === 'string' ? v.replace(/sk_live_[A-Za-z0-9]+/g, '[redacted]') : v);
    hooks.beforePush.tapPromise('redact-keys', async (events) =>
      events.map((e) => {
        const d = e.payload.newData;
        if (!d) return e;
        const newData = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, scrub(v)]));
        return {...e, payload: {...e.payload, newData}};
      }));
  },
};
`;

test('a beforePush plugin that drops events: they never reach the folder or the other project, and stay pending', (t) => {
  const {shared, members: [a, b]} = team(2);
  writeFileSync(join(a!.dir, 'keep-private.mjs'), DROP_PRIVATE);
  addToConfig(a!, {plugins: ['./keep-private.mjs']});
  const pub = a!.td(['create', 'Plan the team offsite agenda', '--json']).json<{id: string}>().id;
  const priv = a!.td(['create', '[private] Salary review for the platform team', '--json']).json<{id: string}>().id;
  const report = a!.td(['sync', '--json']).json<{pushed: number; pending: number}>();
  t.is(report.pushed, 1);
  t.true(report.pending >= 1, `pending ${report.pending}`);
  b!.td(['sync']);
  t.deepEqual(query<{id: string}>(b!, 'SELECT id FROM issues ORDER BY id').map((r) => r.id), [pub]);
  t.false(folderText(shared).includes('Salary'), 'the dropped event is not in the shared folder');
  t.false(folderText(shared).includes(priv));
});

test('a beforePush plugin that redacts: the other project gets the redacted text, the folder never sees the secret', (t) => {
  const {shared, members: [a, b]} = team(2);
  writeFileSync(join(a!.dir, 'redact.mjs'), REDACT_KEYS);
  addToConfig(a!, {plugins: ['./redact.mjs']});
  const id = a!.td(['create', 'Rotate the payment provider key', '--description', 'old key sk_live_4eC39HqLyjWDarjtT1zdp7dc must go', '--json']).json<{id: string}>().id;
  a!.td(['sync']);
  b!.td(['sync']);
  t.is(query<{description: string}>(b!, 'SELECT description FROM issues WHERE id = ?', id)[0]!.description, 'old key [redacted] must go');
  t.false(folderText(shared).includes('sk_live_4eC39'));
  t.is(query<{description: string}>(a!, 'SELECT description FROM issues WHERE id = ?', id)[0]!.description, 'old key sk_live_4eC39HqLyjWDarjtT1zdp7dc must go', 'the local row is untouched');
});

const SEAL = `// Toy encryption for a cloud folder: payloads stored as base64, decoded on the way in.
export default {
  apiVersion: 1,
  name: 'seal',
  apply(hooks) {
    hooks.mapEvent.tapPromise('seal', async (record, event) => ({
      ...record,
      payload: {sealed: Buffer.from(JSON.stringify(event.payload)).toString('base64'), newData: null, previousData: null},
    }));
    hooks.mapRemote.tapPromise('seal', async (event) =>
      event && event.payload.sealed ? {...event, payload: JSON.parse(Buffer.from(event.payload.sealed, 'base64').toString('utf8'))} : event);
  },
};
`;

test('a mapEvent tap gets each event and its result is what dir stores; mapRemote reads it back on the other project', (t) => {
  const {shared, members: [a, b]} = team(2);
  for (const m of [a!, b!]) {
    writeFileSync(join(m.dir, 'seal.mjs'), SEAL);
    addToConfig(m, {plugins: ['./seal.mjs']});
  }
  const id = a!.td(['create', 'Let the plumber in on Monday', '--description', 'door code 4711-2580', '--json']).json<{id: string}>().id;
  a!.td(['sync']);
  b!.td(['sync']);
  t.false(folderText(shared).includes('4711-2580'), 'the folder holds the mapped (sealed) form');
  t.true(folderText(shared).includes('"sealed"'));
  t.is(query<{description: string}>(b!, 'SELECT description FROM issues WHERE id = ?', id)[0]!.description, 'door code 4711-2580');
});
