/**
 * An in-memory BackendContext for tests: a TargetState whose staged writes only become durable
 * on commit() (as the engine does with a cursor or acks), and are lost on crash().
 */
import {createSyncHooks, type BackendContext, type CredentialStore, type JsonObject, type TargetState} from 'td-sync-sdk';

export class MemoryState implements TargetState {
  durable = new Map<string, unknown>();
  staged = new Map<string, unknown>();
  deleted = new Set<string>();

  get<T>(key: string): T | undefined {
    if (this.staged.has(key)) return structuredClone(this.staged.get(key)) as T;
    return structuredClone(this.durable.get(key)) as T | undefined;
  }
  set(key: string, value: unknown): void {
    this.durable.set(key, structuredClone(value));
    this.staged.delete(key);
  }
  stage(key: string, value: unknown): void {
    this.staged.set(key, structuredClone(value));
  }
  delete(key: string): void {
    this.durable.delete(key);
    this.staged.delete(key);
  }
  keys(prefix = ''): string[] {
    return [...new Set([...this.durable.keys(), ...this.staged.keys()])].filter((k) => k.startsWith(prefix)).sort();
  }
  commit(): void {
    for (const [k, v] of this.staged) this.durable.set(k, v);
    this.staged.clear();
  }
  /** A crash: staged writes never reached the database. */
  crash(): void {
    this.staged.clear();
  }
}

export interface TestContext extends BackendContext {
  state: MemoryState;
  secrets: string[];
  logs: {level: string; message: string}[];
}

export function testContext(options: {env?: Record<string, string>; target?: string; deviceId?: string; now?: () => Date} = {}): TestContext {
  const env = options.env ?? {};
  const secrets: string[] = [];
  const logs: {level: string; message: string}[] = [];
  const files = new Map<string, JsonObject>();
  const credentials: CredentialStore = {
    env: (name) => env[name],
    readFile: async (name) => files.get(name),
    writeFile: async (name, value) => void files.set(name, value),
    deleteFile: async (name) => void files.delete(name),
    redact: (secret) => void secrets.push(secret),
  };
  const log = (level: string) => (message: string) => void logs.push({level, message});
  return {
    target: options.target ?? 'github:acme/app',
    projectRoot: '/tmp/none',
    deviceId: options.deviceId ?? '0123456789abcdef0123456789abcdef',
    sessionId: 'ses_test01',
    state: new MemoryState(),
    credentials,
    logger: {debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error')},
    progress: {start() {}, tick() {}, done() {}},
    signal: new AbortController().signal,
    hooks: createSyncHooks(),
    now: options.now ?? (() => new Date()),
    secrets,
    logs,
  };
}
