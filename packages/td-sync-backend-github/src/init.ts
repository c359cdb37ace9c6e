/** `td sync init --backend github`: the questions, and a finalize that checks access for real. */
import {ConfigError, type CredentialStore, type InitContext, type InitQuestion, type JsonObject} from 'td-sync-sdk';
import {resolveToken} from './auth.js';
import {GitHubGraphQL} from './client.js';
import {GITHUB_API, validateConfig} from './config.js';
import {Pacer} from './pacing.js';
import {Remote} from './remote.js';
import {LabelScheme} from './labels.js';
import {BackendState} from './state.js';

export function questions(context: InitContext): InitQuestion[] {
  const e = context.existing;
  return [
    {
      name: 'repo',
      message: 'GitHub repository for the issues (owner/name)',
      type: 'text',
      default: typeof e.repo === 'string' ? e.repo : undefined,
      validate: (v) => (/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/.test(v.trim()) ? undefined : 'expected owner/name, e.g. acme/app'),
    },
    {name: 'baseUrl', message: 'GitHub API URL (GitHub Enterprise: https://HOST/api/v3)', type: 'text', default: typeof e.baseUrl === 'string' ? e.baseUrl : GITHUB_API},
    {
      name: 'import',
      message: 'Which issues made on GitHub become td tasks?',
      type: 'select',
      default: typeof e.import === 'string' ? e.import : 'managed',
      choices: [
        {value: 'managed', label: 'Only issues carrying the managed label'},
        {value: 'all', label: 'Every issue of the repository'},
        {value: 'none', label: 'None: only tasks created in td'},
      ],
    },
    {name: 'labelPrefix', message: 'Prefix of the labels td manages', type: 'text', default: typeof e.labelPrefix === 'string' ? e.labelPrefix : 'td:'},
    {name: 'managedLabel', message: 'Label marking issues td owns', type: 'text', default: typeof e.managedLabel === 'string' ? e.managedLabel : 'td:managed'},
    {
      name: 'tokenSource',
      message: 'Where does the token come from? (never stored in config)',
      type: 'select',
      default: 'env',
      choices: [
        {value: 'env', label: 'GITHUB_TOKEN or GH_TOKEN in the environment'},
        {value: 'gh', label: 'The GitHub CLI (gh auth login)'},
      ],
    },
  ];
}

/** Validate the answers and check the token can reach the repository; returns `sync.github.*`. */
export async function finalize(answers: Record<string, string | boolean>, context: InitContext): Promise<JsonObject> {
  const raw: JsonObject = {};
  for (const k of ['repo', 'baseUrl', 'import', 'labelPrefix', 'managedLabel']) if (answers[k] !== undefined && answers[k] !== '') raw[k] = answers[k];
  const config = validateConfig(raw);
  await checkAccess(config, context.credentials);
  const out: JsonObject = {repo: config.repo};
  if (config.baseUrl !== GITHUB_API) out.baseUrl = config.baseUrl;
  if (config.import !== 'managed') out.import = config.import;
  if (config.labelPrefix !== 'td:') out.labelPrefix = config.labelPrefix;
  if (config.managedLabel !== `${config.labelPrefix}managed`) out.managedLabel = config.managedLabel;
  return out;
}

async function checkAccess(config: ReturnType<typeof validateConfig>, credentials: CredentialStore): Promise<void> {
  const {token} = await resolveToken(credentials, config.baseUrl);
  const memory = new Map<string, unknown>();
  const state = new BackendState({
    get: <T>(k: string) => memory.get(k) as T | undefined,
    set: (k, v) => void memory.set(k, v),
    stage: (k, v) => void memory.set(k, v),
    delete: (k) => void memory.delete(k),
    keys: (p = '') => [...memory.keys()].filter((k) => k.startsWith(p)),
  });
  const quiet = {debug() {}, info() {}, warn() {}, error() {}};
  const client = new GitHubGraphQL({
    baseUrl: config.baseUrl,
    token,
    maxWaitSeconds: 5,
    pacer: new Pacer({spacingMs: 0, perMinute: 1, perHour: 1, maxWaitSeconds: 0, now: () => new Date()}),
    logger: quiet,
    throttleId: `td-github-init-${process.pid}`,
    now: () => new Date(),
  });
  const remote = new Remote(client, config, state, new LabelScheme(config.labelPrefix, config.managedLabel));
  try {
    await remote.repo(true);
  } catch (error) {
    if (error instanceof Error && !(error as {kind?: string}).kind) throw new ConfigError(`could not reach GitHub at ${config.baseUrl}: ${error.message}`, {code: 'github_unreachable'});
    throw error;
  }
}
