/**
 * `sync.http` configuration: `{url, projectId}` plus optional transport tuning. The server URL
 * resolves like td's own (spec §1.1, §7.3) with the project setting first:
 * `sync.http.url` > `TD_SYNC_URL` > td's `sync.url` in ~/.config/td/config.json > http://localhost:8080.
 */
import {readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {isAbsolute, join} from 'node:path';
import {ConfigError, type JsonObject} from 'td-sync-sdk';

export const DEFAULT_URL = 'http://localhost:8080';

export interface HttpConfig extends JsonObject {
  /** Base URL of the td-sync server, without trailing slash. */
  url: string;
  /** The td-sync project id (`p_…`). */
  projectId: string;
  /** Per-request timeout (td: 30 s for a manual sync). */
  timeoutMs: number;
  /** Retries of an idempotent request after a 429/5xx/network error (0 = none). */
  maxRetries: number;
  /** Total time spent waiting between retries of one request before giving up. */
  retryBudgetMs: number;
}

/** td's per-user config folder (`~/.config/td`), resolved like the CLI does (XDG honoured). */
export function tdConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TD_CONFIG_DIR) return env.TD_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'td');
}

/** td's own `sync.url` from ~/.config/td/config.json, if set. */
export function tdSyncUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const cfg = JSON.parse(readFileSync(join(tdConfigDir(env), 'config.json'), 'utf8')) as {sync?: {url?: unknown}};
    return typeof cfg.sync?.url === 'string' && cfg.sync.url ? cfg.sync.url : undefined;
  } catch {
    return undefined;
  }
}

/** The URL a user gets when they configured none (env, then td's config, then td's default). */
export function defaultServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  return normalizeUrl(env.TD_SYNC_URL || tdSyncUrl(env) || DEFAULT_URL);
}

/** Strip trailing slashes: td concatenates paths, and `//v1/...` gets a 301 that breaks POSTs. */
export function normalizeUrl(raw: string): string {
  return raw.trim().replace(/\/+$/, '');
}

/** An error message for a bad server URL, or undefined. */
export function urlProblem(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(normalizeUrl(raw));
  } catch {
    return `"${raw}" is not a URL (expected e.g. https://sync.example.com)`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `"${raw}" must start with http:// or https://`;
  if (u.search || u.hash) return `"${raw}" must not contain a query or fragment`;
  return undefined;
}

const PROJECT_ID = /^[A-Za-z0-9_-]+$/;

function positiveInt(raw: JsonObject, key: string, fallback: number): number {
  const v = raw[key];
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new ConfigError(`sync.http.${key} must be a whole number >= 0 (got ${JSON.stringify(v)})`, {code: 'config_invalid', hint: `td config set sync.http.${key} <number>`});
  }
  return n;
}

export function validateConfig(raw: JsonObject, env: NodeJS.ProcessEnv = process.env): HttpConfig {
  const rawUrl = typeof raw.url === 'string' && raw.url ? raw.url : defaultServerUrl(env);
  const problem = urlProblem(rawUrl);
  if (problem) throw new ConfigError(`sync.http.url: ${problem}`, {code: 'config_invalid', hint: 'td config set sync.http.url https://your-td-sync-server'});
  // `project` is the key the issue names; `projectId` the one `td sync init` writes. Both work.
  const projectRaw = raw.projectId ?? raw.project;
  const projectId = typeof projectRaw === 'string' ? projectRaw.trim() : '';
  if (!projectId) {
    throw new ConfigError('sync.http.projectId is not set: this td project is not linked to a td-sync project', {
      code: 'http_project_missing',
      hint: 'run "td sync init --backend http", or "td sync link <project-id>" (list projects with "td sync init")',
    });
  }
  if (!PROJECT_ID.test(projectId)) {
    throw new ConfigError(`sync.http.projectId "${projectId}" is not a td-sync project id (expected e.g. p_0123456789abcdef)`, {code: 'config_invalid', hint: 'td sync link <project-id>'});
  }
  return {
    url: normalizeUrl(rawUrl),
    projectId,
    timeoutMs: positiveInt(raw, 'timeoutMs', 30_000) || 30_000,
    maxRetries: positiveInt(raw, 'maxRetries', 4),
    retryBudgetMs: positiveInt(raw, 'retryBudgetMs', 20_000),
  };
}

/** The remote part of the target id: `<url>/<projectId>`. */
export function remoteId(config: HttpConfig): string {
  return `${config.url}/${config.projectId}`;
}
