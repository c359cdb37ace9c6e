/**
 * The td-sync HTTP client: one keep-alive undici Pool per server, JSON in and out, both error
 * envelope shapes, and bounded retries with back-off for idempotent requests only.
 *
 * undici is imported lazily (it costs ~58 ms to load), so `td` commands that never talk to the
 * server do not pay for it.
 */
import {AuthError, ConfigError, PermanentError, RateLimitError, TransientError, type Logger, type SyncError} from 'td-sync-sdk';
import {parseErrorBody, type ServerError} from './envelope.js';

type UndiciModule = typeof import('undici');
type Pool = InstanceType<UndiciModule['Pool']>;

let undiciPromise: Promise<UndiciModule> | undefined;
const loadUndici = () => (undiciPromise ??= import('undici'));

export interface ClientOptions {
  url: string;
  /** Returns the API key, or undefined when none is configured (auth endpoints need none). */
  apiKey?: () => Promise<string | undefined>;
  timeoutMs?: number;
  maxRetries?: number;
  retryBudgetMs?: number;
  /** First back-off step (doubles each retry). */
  baseDelayMs?: number;
  logger?: Logger;
  signal?: AbortSignal;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** A body already serialised as JSON (wins over `body`). */
  rawBody?: string;
  /** Safe to send again after a 429/5xx/network error (the server would not apply it twice). */
  idempotent: boolean;
  /** Send the bearer key (false for the login endpoints, like td). */
  auth?: boolean;
  /** What the request is for, used in error messages (e.g. "push to p_123"). */
  what: string;
  /** Statuses the caller handles itself (returned instead of thrown). */
  accept?: number[];
  /** Fewer retries than the client's default (e.g. a status probe should answer fast). */
  maxRetries?: number;
  /** A success body is binary (the snapshot download): returned as a Buffer, not parsed as JSON. */
  binary?: boolean;
}

export interface Response<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  /** Attempts made (1 = no retry). */
  attempts: number;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, {once: true});
  });

/** `Retry-After` in seconds or as an HTTP date -> milliseconds from now (undefined when absent/bad). */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A failure worth retrying: carries what the next attempt should wait for. */
class RetryableFailure extends Error {
  constructor(
    readonly kind: 'rate_limit' | 'server' | 'network',
    message: string,
    readonly status?: number,
    readonly waitMs?: number,
    readonly server?: ServerError,
    readonly original?: unknown,
  ) {
    super(message);
  }
}

export class TdSyncClient {
  readonly url: string;
  private pool?: Pool;
  private readonly opts: Required<Pick<ClientOptions, 'timeoutMs' | 'maxRetries' | 'retryBudgetMs' | 'baseDelayMs'>> & ClientOptions;

  constructor(options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.opts = {timeoutMs: 30_000, maxRetries: 4, retryBudgetMs: 20_000, baseDelayMs: 250, ...options};
  }

  private async getPool(): Promise<Pool> {
    if (!this.pool) {
      const {Pool} = await loadUndici();
      this.pool = new Pool(new URL(this.url).origin, {
        connections: 4,
        keepAliveTimeout: 60_000,
        // td-sync closes idle keep-alive connections after 120 s; stay below it.
        keepAliveMaxTimeout: 110_000,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
        connectTimeout: Math.min(this.opts.timeoutMs, 10_000),
      });
    }
    return this.pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close().catch(() => undefined);
  }

  /** One request with td-sync's conventions; retries only when `idempotent`. */
  async request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: RequestOptions): Promise<Response<T>> {
    const now = this.opts.now ?? Date.now;
    const sleep = this.opts.sleep ?? defaultSleep;
    const budgetEnd = now() + this.opts.retryBudgetMs;
    const maxAttempts = options.idempotent ? Math.min(this.opts.maxRetries, options.maxRetries ?? Infinity) + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.once<T>(method, path, options);
        return {...res, attempts: attempt};
      } catch (e) {
        if (!(e instanceof RetryableFailure)) throw e;
        const backoff = Math.min(this.opts.baseDelayMs * 2 ** (attempt - 1), 5_000);
        // Retry-After wins over our own schedule; td-sync itself never sends it, proxies may.
        const wait = e.waitMs ?? backoff;
        const last = attempt >= maxAttempts || now() + wait > budgetEnd || this.opts.signal?.aborted;
        if (last) throw this.finalError(e, options, attempt, wait);
        this.opts.logger?.debug(`td-sync ${options.what}: ${e.message}; retrying in ${wait} ms (attempt ${attempt + 1}/${maxAttempts})`);
        await sleep(wait, this.opts.signal);
      }
    }
  }

  private async once<T>(method: string, path: string, options: RequestOptions): Promise<Omit<Response<T>, 'attempts'>> {
    const pool = await this.getPool();
    const headers: Record<string, string> = {accept: 'application/json', 'user-agent': 'td-sync-backend-http'};
    if (options.auth !== false) {
      const key = await this.opts.apiKey?.();
      if (!key) {
        throw new AuthError(`no td-sync API key for ${this.url}`, {
          code: 'http_not_logged_in',
          hint: 'run "td auth login", or set TD_AUTH_KEY to an API key',
        });
      }
      headers.authorization = `Bearer ${key}`;
    }
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      body = options.rawBody ?? JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const basePath = new URL(this.url).pathname.replace(/\/+$/, '');
    const query = options.query
      ? '?' + Object.entries(options.query).filter(([, v]) => v !== undefined).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')
      : '';
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await pool.request({method, path: `${basePath}${path}${query}`, headers, body, signal: this.opts.signal});
    } catch (e) {
      if (this.opts.signal?.aborted) throw e;
      throw new RetryableFailure('network', `${describeNetworkError(e)}`, undefined, undefined, undefined, e);
    }
    let text: string;
    let bytes: Buffer | undefined;
    try {
      if (options.binary && res.statusCode < 400) bytes = Buffer.from(await res.body.arrayBuffer());
      text = bytes ? '' : await res.body.text();
    } catch (e) {
      throw new RetryableFailure('network', `response cut off: ${describeNetworkError(e)}`, undefined, undefined, undefined, e);
    }
    const status = res.statusCode;
    if (bytes) return {status, headers: res.headers, body: bytes as T};
    if (status < 400 || options.accept?.includes(status)) {
      let parsed: unknown = undefined;
      if (text.trim() !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          if (status < 400) throw new TransientError(`td-sync at ${this.url} answered ${options.what} with something that is not JSON (HTTP ${status})`, {code: 'http_bad_response', hint: 'check that sync.http.url points at a td-sync server'});
          parsed = text;
        }
      }
      return {status, headers: res.headers, body: parsed as T};
    }
    const server = parseErrorBody(text, status);
    if (status === 429) throw new RetryableFailure('rate_limit', `rate limited (${server.message})`, status, retryAfterMs(res.headers['retry-after'], (this.opts.now ?? Date.now)()), server);
    if (status >= 500) throw new RetryableFailure('server', `HTTP ${status} ${server.code}: ${server.message}`, status, retryAfterMs(res.headers['retry-after'], (this.opts.now ?? Date.now)()), server);
    throw this.clientError(status, server, options);
  }

  /** After the last attempt: the SDK error that tells the user what happened and what to do. */
  private finalError(e: RetryableFailure, options: RequestOptions, attempts: number, nextWaitMs: number): SyncError {
    const tries = attempts === 1 ? '' : ` (after ${attempts} attempts)`;
    const details = {url: this.url, attempts, status: e.status, serverCode: e.server?.code};
    if (e.kind === 'rate_limit') {
      // td-sync's windows are one minute long and it sends no Retry-After: a minute is the safe wait.
      const retryAt = new Date((this.opts.now ?? Date.now)() + (e.waitMs ?? 60_000));
      return new RateLimitError(`td-sync at ${this.url} rate-limited ${options.what}${tries}`, retryAt, {
        code: 'http_rate_limited',
        hint: `nothing was lost; run "td sync" again after ${retryAt.toISOString()}`,
        details,
      });
    }
    if (e.kind === 'network') {
      return new TransientError(`td-sync at ${this.url} is unreachable during ${options.what}${tries}: ${e.message}`, {
        code: 'http_unreachable',
        hint: 'check the server URL (sync.http.url or TD_SYNC_URL) and your network, then run "td sync" again; nothing was lost',
        details,
        cause: e.original,
      });
    }
    void nextWaitMs;
    return new TransientError(`td-sync at ${this.url} failed ${options.what}${tries}: ${e.message}`, {
      code: 'http_server_error',
      hint: 'the server had a problem; run "td sync" again later (already-sent events are deduplicated, nothing is lost)',
      details,
    });
  }

  private clientError(status: number, server: ServerError, options: RequestOptions): SyncError {
    const details = {url: this.url, status, serverCode: server.code};
    const said = `${server.code}: ${server.message}`;
    if (status === 401) {
      return new AuthError(`td-sync at ${this.url} rejected the API key for ${options.what} (401 ${said})`, {
        code: 'http_unauthorized',
        hint: 'log in again with "td auth login", or set TD_AUTH_KEY to a valid API key',
        details,
      });
    }
    if (status === 403) {
      const m = /have (\w+), need (\w+)/.exec(server.message);
      const hint =
        server.code === 'insufficient_scope'
          ? 'this API key lacks the "sync" scope: run "td auth login" for a sync key, or set TD_AUTH_KEY to one'
          : m
            ? `you are a ${m[1]} of this project and ${options.what} needs ${m[2]}: ask a project owner to change your role`
            : /not a member/.test(server.message)
              ? 'you are not a member of this project: ask its owner to add you, or link one of your projects with "td sync link <project-id>" (td auth login if this is the wrong account)'
              : 'check the account with "td auth status"; log in again with "td auth login" or set TD_AUTH_KEY';
      return new AuthError(`td-sync at ${this.url} refused ${options.what} (403 ${said})`, {code: 'http_forbidden', hint, details});
    }
    if (status === 404 && server.code === 'not_found') {
      return new ConfigError(`td-sync at ${this.url}: ${options.what} failed, the project was not found or was deleted (404)`, {
        code: 'http_project_not_found',
        hint: 'link an existing project with "td sync link <project-id>" or create one with "td sync init --backend http"',
        details,
      });
    }
    if (status === 404 || status === 405) {
      return new ConfigError(`td-sync at ${this.url} does not know ${options.what} (HTTP ${status}): is this a td-sync server?`, {
        code: 'http_not_td_sync',
        hint: 'check sync.http.url (or TD_SYNC_URL): it must be the base URL of a td-sync server',
        details,
      });
    }
    return new PermanentError(`td-sync at ${this.url} refused ${options.what} (HTTP ${status} ${said})`, {code: `http_${server.code || status}`, details});
  }
}

function describeNetworkError(e: unknown): string {
  const err = e as {code?: string; message?: string; cause?: {code?: string; message?: string}};
  const code = err?.code ?? err?.cause?.code;
  const message = err?.message ?? String(e);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
