/**
 * The one GitHub client: `@octokit/core` composed with `@octokit/plugin-throttling`, loaded lazily
 * so `td` starts fast when GitHub is not used. Every GraphQL document goes through `run()`, which
 * turns GitHub's many ways of saying "stop" (HTTP 401/403/429/5xx, 200 with RATE_LIMITED,
 * RATE_LIMIT, a secondary-limit message, "submitted too quickly") into the SDK's typed errors.
 *
 * Retry policy: reads and non-creating writes may be retried in place when the wait is short;
 * content-creating mutations (createIssue, addComment, createLabel) are never retried here - the
 * caller reconciles by listing instead, because a failed answer does not prove nothing was created.
 */
import {AuthError, ConfigError, RateLimitError, TransientError, type Logger, type RateLimitInfo} from 'td-sync-sdk';
import {graphqlUrl} from './config.js';
import {Pacer} from './pacing.js';

export interface GraphQLErrorEntry {
  type?: string;
  message: string;
  path?: (string | number)[];
}

export interface GraphQLAnswer<T> {
  data: T | null;
  errors: GraphQLErrorEntry[];
}

export interface ClientOptions {
  baseUrl: string;
  token: string;
  /** Longest in-place wait for a rate limit, in seconds. */
  maxWaitSeconds: number;
  pacer: Pacer;
  logger: Logger;
  signal?: AbortSignal;
  /** Distinct per backend instance: plugin-throttling's queues are process-wide per id. */
  throttleId: string;
  now: () => Date;
}

const CREATING = /\b(createIssue|addComment|createLabel)\s*\(/;

/** Content-creating mutations count against GitHub's 80/min, 500/h secondary limits. */
export function countCreations(document: string): number {
  return (document.match(/\b(createIssue|addComment|createLabel)\s*\(/g) ?? []).length;
}

export function isContentCreating(document: string): boolean {
  return CREATING.test(document);
}

type Headers = Record<string, string | number | undefined>;

// The composed class, built once per process on first use (octokit is ESM-only and not small).
let GitHubClientClass: Promise<new (options: object) => OctokitLike> | undefined;

interface OctokitLike {
  request(route: string, params: Record<string, unknown>): Promise<{status: number; headers: Headers; data: unknown}>;
}

async function loadClientClass(): Promise<new (options: object) => OctokitLike> {
  GitHubClientClass ??= (async () => {
    const [{Octokit}, {throttling}] = await Promise.all([import('@octokit/core'), import('@octokit/plugin-throttling')]);
    const GitHubClient = Octokit.plugin(throttling);
    return GitHubClient as unknown as new (options: object) => OctokitLike;
  })();
  return GitHubClientClass;
}

/** A Bottleneck.Group stand-in that does not gate: spacing is the Pacer's job (it knows queries from writes). */
const passThroughGroup = {
  key: () => ({schedule: (_opts: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) => Promise.resolve(fn(...args))}),
};

export class GitHubGraphQL {
  /** Last rate-limit figures seen in response headers or a rateLimit selection. */
  rateLimit: RateLimitInfo = {};
  /** OAuth scopes of a classic token (x-oauth-scopes), when GitHub sent them. */
  scopes: string[] | undefined;
  /** The server's clock as of the last response (Date header). */
  serverDate: Date | undefined;
  /** Requests sent (for reports and tests). */
  requests = 0;
  /** Time spent waiting on rate limits in place. */
  waitedMs = 0;
  private client: OctokitLike | undefined;
  private readonly url: string;

  constructor(private readonly options: ClientOptions) {
    this.url = graphqlUrl(options.baseUrl);
  }

  private async instance(): Promise<OctokitLike> {
    if (this.client) return this.client;
    const Client = await loadClientClass();
    const {logger, maxWaitSeconds} = this.options;
    const mayWait = (retryAfter: number, retryCount: number) => retryCount < 2 && retryAfter <= maxWaitSeconds;
    this.client = new Client({
      auth: this.options.token,
      baseUrl: this.options.baseUrl,
      userAgent: 'td-sync-backend-github',
      log: {debug: () => {}, info: () => {}, warn: (m: string) => logger.debug(m), error: (m: string) => logger.debug(m)},
      throttle: {
        id: this.options.throttleId,
        write: passThroughGroup,
        onRateLimit: (retryAfter: number, _o: unknown, _k: unknown, retryCount: number) => {
          // A primary-limit refusal executed nothing, so any request may wait and go again.
          const ok = mayWait(retryAfter, retryCount);
          if (ok) {
            this.waitedMs += retryAfter * 1000;
            logger.warn(`GitHub rate limit reached; waiting ${retryAfter}s`);
          }
          return ok;
        },
        onSecondaryRateLimit: (retryAfter: number, opts: {query?: string; body?: string}, _k: unknown, retryCount: number) => {
          const doc = String(opts.query ?? opts.body ?? '');
          if (isContentCreating(doc)) return false;
          const ok = mayWait(retryAfter, retryCount);
          if (ok) {
            this.waitedMs += retryAfter * 1000;
            logger.warn(`GitHub secondary rate limit; waiting ${retryAfter}s`);
          }
          return ok;
        },
      },
    });
    return this.client;
  }

  private noteHeaders(headers: Headers | undefined): void {
    if (!headers) return;
    const h = (k: string) => (headers[k] === undefined ? undefined : String(headers[k]));
    const limit = h('x-ratelimit-limit');
    const remaining = h('x-ratelimit-remaining');
    const reset = h('x-ratelimit-reset');
    if (limit !== undefined) this.rateLimit.limit = Number(limit);
    if (remaining !== undefined) this.rateLimit.remaining = Number(remaining);
    if (reset !== undefined) this.rateLimit.resetAt = new Date(Number(reset) * 1000).toISOString();
    const resource = h('x-ratelimit-resource');
    if (resource) this.rateLimit.resource = resource;
    const scopes = h('x-oauth-scopes');
    if (scopes !== undefined) this.scopes = scopes.split(',').map((s) => s.trim()).filter(Boolean);
    const date = h('date');
    if (date) {
      const d = new Date(date);
      if (!Number.isNaN(d.getTime())) this.serverDate = d;
    }
  }

  private retryAtFrom(headers: Headers | undefined, fallbackSeconds: number): Date {
    const after = Number(headers?.['retry-after']);
    const base = this.serverDate ?? this.options.now();
    if (Number.isFinite(after) && after > 0) return new Date(base.getTime() + after * 1000);
    const reset = Number(headers?.['x-ratelimit-reset']);
    if (String(headers?.['x-ratelimit-remaining']) === '0' && Number.isFinite(reset) && reset > 0) return new Date(reset * 1000);
    return new Date(base.getTime() + fallbackSeconds * 1000);
  }

  /**
   * Send one document. Returns data plus per-field errors (aliased mutations may partly succeed);
   * throws typed errors for whole-request failures and for any rate-limit signal.
   */
  async run<T>(document: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer<T>> {
    const creations = countCreations(document);
    const mutation = /^\s*mutation\b/.test(document);
    if (mutation) await this.options.pacer.beforeWrite(creations);
    const client = await this.instance();
    this.requests++;
    let res: {status: number; headers: Headers; data: unknown};
    try {
      res = await client.request('POST /graphql', {
        url: this.url,
        query: document,
        variables,
        request: {signal: this.options.signal},
      });
    } catch (error) {
      throw this.classifyThrown(error, mutation, creations > 0);
    } finally {
      if (mutation) this.options.pacer.afterWrite(creations);
    }
    this.noteHeaders(res.headers);
    const body = (res.data ?? {}) as {data?: T | null; errors?: GraphQLErrorEntry[]};
    const errors = Array.isArray(body.errors) ? body.errors : [];
    const data = body.data ?? null;
    const rate = errors.find((e) => e.type === 'RATE_LIMITED' || e.type === 'RATE_LIMIT' || /secondary rate limit|abuse/i.test(e.message));
    if (rate && (data === null || errors.every((e) => e === rate || e.path === undefined))) {
      throw new RateLimitError(`GitHub rate limit: ${rate.message}`, this.retryAtFrom(res.headers, 60), {code: 'github_rate_limited'});
    }
    const broken = errors.find((e) => /something went wrong while executing your query/i.test(e.message));
    if (broken && data === null) {
      throw new TransientError(`GitHub failed to execute the request: ${broken.message}`, {
        code: mutation ? 'github_write_unknown' : 'github_transient',
        hint: 'run td sync again; writes are reconciled before anything is re-created',
      });
    }
    const denied = errors.find((e) => e.type === 'FORBIDDEN' || e.type === 'INSUFFICIENT_SCOPES');
    if (denied && (data === null || errors.every((e) => e.type === denied.type))) throw this.permissionError(denied.message, mutation);
    return {data, errors};
  }

  /** Like run() but any error entry is fatal (for reads). */
  async query<T>(document: string, variables: Record<string, unknown> = {}): Promise<T> {
    const {data, errors} = await this.run<T>(document, variables);
    if (errors.length > 0) {
      const first = errors[0]!;
      if (first.type === 'NOT_FOUND') {
        throw new ConfigError(`GitHub: ${first.message}`, {
          code: 'github_not_found',
          hint: 'check sync.github.repo, and that the token can see the repository',
        });
      }
      throw new TransientError(`GitHub query failed: ${first.message}`, {code: 'github_query_failed'});
    }
    if (data === null) throw new TransientError('GitHub returned no data', {code: 'github_query_failed'});
    return data;
  }

  private permissionError(message: string, write: boolean): AuthError {
    const need = write ? '"Issues: read and write" (classic token: the "repo" scope)' : '"Issues: read" and "Metadata: read" (classic token: the "repo" scope)';
    return new AuthError(`GitHub token lacks ${need}: ${message}`, {
      code: 'github_token_scope',
      hint: 'create a token with that permission, or run "gh auth refresh -s repo"',
      details: {missing: write ? 'issues:write' : 'issues:read', scopes: this.scopes},
    });
  }

  private classifyThrown(error: unknown, mutation: boolean, creating: boolean): Error {
    const e = error as {status?: number; message?: string; response?: {headers?: Headers; data?: unknown}; name?: string};
    if (e?.name === 'AbortError') return new TransientError('GitHub request aborted', {code: 'github_aborted', cause: error});
    const headers = e?.response?.headers;
    this.noteHeaders(headers);
    const message = String(e?.message ?? error);
    const dataMsg = JSON.stringify(e?.response?.data ?? '');
    if (message === 'GraphQL Rate Limit Exceeded' || String(headers?.['x-ratelimit-remaining']) === '0' && (e.status === 403 || e.status === 429 || e.status === undefined)) {
      return new RateLimitError('GitHub API rate limit exhausted; nothing was lost', this.retryAtFrom(headers, 60), {code: 'github_rate_limited'});
    }
    if (/secondary rate|abuse/i.test(message) || /secondary rate|abuse/i.test(dataMsg) || e.status === 429) {
      return new RateLimitError(`GitHub secondary rate limit${creating ? ' (content creation)' : ''}; nothing was lost`, this.retryAtFrom(headers, 60), {code: 'github_secondary_rate_limited'});
    }
    if (e.status === 401) {
      return new AuthError('GitHub rejected the token (401 Bad credentials)', {
        code: 'github_token_invalid',
        hint: 'export a valid GITHUB_TOKEN or GH_TOKEN, or run "gh auth login"',
      });
    }
    if (e.status === 403) return this.permissionError(message, mutation);
    if (e.status === 404) {
      return new ConfigError(`No GitHub GraphQL endpoint at ${this.url} (404)`, {code: 'github_endpoint_not_found', hint: 'check sync.github.baseUrl'});
    }
    if (e.status === undefined || e.status >= 500 || e.status === 408) {
      return new TransientError(
        mutation ? `GitHub did not confirm a write (${e.status ?? 'network error'}); it may or may not have been applied` : `GitHub unavailable (${e.status ?? 'network error'}): ${message}`,
        {code: mutation ? 'github_write_unknown' : 'github_unavailable', hint: 'run td sync again; writes are reconciled before anything is re-created', cause: error},
      );
    }
    return new TransientError(`GitHub request failed (${e.status}): ${message}`, {code: 'github_request_failed', cause: error});
  }
}
