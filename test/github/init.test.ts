import test from 'ava';
import backend from '../../packages/td-sync-backend-github/src/index.js';
import {testContext} from '../../packages/td-sync-backend-github/test/context.js';
import {emulator} from './harness.js';

test('td sync init questions and a finalize that checks access for real', async (t) => {
  const em = await emulator();
  t.teardown(() => em.close());
  const ctx = testContext({env: {GITHUB_TOKEN: em.token}});
  const init = {projectRoot: '/tmp', existing: {}, credentials: ctx.credentials, logger: ctx.logger};
  const qs = await backend.init!.questions(init);
  t.deepEqual(qs.map((q) => q.name), ['repo', 'baseUrl', 'import', 'labelPrefix', 'managedLabel', 'tokenSource']);
  t.truthy(qs[0]!.validate!('nope'));
  t.is(qs[0]!.validate!('acme/app'), undefined);
  const config = await backend.init!.finalize!({repo: 'acme/app', baseUrl: em.url, import: 'all', labelPrefix: 'td:', managedLabel: 'td:managed', tokenSource: 'env'}, init);
  t.deepEqual(config, {repo: 'acme/app', baseUrl: em.url, import: 'all'});
  t.false(JSON.stringify(config).includes(em.token));
  await t.throwsAsync(backend.init!.finalize!({repo: 'acme/missing', baseUrl: em.url}, init), {message: /not found/});
  const noToken = testContext({env: {}});
  await t.throwsAsync(backend.init!.finalize!({repo: 'acme/app', baseUrl: em.url}, {...init, credentials: noToken.credentials}), {message: /GITHUB_TOKEN/});
});
