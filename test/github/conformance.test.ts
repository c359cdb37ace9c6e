/**
 * The SDK conformance kit against the GitHub backend and the emulator.
 *
 * The kit's event-log scenarios (round-trip, idempotent-re-push, pagination, pull-after-crash,
 * ordering, large-payload, unicode, crash-before-record, rate-limit) check that each pushed event
 * arrives elsewhere with its identity (device, session, action id) exactly once. GitHub Issues is
 * a state store: the backend folds a task's events into one issue and synthesises events from
 * state differences on pull (issue 6, DESIGN §7), so event identities cannot survive by design.
 * The behaviours those scenarios protect are tested against the emulator in this folder instead
 * (roundtrip, crash, limits, figures tests). The scenarios that hold for a state store run here.
 */
import test from 'ava';
import {avaConformance} from 'td-sync-sdk/testkit';
import backend from '../../packages/td-sync-backend-github/src/index.js';
import {startGitHubEmulator, type GitHubEmulator} from '../github-emulator/index.js';

const TOKEN = 'ghp_conformance_token_0123456789';

avaConformance(test, {
  name: 'github',
  freshRemote: async () => {
    const em = await startGitHubEmulator({token: TOKEN, seed: 3});
    em.createRepo('acme/app');
    return em;
  },
  disposeRemote: (em: GitHubEmulator) => em.close(),
  definition: backend,
  config: (em: GitHubEmulator) => ({repo: 'acme/app', baseUrl: em.url, writeSpacingMs: 0, maxWaitSeconds: 0, createsPerMinute: 100_000, createsPerHour: 1_000_000}),
  env: {GITHUB_TOKEN: TOKEN},
  badSecret: 'ghp_wrong_secret_987654321',
  badCredentials: (em: GitHubEmulator, context) =>
    backend.create(backend.validateConfig({repo: 'acme/app', baseUrl: em.url}), {
      ...context,
      credentials: {...context.credentials, env: (name: string) => (name === 'GITHUB_TOKEN' ? 'ghp_wrong_secret_987654321' : undefined)},
    }),
  switches: {only: (process.env.TD_GH_ALL_SCENARIOS ? undefined : ['contract', 'push-then-pull', 'bad-credentials']) as never},
});
