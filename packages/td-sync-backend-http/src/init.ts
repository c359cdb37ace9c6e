/**
 * `td sync init --backend http`: the server URL, then a project: one of the user's projects
 * (listed from the server when a key is at hand) or a new one. With flags:
 * `--set url=https://… --set projectId=p_…` (or `projectId=new:<name>`).
 */
import {basename} from 'node:path';
import {AuthError, ConfigError, type InitContext, type InitQuestion, type JsonObject} from 'td-sync-sdk';
import {resolveAuth} from './auth.js';
import {TdSyncClient} from './client.js';
import {DEFAULT_URL, defaultServerUrl, normalizeUrl, urlProblem} from './config.js';

export interface RemoteProject {
  id: string;
  name: string;
  description?: string;
  slug?: string;
}

export const NEW_PROJECT = 'new';

async function clientFor(url: string, context: InitContext, timeoutMs = 10_000): Promise<{client: TdSyncClient; hasKey: boolean}> {
  const auth = await resolveAuth(context.credentials);
  const client = new TdSyncClient({url, apiKey: async () => auth.apiKey, timeoutMs, maxRetries: 1, retryBudgetMs: 2_000, logger: context.logger});
  return {client, hasKey: Boolean(auth.apiKey)};
}

export async function listProjects(client: TdSyncClient): Promise<RemoteProject[]> {
  const res = await client.request<RemoteProject[]>('GET', '/v1/projects', {idempotent: true, what: 'listing projects'});
  return res.body ?? [];
}

export async function createProject(client: TdSyncClient, name: string, description = ''): Promise<RemoteProject> {
  // Not idempotent: a retried create could make two projects.
  const res = await client.request<RemoteProject>('POST', '/v1/projects', {body: {name, description}, idempotent: false, what: `creating project "${name}"`});
  return res.body;
}

export async function getProject(client: TdSyncClient, id: string): Promise<RemoteProject> {
  const res = await client.request<RemoteProject>('GET', `/v1/projects/${encodeURIComponent(id)}`, {idempotent: true, what: `reading project ${id}`});
  return res.body;
}

/**
 * The URL to suggest: this project's setting, else td's (TD_SYNC_URL, sync.url), else the server the
 * logged-in key belongs to (auth.json server_url), else td's default. `known` is false only for the
 * bare default: we never send the key to a server nobody named.
 */
async function suggestedUrl(context: InitContext): Promise<{url: string; known: boolean}> {
  if (typeof context.existing.url === 'string' && context.existing.url) return {url: normalizeUrl(context.existing.url), known: true};
  const fallback = defaultServerUrl();
  if (fallback !== DEFAULT_URL) return {url: fallback, known: true};
  const auth = await resolveAuth(context.credentials).catch(() => undefined);
  const fromLogin = auth?.file?.server_url;
  if (typeof fromLogin === 'string' && fromLogin && !urlProblem(fromLogin)) return {url: normalizeUrl(fromLogin), known: true};
  return {url: fallback, known: false};
}

export async function questions(context: InitContext): Promise<InitQuestion[]> {
  const {url, known} = await suggestedUrl(context);
  const folder = basename(context.projectRoot);
  const existingProject = typeof context.existing.projectId === 'string' ? context.existing.projectId : undefined;
  const projectQuestion: InitQuestion = {
    name: 'projectId',
    message: `td-sync project: a project id, or "${NEW_PROJECT}" / "${NEW_PROJECT}:<name>" to create one`,
    type: 'text',
    default: existingProject ?? NEW_PROJECT,
    validate: (v) => (v.trim() ? undefined : 'enter a project id or "new"'),
  };
  // List the user's projects on the server we already know of, if we can (best effort, short timeout).
  try {
    const {client, hasKey} = await clientFor(url, context, 3_000);
    if (hasKey && known) {
      try {
        const projects = await listProjects(client);
        // A text question, not a select: the host only accepts listed values for a select, and
        // "new:<name>" or a project on another server must stay possible (also with --set).
        const list = projects.length > 0 ? projects.map((p) => `  ${p.id}  ${p.name}`).join('\n') : '  (none yet)';
        projectQuestion.message = `Your td-sync projects on ${url}:\n${list}\nProject id to sync with, or "${NEW_PROJECT}" / "${NEW_PROJECT}:<name>" to create one (default name "${folder}")`;
        if (!existingProject && projects.length === 1) projectQuestion.default = projects[0].id;
      } finally {
        await client.close();
      }
    }
  } catch (e) {
    context.logger.debug(`could not list td-sync projects at ${url}: ${(e as Error).message}`);
  }
  return [
    {name: 'url', message: 'td-sync server URL', type: 'text', default: url, validate: (v) => urlProblem(v)},
    projectQuestion,
  ];
}

export async function finalize(answers: Record<string, string | boolean>, context: InitContext): Promise<JsonObject> {
  const rawUrl = String(answers.url ?? (await suggestedUrl(context)).url);
  const problem = urlProblem(rawUrl);
  if (problem) throw new ConfigError(`server URL: ${problem}`, {code: 'config_invalid', hint: 'td sync init --backend http --set url=https://your-td-sync-server'});
  const url = normalizeUrl(rawUrl);
  const answer = String(answers.projectId ?? answers.project ?? context.existing.projectId ?? NEW_PROJECT).trim();
  const {client, hasKey} = await clientFor(url, context);
  try {
    if (!hasKey) {
      throw new AuthError(`not logged in to ${url}`, {code: 'http_not_logged_in', hint: 'run "td auth login" (or set TD_AUTH_KEY), then "td sync init --backend http" again'});
    }
    if (answer === NEW_PROJECT || answer.startsWith(`${NEW_PROJECT}:`)) {
      const name = answer.slice(NEW_PROJECT.length + 1).trim() || basename(context.projectRoot);
      const project = await createProject(client, name);
      context.logger.info(`created td-sync project "${project.name}" (${project.id})`);
      return {url, projectId: project.id};
    }
    // Linking: membership is the only check the server makes; GET tells us now rather than at the first sync.
    const project = await getProject(client, answer);
    context.logger.info(`linked to td-sync project "${project.name}" (${project.id})`);
    return {url, projectId: project.id};
  } finally {
    await client.close();
  }
}
