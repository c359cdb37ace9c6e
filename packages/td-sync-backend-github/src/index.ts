/**
 * td-sync-backend-github: td tasks <-> GitHub Issues over GraphQL.
 * Default export: the backend definition the td plugin host loads.
 */
import {defineBackend, type BackendContext, type JsonObject} from 'td-sync-sdk';
import {GitHubBackend} from './backend.js';
import {GITHUB_CONFIG_KEYS, remoteId, validateConfig, type GitHubConfig} from './config.js';
import {finalize, questions} from './init.js';

const backend = defineBackend<GitHubConfig>({
  apiVersion: 1,
  name: 'github',
  displayName: 'GitHub Issues',
  description: 'Mirror td tasks to GitHub issues (labels, sub-issues, comments) and bring GitHub edits back.',
  validateConfig: (raw: JsonObject) => validateConfig(raw),
  configKeys: GITHUB_CONFIG_KEYS,
  remoteId,
  init: {questions, finalize},
  create: (config: GitHubConfig, context: BackendContext) => new GitHubBackend(config, context),
});

export default backend;
export {backend};
export {GitHubBackend, type GitHubBackendOptions} from './backend.js';
export {validateConfig, remoteId, graphqlUrl, type GitHubConfig, type ImportMode} from './config.js';
export {LabelScheme} from './labels.js';
export {parseBody, renderBlock, fitBody, parseComment, renderComment, BODY_LIMIT, TITLE_LIMIT, type BlockFields} from './markers.js';
export {issueDraft, viewOf, type IssueDraft, type RecordDraft, type RemoteIssue} from './mapping.js';
export {decodeCursor, encodeCursor} from './cursor.js';
export {resolveToken} from './auth.js';
