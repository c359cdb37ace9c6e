/** Backends added with `td plugins link` are found as oclif plugins (source "link"), before node_modules. */
import test from 'ava';
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {isolatedEnv, td, tempDir} from '../helpers/td.js';
import {writeBackendPackage} from '../plugins/packages.js';

test('td plugins link: the backend is listed, chosen by init and used by sync status', (t) => {
  const env = isolatedEnv();
  const outside = tempDir('td-link-');
  const pkgRoot = writeBackendPackage(outside, 'td-sync-backend-linked', {displayName: 'Linked backend', name: 'linked'});
  const proj = tempDir('td-link-proj-');
  mkdirSync(join(proj, '.todos'));
  // the same package name in node_modules must lose to the linked oclif plugin
  writeBackendPackage(proj, 'td-sync-backend-linked', {displayName: 'Shadowed copy', name: 'shadow'});
  const link = td(proj, ['plugins', 'link', pkgRoot], env);
  t.is(link.code, 0, link.stdout + link.stderr);
  const list = td(proj, ['backends', '--json'], env).json() as Array<{name: string; source: string; displayName: string}>;
  const linked = list.find((b) => b.name === 'linked');
  t.is(linked?.source, 'link');
  t.is(linked?.displayName, 'Linked backend');
  t.is(list.filter((b) => b.name === 'linked').length, 1);
  const init = td(proj, ['sync', 'init', '--backend', 'linked', '--set', 'remote=r9', '--json'], env);
  t.is(init.code, 0, init.stdout + init.stderr);
  t.is(init.json().source, 'link');
  t.is(init.json().target, 'linked:r9');
  t.is(td(proj, ['plugins', 'unlink', 'td-sync-backend-linked'], env).code, 0);
  const after = td(proj, ['backends', '--json'], env).json() as Array<{name: string; source: string; displayName: string}>;
  t.is(after.find((b) => b.name === 'linked')?.source, 'node_modules', 'unlinked: the node_modules copy is found');
});
