/** The SDK's conformance kit against the http backend and the td-sync stand-in. */
import test from 'ava';
import {avaConformance, jsonDifference} from 'td-sync-sdk/testkit';
import type {SyncEvent} from 'td-sync-sdk';
import httpBackend, {HttpBackend} from 'td-sync-backend-http';
import {startTdSyncServer, type TdSyncServer} from '../td-sync-server/server.js';
import {HIGH_LIMITS} from './helpers.js';

const BAD_KEY = 'td_live_WrongWrongWrongWrongWrongWrong';

const withKey = (context: any, key: string) => ({...context, credentials: {...context.credentials, env: (name: string) => (name === 'TD_AUTH_KEY' ? key : context.credentials.env(name))}});
const config = (s: TdSyncServer) => httpBackend.validateConfig({url: s.url, projectId: s.projectId, maxRetries: 1, retryBudgetMs: 1_000});

avaConformance<TdSyncServer>(test, {
  name: 'http',
  freshRemote: () => startTdSyncServer({rateLimits: HIGH_LIMITS}),
  disposeRemote: (s) => s.close(),
  create: (s, context) => new HttpBackend(config(s), withKey(context, s.adminKey)),
  // td-sync refuses a whole request, never half of one: the next push is 429'd past the retry budget.
  rateLimit: (s) => {
    s.faults.add({kind: 'status', status: 429, path: '/sync/push', times: 2});
  },
  badCredentials: (s, context) => new HttpBackend(config(s), withKey(context, BAD_KEY)),
  badSecret: BAD_KEY,
  switches: {largePayloadBytes: 2 * 1024 * 1024},
  // td-sync re-renders client_timestamp (RFC3339Nano, trailing zeros trimmed, spec §6.6): the
  // instant is kept, the spelling is the server's. Everything else must match exactly.
  compareEvent: (sent, received) => {
    const norm = ({remoteSeq: _r, sourceAction: _s, clientTimestamp, ...rest}: SyncEvent) => ({...rest, instant: Date.parse(clientTimestamp)});
    return jsonDifference(norm(sent), norm(received));
  },
});
