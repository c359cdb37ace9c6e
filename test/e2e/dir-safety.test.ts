/**
 * Mistakes a team makes with a shared folder, through the built `td`: a project folder copied
 * with its database (same device id), and a folder that is not there (an unmounted share).
 */
import test from 'ava';
import {cpSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import {td, tempDir} from '../helpers/td.js';
import {storedIdentities, team} from './dir-helpers.js';

test('a copied project (same device id, same history) is refused by dir before it writes; the original goes on syncing', (t) => {
  const {shared, members: [a]} = team(1);
  a!.td(['create', 'Original project task for the copy check']);
  a!.td(['sync']);
  const copy = join(tempDir('td-copy-'), 'copy');
  cpSync(a!.dir, copy, {recursive: true});
  a!.td(['create', 'Original project goes on working after the copy']);
  t.is(a!.td(['sync', '--json']).json<{pushed: number}>().pushed, 1);
  const before = storedIdentities(shared).size;

  td(copy, ['create', 'Task written in the copied project'], a!.env);
  const r = td(copy, ['sync', '--json'], a!.env);
  t.is(r.code, 1, r.stdout);
  const body = r.json<any>();
  const error = body.error ?? body;
  t.is(error.code, 'dir_device_shared', r.stdout);
  t.regex(String(error.message), /written by another td project using this project's device id/);
  t.regex(String(error.hint), /TD_DEVICE_ID/);
  t.is(storedIdentities(shared).size, before, 'the copy wrote nothing');

  // With a device id of its own, the copy syncs (and sees the original's work).
  const ownId = {...a!.env, TD_DEVICE_ID: 'c0ffee00c0ffee00c0ffee00c0ffee00'};
  t.is(td(copy, ['sync', '--json'], ownId).code, 0);
});

test('a shared folder that does not exist is an error saying what to do, and nothing is created', (t) => {
  const {members: [a]} = team(1);
  const missing = join(tempDir('td-mnt-'), 'not-mounted');
  a!.td(['config', 'set', 'sync.dir.path', missing]);
  a!.td(['create', 'Task waiting for the share to come back']);
  const r = a!.tryTd(['sync', '--json']);
  t.is(r.code, 1);
  const body = r.json<any>();
  const error = body.error ?? body;
  t.is(error.code, 'dir_missing', r.stdout);
  t.regex(String(error.hint), /mkdir -p|td sync init/);
  t.false(existsSync(missing), 'sync never creates the folder');
});
