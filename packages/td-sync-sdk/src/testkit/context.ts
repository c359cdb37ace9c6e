/**
 * An in-memory BackendContext, so a backend author needs nothing but this kit to exercise a
 * backend: state that distinguishes durable writes from staged ones (and can "crash"), a logger
 * and progress reporter that record what they were told, credentials from a plain object.
 */
import {randomBytes} from 'node:crypto';
import {createSyncHooks, type SyncHooks} from '../hooks.js';
import type {BackendContext, CredentialStore, JsonObject, Logger, ProgressReporter, TargetState} from '../types.js';

/**
 * TargetState the way the engine keeps it: `set` is durable at once; `stage` is visible at once but
 * only durable after `commit()` (the engine commits it with the cursor or the acks); `rollback()`
 * is what a crash does to staged writes.
 */
export class MemoryTargetState implements TargetState {
  private readonly durable = new Map<string, unknown>();
  private readonly staged = new Map<string, unknown>();
  private readonly stagedDeletes = new Set<string>();

  get<T = unknown>(key: string): T | undefined {
    if (this.stagedDeletes.has(key)) return undefined;
    if (this.staged.has(key)) return clone(this.staged.get(key)) as T;
    return clone(this.durable.get(key)) as T | undefined;
  }

  set(key: string, value: unknown): void {
    this.durable.set(key, clone(value));
    this.staged.delete(key);
    this.stagedDeletes.delete(key);
  }

  stage(key: string, value: unknown): void {
    this.staged.set(key, clone(value));
    this.stagedDeletes.delete(key);
  }

  delete(key: string): void {
    this.durable.delete(key);
    this.staged.delete(key);
    this.stagedDeletes.delete(key);
  }

  keys(prefix = ''): string[] {
    const all = new Set([...this.durable.keys(), ...this.staged.keys()]);
    for (const k of this.stagedDeletes) all.delete(k);
    return [...all].filter((k) => k.startsWith(prefix)).sort();
  }

  /** What the engine does when it commits a page's cursor or a batch's acks. */
  commit(): void {
    for (const [k, v] of this.staged) this.durable.set(k, v);
    this.staged.clear();
    this.stagedDeletes.clear();
  }

  /** What a crash does: staged writes never reached the database. */
  rollback(): void {
    this.staged.clear();
    this.stagedDeletes.clear();
  }

  /** Durable contents, for assertions. */
  snapshot(): Record<string, unknown> {
    return Object.fromEntries([...this.durable].map(([k, v]) => [k, clone(v)]));
  }
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: JsonObject;
}

export interface TestContextOptions {
  deviceId?: string;
  sessionId?: string;
  /** `<backend>:<remote>`; defaults to `test:memory`. */
  target?: string;
  projectRoot?: string;
  /** Environment the credential store exposes (nothing from process.env leaks in). */
  env?: Record<string, string>;
  /** Share one state between two contexts to play "the same device, a new process". */
  state?: MemoryTargetState;
  signal?: AbortSignal;
  hooks?: SyncHooks;
  now?: () => Date;
  /** Also print log lines to stderr (debugging a failing scenario). */
  echoLogs?: boolean;
}

export interface TestContext {
  context: BackendContext;
  state: MemoryTargetState;
  logs: LogRecord[];
  progress: Array<{event: 'start' | 'tick' | 'done'; phase?: string; total?: number; n?: number}>;
  /** Secrets the backend asked the host to redact. */
  redacted: string[];
  /** Credential files the backend wrote. */
  files: Map<string, JsonObject>;
}

export const randomDeviceId = () => randomBytes(16).toString('hex');
export const randomSessionId = () => `ses_${randomBytes(3).toString('hex')}`;

export function createTestContext(options: TestContextOptions = {}): TestContext {
  const logs: LogRecord[] = [];
  const progress: TestContext['progress'] = [];
  const redacted: string[] = [];
  const files = new Map<string, JsonObject>();
  const state = options.state ?? new MemoryTargetState();
  const log =
    (level: LogRecord['level']) =>
    (message: string, fields?: JsonObject): void => {
      logs.push({level, message, fields});
      if (options.echoLogs) process.stderr.write(`[${level}] ${message}\n`);
    };
  const logger: Logger = {debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error')};
  const reporter: ProgressReporter = {
    start: (phase, total) => void progress.push({event: 'start', phase, total}),
    tick: (n) => void progress.push({event: 'tick', n}),
    done: () => void progress.push({event: 'done'}),
  };
  const env = {...options.env};
  const credentials: CredentialStore = {
    env: (name) => env[name],
    readFile: async (name) => clone(files.get(name)),
    writeFile: async (name, value) => void files.set(name, clone(value)),
    deleteFile: async (name) => void files.delete(name),
    redact: (secret) => void redacted.push(secret),
  };
  const context: BackendContext = {
    target: options.target ?? 'test:memory',
    projectRoot: options.projectRoot ?? process.cwd(),
    deviceId: options.deviceId ?? randomDeviceId(),
    sessionId: options.sessionId ?? randomSessionId(),
    state,
    credentials,
    logger,
    progress: reporter,
    signal: options.signal ?? new AbortController().signal,
    hooks: options.hooks ?? createSyncHooks(),
    now: options.now ?? (() => new Date()),
  };
  return {context, state, logs, progress, redacted, files};
}
