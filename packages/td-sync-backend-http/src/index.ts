/**
 * td-sync-backend-http: td's own transport, the td-sync server's HTTP protocol
 * (shared/spec/td-sync-http-protocol.md), as a td sync backend.
 *
 * Config `sync.http`: `{url, projectId}`; the API key comes from TD_AUTH_KEY or td's
 * ~/.config/td/auth.json (written by `td auth login`). Cursor = the server sequence (decimal string).
 */
import {defineBackend, type BackendContext} from 'td-sync-sdk';
import {HttpBackend} from './backend.js';
import {remoteId, validateConfig, type HttpConfig} from './config.js';
import {finalize, questions} from './init.js';

export default defineBackend<HttpConfig>({
  apiVersion: 1,
  name: 'http',
  displayName: 'td-sync server (HTTP)',
  description: "td's own sync server (td-sync), spoken over HTTP: interoperates with teammates running the Go td.",
  validateConfig: (raw) => validateConfig(raw),
  // `project` is td's own older spelling of projectId (td sync link rewrites it).
  configKeys: ['url', 'projectId', 'project', 'timeoutMs', 'maxRetries', 'retryBudgetMs'],
  remoteId,
  init: {questions, finalize},
  create: (config: HttpConfig, context: BackendContext) => new HttpBackend(config, context),
});

export {HttpBackend, CAPABILITIES, PUSH_BATCH, PULL_PAGE, parseCursor} from './backend.js';
export {TdSyncClient, retryAfterMs, type ClientOptions, type RequestOptions} from './client.js';
export {parseErrorBody, type ServerError} from './envelope.js';
export {validateConfig, remoteId, normalizeUrl, defaultServerUrl, tdConfigDir, type HttpConfig} from './config.js';
export {resolveAuth, deviceLogin, pkcePair, pkceChallenge, authFileFor, keyPreview, AUTH_FILE, type AuthFile} from './auth.js';
export {listProjects, createProject, getProject} from './init.js';
