import test from 'ava';
import fc from 'fast-check';
import {deepMerge, flatten, getPath, parseTdValue, parseValue, secretProblem, setPath, splitKey, unsetPath} from '../../packages/td-sync-cli/src/config/keys.js';

test('parseValue: booleans, numbers, JSON, text', (t) => {
  t.is(parseValue('true'), true);
  t.is(parseValue('false'), false);
  t.is(parseValue('42'), 42);
  t.is(parseValue('-1.5'), -1.5);
  t.is(parseValue('null'), null);
  t.deepEqual(parseValue('["a", ["b", {"x": 1}]]'), ['a', ['b', {x: 1}]]);
  t.deepEqual(parseValue('{"a": 1}'), {a: 1});
  t.is(parseValue('"007"'), '007');
  t.is(parseValue('owner/repo'), 'owner/repo');
  t.is(parseValue('007'), '007', 'a leading zero is text, not 7');
  t.is(parseValue('1e3'), 1000);
  t.is(parseValue('http://x:1/'), 'http://x:1/');
  t.throws(() => parseValue('{not json'), {message: /looks like JSON/});
});

test("td's own keys parse the way td does", (t) => {
  t.is(parseTdValue('sync.auto.enabled', '1'), true);
  t.is(parseTdValue('sync.auto.enabled', 'false'), false);
  t.throws(() => parseTdValue('sync.auto.enabled', 'yes'));
  t.is(parseTdValue('sync.auto.debounce', '1h30m'), '1h30m');
  t.throws(() => parseTdValue('sync.auto.debounce', '3 seconds'));
  t.is(parseTdValue('sync.snapshot_threshold', '250'), 250);
  t.throws(() => parseTdValue('sync.snapshot_threshold', '2.5'));
});

test('secrets are refused by key name and by value shape, also nested', (t) => {
  for (const key of ['sync.github.token', 'sync.http.api_key', 'sync.x.apiKey', 'sync.x.password', 'sync.x.client_secret', 'token']) t.truthy(secretProblem(key, 'v'), key);
  for (const key of ['sync.github.repo', 'sync.github.token_env', 'sync.backend', 'sync.x.keyboard']) t.falsy(secretProblem(key, 'v'), key);
  t.truthy(secretProblem('sync.github.repo', 'ghp_' + 'a'.repeat(36)));
  t.truthy(secretProblem('sync.github.note', 'github_pat_' + 'A1_'.repeat(10)));
  t.truthy(secretProblem('sync.github', {repo: 'a/b', auth: {token: 'x'}}));
  t.truthy(secretProblem('plugins', [['p', {key: 'ghp_' + 'b'.repeat(36)}]]));
  t.falsy(secretProblem('sync.github', {repo: 'a/b', labels: ['x']}));
});

test('keys: bad keys are refused', (t) => {
  for (const k of ['', '.a', 'a.', 'a..b', 'a b', 'sync.$x']) t.throws(() => splitKey(k), undefined, k);
  t.deepEqual(splitKey('sync.github.repo'), ['sync', 'github', 'repo']);
});

test('set then get returns the value; unset removes it and prunes empty sections (fast-check)', (t) => {
  const seg = fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/);
  fc.assert(
    fc.property(fc.array(seg, {minLength: 1, maxLength: 4}), fc.jsonValue(), (segs, value) => {
      const obj: Record<string, unknown> = {keep: 1};
      if (segs[0] === 'keep') return;
      setPath(obj, segs, value);
      t.deepEqual(getPath(obj, segs), value);
      t.true(unsetPath(obj, segs));
      t.deepEqual(obj, {keep: 1});
    }),
    {seed: 42, numRuns: 200},
  );
});

test('setting under a scalar is an error, not a silent replace', (t) => {
  const obj: Record<string, unknown> = {sync: {github: 'oops'}};
  t.throws(() => setPath(obj, ['sync', 'github', 'repo'], 'a/b'), {message: /sync\.github holds a value/});
});

test('deepMerge and flatten', (t) => {
  t.deepEqual(deepMerge({a: {b: 1, c: [1]}, d: 1}, {a: {c: [2], e: 3}}), {a: {b: 1, c: [2], e: 3}, d: 1});
  t.deepEqual(flatten({sync: {backend: 'dir', dir: {path: '/x'}}, plugins: ['a']}), [
    ['sync.backend', 'dir'],
    ['sync.dir.path', '/x'],
    ['plugins', ['a']],
  ]);
});
