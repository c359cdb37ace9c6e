/** `td sync init` for `dir`: which folder, and whether to create it. */
import {ConfigError, type InitContext, type InitQuestion, type JsonObject} from 'td-sync-sdk';
import {absoluteRealPath, isDirectory, resolveDirPath} from './config.js';
import {makeDirDurable} from './files.js';

export function initQuestions(context: InitContext): InitQuestion[] {
  const existing = typeof context.existing.path === 'string' ? context.existing.path : undefined;
  return [
    {
      name: 'path',
      message: 'Shared folder to sync through (a network share, a synced folder, a git checkout; relative to the project root)',
      type: 'text',
      default: existing,
      validate: (value) => (value.trim() === '' ? 'enter a folder path' : undefined),
    },
    {name: 'create', message: 'Create the folder if it is missing?', type: 'confirm', default: true},
  ];
}

export async function finalizeInit(answers: Record<string, string | boolean>, context: InitContext): Promise<JsonObject> {
  const path = String(answers.path ?? '').trim();
  if (path === '') throw new ConfigError('sync.dir.path: no folder given', {code: 'dir_path_missing', hint: 'answer with a folder path, e.g. --set path=../shared-td'});
  const absolute = absoluteRealPath(resolveDirPath(path, {projectRoot: context.projectRoot}));
  if (!isDirectory(absolute)) {
    const create = answers.create === undefined || answers.create === true || answers.create === 'true' || answers.create === 'yes';
    if (!create) {
      throw new ConfigError(`sync.dir.path: ${absolute} does not exist`, {code: 'dir_missing', hint: 'create it first, or answer yes to "create it"'});
    }
    await makeDirDurable(absolute);
    context.logger.info(`created ${absolute}`);
  }
  return {path};
}
