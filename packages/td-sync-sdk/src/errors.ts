/**
 * Typed errors, few on purpose. Backends and the engine may live in different copies of this
 * package (a plugin installed by `td plugins install` brings its own), so never rely on
 * `instanceof`: use `isSyncError`, which checks a global brand and the `kind`.
 */
const BRAND = Symbol.for('td-sync.error');

export type SyncErrorKind = 'config' | 'auth' | 'rate_limit' | 'transient' | 'permanent' | 'conflict';

export interface SyncErrorOptions {
  /** Stable machine code for `--json` (e.g. `github_token_missing`). Defaults to the kind. */
  code?: string;
  /** What the user should do next. */
  hint?: string;
  cause?: unknown;
  /** Extra fields for `--json` (no secrets). */
  details?: Record<string, unknown>;
}

export class SyncError extends Error {
  readonly [BRAND] = true;
  readonly kind: SyncErrorKind;
  readonly code: string;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(kind: SyncErrorKind, message: string, options: SyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'SyncError';
    this.kind = kind;
    this.code = options.code ?? kind;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** Bad or missing configuration: the user must change a setting. */
export class ConfigError extends SyncError {
  constructor(message: string, options?: SyncErrorOptions) {
    super('config', message, options);
    this.name = 'ConfigError';
  }
}

/** Missing, expired or under-privileged credentials. */
export class AuthError extends SyncError {
  constructor(message: string, options?: SyncErrorOptions) {
    super('auth', message, options);
    this.name = 'AuthError';
  }
}

/** The remote asked us to stop; nothing is lost, retry after `retryAt`. */
export class RateLimitError extends SyncError {
  readonly retryAt: Date;
  constructor(message: string, retryAt: Date, options?: SyncErrorOptions) {
    super('rate_limit', message, {...options, details: {...options?.details, retryAt: retryAt.toISOString()}});
    this.name = 'RateLimitError';
    this.retryAt = retryAt;
  }
}

/** Network trouble, 5xx, timeouts: the same call may succeed later. */
export class TransientError extends SyncError {
  constructor(message: string, options?: SyncErrorOptions) {
    super('transient', message, options);
    this.name = 'TransientError';
  }
}

/** This event can never be applied or pushed (a poison event): quarantine it and move on. */
export class PermanentError extends SyncError {
  constructor(message: string, options?: SyncErrorOptions) {
    super('permanent', message, options);
    this.name = 'PermanentError';
  }
}

/** The remote changed under us in a way the backend cannot reconcile by itself. */
export class ConflictError extends SyncError {
  constructor(message: string, options?: SyncErrorOptions) {
    super('conflict', message, options);
    this.name = 'ConflictError';
  }
}

export function isSyncError(error: unknown): error is SyncError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

export function isSyncErrorKind(error: unknown, kind: SyncErrorKind): error is SyncError {
  return isSyncError(error) && error.kind === kind;
}
