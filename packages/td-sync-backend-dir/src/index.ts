/**
 * td-sync-backend-dir: sync td projects through a shared folder. The zero-infrastructure default
 * and the model for a third-party backend: a definition built with the SDK's `defineBackend`, and
 * nothing imported but the SDK.
 */
import {defineBackend} from 'td-sync-sdk';
import {DirBackend} from './backend.js';
import {validateDirConfig, type DirConfig} from './config.js';
import {finalizeInit, initQuestions} from './init.js';

export default defineBackend<DirConfig>({
  apiVersion: 1,
  name: 'dir',
  displayName: 'Shared folder',
  description: 'Each device appends its changes to its own files in a shared folder; everyone reads everyone else\'s.',
  validateConfig: validateDirConfig,
  configKeys: ['path', 'segmentBytes'],
  remoteId: (config) => config.path,
  init: {questions: initQuestions, finalize: finalizeInit},
  create: (config, context) => new DirBackend(config, context),
});

export {DirBackend, DIR_CAPABILITIES} from './backend.js';
export {validateDirConfig, DEFAULT_SEGMENT_BYTES, type DirConfig} from './config.js';
