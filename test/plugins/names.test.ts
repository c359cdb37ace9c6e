import test from 'ava';
import {followsConvention, resolveBackendPackage, resolvePluginPackage, shortPackageName} from '../../packages/td-sync-cli/src/plugins/names.js';

const BACKEND_CASES: Array<[string, string]> = [
  ['github', 'td-sync-backend-github'],
  ['dir', 'td-sync-backend-dir'],
  ['my-jira', 'td-sync-backend-my-jira'],
  ['@acme', '@acme/td-sync-backend'],
  ['@acme/jira', '@acme/td-sync-backend-jira'],
  ['td-sync-backend-x', 'td-sync-backend-x'],
  ['td-sync-backend', 'td-sync-backend'],
  ['@acme/td-sync-backend', '@acme/td-sync-backend'],
  ['@acme/td-sync-backend-jira', '@acme/td-sync-backend-jira'],
  ['  github  ', 'td-sync-backend-github'],
];

for (const [input, expected] of BACKEND_CASES) {
  test(`resolveBackendPackage(${JSON.stringify(input)}) = ${expected}`, (t) => {
    t.is(resolveBackendPackage(input), expected);
  });
}

test('plugin names resolve with their own prefix', (t) => {
  t.is(resolvePluginPackage('redact'), 'td-sync-plugin-redact');
  t.is(resolvePluginPackage('@acme'), '@acme/td-sync-plugin');
  t.is(resolvePluginPackage('@acme/audit'), '@acme/td-sync-plugin-audit');
  t.is(resolvePluginPackage('td-sync-plugin-x'), 'td-sync-plugin-x');
});

for (const bad of ['', 'GitHub', 'a b', '@', '@acme/', '@/x', '../x', './x', 'x/y', '@acme/jira/extra']) {
  test(`malformed name ${JSON.stringify(bad)} is a config error`, (t) => {
    const e = t.throws(() => resolveBackendPackage(bad));
    t.is((e as {code?: string}).code, 'invalid_name');
  });
}

test('shortPackageName inverts resolveBackendPackage', (t) => {
  for (const [input, pkg] of BACKEND_CASES) {
    const short = shortPackageName(pkg);
    t.is(resolveBackendPackage(short), pkg, `${input} -> ${pkg} -> ${short}`);
  }
  t.is(shortPackageName('td-sync-backend-github'), 'github');
  t.is(shortPackageName('@acme/td-sync-backend'), '@acme');
  t.is(shortPackageName('@acme/td-sync-backend-jira'), '@acme/jira');
  t.is(shortPackageName('td-sync-backend-td-sync-backend-x'), 'td-sync-backend-td-sync-backend-x');
  t.is(shortPackageName('left-pad'), 'left-pad');
});

test('followsConvention', (t) => {
  t.true(followsConvention('td-sync-backend-x'));
  t.true(followsConvention('@s/td-sync-backend'));
  t.true(followsConvention('@s/td-sync-backend-x'));
  t.false(followsConvention('td-sync-backend'));
  t.false(followsConvention('td-sync-cli'));
  t.false(followsConvention('td-sync-sdk'));
});
