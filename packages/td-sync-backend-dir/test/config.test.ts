import test from 'ava';
import {mkdirSync, symlinkSync} from 'node:fs';
import {join} from 'node:path';
import {isSyncError} from 'td-sync-sdk';
import {createTestContext} from 'td-sync-sdk/testkit';
import dir from '../src/index.js';
import {tempFolder} from './helpers.js';

test('the definition is a valid apiVersion 1 backend named dir', (t) => {
  t.is(dir.apiVersion, 1);
  t.is(dir.name, 'dir');
  t.is(dir.displayName, 'Shared folder');
});

test('a missing path is a ConfigError naming sync.dir.path', (t) => {
  for (const raw of [{}, {path: ''}, {path: '  '}, {path: 42}]) {
    const error = t.throws(() => dir.validateConfig(raw as any));
    t.true(isSyncError(error) && error.kind === 'config' && error.code === 'dir_path_missing');
    t.regex(error!.message, /sync\.dir\.path/);
  }
  const bad = t.throws(() => dir.validateConfig({path: '/tmp', segmentBytes: 10}));
  t.regex(bad!.message, /sync\.dir\.segmentBytes/);
});

test('relative paths resolve against the project root, and the remote id is the real absolute path', (t) => {
  const project = tempFolder();
  const shared = join(project, 'real-shared');
  mkdirSync(shared);
  symlinkSync(shared, join(project, 'link'));
  const viaLink = dir.validateConfig({path: 'link'}, {projectRoot: project});
  t.is(dir.remoteId(viaLink), shared);
  t.is(dir.remoteId(dir.validateConfig({path: './real-shared/'}, {projectRoot: project})), shared);
  // A folder that does not exist yet still gets a stable id (init creates it later).
  t.is(dir.remoteId(dir.validateConfig({path: 'link/sub/new'}, {projectRoot: project})), join(shared, 'sub/new'));
});

test('init asks for the folder and creates it on request, refusing a missing folder otherwise', async (t) => {
  const project = tempFolder();
  const {context} = createTestContext({projectRoot: project});
  const initContext = {projectRoot: project, existing: {}, credentials: context.credentials, logger: context.logger};
  const questions = await dir.init!.questions(initContext);
  t.deepEqual(questions.map((q) => q.name), ['path', 'create']);
  t.is(questions[0]!.validate!(''), 'enter a folder path');
  await t.throwsAsync(dir.init!.finalize!({path: 'nope', create: false}, initContext), {message: /does not exist/});
  const config = await dir.init!.finalize!({path: '../shared/td', create: true}, initContext);
  t.deepEqual(config, {path: '../shared/td'});
  const status = await (await dir.create(dir.validateConfig(config, {projectRoot: project}), context)).status();
  t.true(status.reachable);
  t.is(status.remote, join(project, '..', 'shared/td'));
});
