/**
 * `sync.github.*` configuration: validation, defaults and the remote id. Tokens never live here
 * (see auth.ts); a config that carries one is refused so it cannot leak into a committed `.tdrc`.
 */
import {ConfigError, type JsonObject} from 'td-sync-sdk';

export const GITHUB_API = 'https://api.github.com';

/** Which issues made outside td become td tasks on pull. */
export type ImportMode = 'managed' | 'all' | 'none';

export interface GitHubConfig extends JsonObject {
  /** `owner/name`. */
  repo: string;
  owner: string;
  name: string;
  /** REST base URL: `https://api.github.com`, a GHE `https://host/api/v3`, or an emulator. */
  baseUrl: string;
  /** The label td puts on every issue it owns. */
  managedLabel: string;
  /** Prefix of every label td derives from a field (`td:` -> `td:p1`, `td:in-progress`). */
  labelPrefix: string;
  /** `managed`: pull issues carrying the managed label; `all`: every issue; `none`: only td's own. */
  import: ImportMode;
  /** Issues per pull page (1-100; 50 keeps a page at one point of the GraphQL budget). */
  pageSize: number;
  /** How far before the watermark each pull starts again (GitHub's updatedAt is per second and may tie). */
  overlapSeconds: number;
  /** A full scan (no watermark) every this many hours heals drift; 0 = never. */
  reconcileHours: number;
  /** Longest rate-limit wait done in place; anything longer stops the sync with a retry time. */
  maxWaitSeconds: number;
  /** Gap between two mutation requests (GitHub asks for at least one second). */
  writeSpacingMs: number;
  /** Content-creating mutations (issues, comments, labels) allowed per minute and per hour. */
  createsPerMinute: number;
  createsPerHour: number;
  /** Mutations aliased into one request. */
  mutationsPerRequest: number;
}

const REPO_RE = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

function num(raw: JsonObject, key: string, def: number, min: number, max: number): number {
  const v = raw[key];
  if (v === undefined || v === null || v === '') return def;
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(`sync.github.${key} must be a number between ${min} and ${max} (got ${JSON.stringify(v)})`, {
      code: 'github_config_invalid',
      hint: `td config set sync.github.${key} ${def}`,
    });
  }
  return n;
}

function str(raw: JsonObject, key: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ConfigError(`sync.github.${key} must be a string`, {code: 'github_config_invalid'});
  return v.trim();
}

function importMode(v: unknown): ImportMode {
  if (v === undefined || v === null || v === '') return 'managed';
  if (v === true || v === 'true' || v === 'managed' || v === 'yes') return 'managed';
  if (v === false || v === 'false' || v === 'none' || v === 'no') return 'none';
  if (v === 'all') return 'all';
  throw new ConfigError(`sync.github.import must be "managed", "all" or "none" (got ${JSON.stringify(v)})`, {code: 'github_config_invalid'});
}

/** Every `sync.github.*` setting validateConfig reads (the host warns about any other). */
export const GITHUB_CONFIG_KEYS: readonly string[] = Object.freeze([
  'repo', 'baseUrl', 'labelPrefix', 'managedLabel', 'import', 'pageSize', 'overlapSeconds', 'reconcileHours',
  'maxWaitSeconds', 'writeSpacingMs', 'createsPerMinute', 'createsPerHour', 'mutationsPerRequest',
]);

export function validateConfig(raw: JsonObject): GitHubConfig {
  for (const k of ['token', 'auth', 'password', 'githubToken']) {
    if (raw[k] !== undefined) {
      throw new ConfigError(`sync.github.${k} must not be set: tokens never live in config files`, {
        code: 'github_token_in_config',
        hint: `remove it (td config unset sync.github.${k}) and export GITHUB_TOKEN, or log in with "gh auth login"`,
      });
    }
  }
  const repo = str(raw, 'repo');
  if (!repo) {
    throw new ConfigError('sync.github.repo is not set: which repository holds the issues?', {
      code: 'github_repo_missing',
      hint: 'td config set sync.github.repo owner/name',
    });
  }
  const m = REPO_RE.exec(repo);
  if (!m) {
    throw new ConfigError(`sync.github.repo must look like owner/name (got ${JSON.stringify(repo)})`, {
      code: 'github_repo_invalid',
      hint: 'td config set sync.github.repo owner/name',
    });
  }
  let baseUrl = str(raw, 'baseUrl') || GITHUB_API;
  try {
    const u = new URL(baseUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol');
  } catch {
    throw new ConfigError(`sync.github.baseUrl is not an http(s) URL (got ${JSON.stringify(baseUrl)})`, {code: 'github_config_invalid'});
  }
  baseUrl = baseUrl.replace(/\/+$/, '');
  const labelPrefix = str(raw, 'labelPrefix') ?? 'td:';
  if (labelPrefix.length > 30) throw new ConfigError('sync.github.labelPrefix must be at most 30 characters (labels are capped at 50)', {code: 'github_config_invalid'});
  const managedLabel = str(raw, 'managedLabel') || `${labelPrefix || 'td:'}managed`;
  if (managedLabel.length > 50) throw new ConfigError('sync.github.managedLabel must be at most 50 characters', {code: 'github_config_invalid'});
  return {
    repo,
    owner: m[1]!,
    name: m[2]!,
    baseUrl,
    managedLabel,
    labelPrefix,
    import: importMode(raw.import),
    pageSize: Math.floor(num(raw, 'pageSize', 50, 1, 100)),
    overlapSeconds: num(raw, 'overlapSeconds', 120, 0, 86_400),
    reconcileHours: num(raw, 'reconcileHours', 24, 0, 24 * 365),
    maxWaitSeconds: num(raw, 'maxWaitSeconds', 60, 0, 3_600),
    writeSpacingMs: num(raw, 'writeSpacingMs', 1000, 0, 60_000),
    createsPerMinute: Math.floor(num(raw, 'createsPerMinute', 60, 1, 1_000_000)),
    createsPerHour: Math.floor(num(raw, 'createsPerHour', 450, 1, 10_000_000)),
    mutationsPerRequest: Math.floor(num(raw, 'mutationsPerRequest', 10, 1, 50)),
  };
}

/** `owner/name` on github.com; `host/owner/name` elsewhere (GHE, an emulator). */
export function remoteId(config: Pick<GitHubConfig, 'repo' | 'baseUrl'>): string {
  const u = new URL(config.baseUrl);
  if (u.hostname === 'api.github.com' || u.hostname === 'github.com') return config.repo;
  return `${u.host}/${config.repo}`;
}

/** Where GraphQL lives for a REST base URL (GHE serves it at /api/graphql). */
export function graphqlUrl(baseUrl: string): string {
  if (/\/api\/v3\/?$/.test(baseUrl)) return baseUrl.replace(/\/api\/v3\/?$/, '/api/graphql');
  return `${baseUrl.replace(/\/+$/, '')}/graphql`;
}
