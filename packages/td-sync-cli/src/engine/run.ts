/**
 * One sync run against one target (DESIGN §5): locks, the backend instance and its context, and
 * the shared state of the push and pull phases.
 */
import {ConfigError, instanceProblems, isSyncError, type BackendCapabilities, type Logger, type ProgressReporter, type RunContext, type SyncBackend, type SyncHooks} from 'td-sync-sdk';
import type {Store} from '../store/index.js';
import type {ResolvedTarget, SyncReport, SyncRunOptions} from './api.js';
import {Writer} from './locking.js';
import {syncSessionId} from './pending.js';
import {BackendState} from './state.js';
import {isHttp, lastSyncAt} from './targets.js';

export const silentLogger: Logger = {debug() {}, info() {}, warn() {}, error() {}};
export const silentProgress: ProgressReporter = {start() {}, tick() {}, done() {}};

export interface Run {
  store: Store;
  writer: Writer;
  target: ResolvedTarget;
  options: SyncRunOptions;
  hooks: SyncHooks;
  runContext: RunContext;
  backend: SyncBackend;
  caps: BackendCapabilities;
  unordered: boolean;
  http: boolean;
  dryRun: boolean;
  deviceId: string;
  sessionId: string;
  state: BackendState;
  logger: Logger;
  progress: ProgressReporter;
  signal: AbortSignal;
  now: () => Date;
  /** The project keeps last-writer-wins registers (it syncs with an unordered target too). */
  hasRegisters: boolean;
  /** td's last_sync_at as it was when the run started (spec §6.6). */
  lastSyncAt: Date | undefined;
  report: SyncReport;
}

export function emptyReport(target: ResolvedTarget, dryRun: boolean): SyncReport {
  return {
    target: target.targetId, backend: target.backendName, dryRun,
    pushed: 0, rejected: 0, pulled: 0, applied: 0, conflicts: 0, skipped: 0, failed: 0, pending: 0,
    heldBack: 0, rateLimitWaitMs: 0, durationMs: 0, warnings: [...(target.warnings ?? [])],
  };
}

/** Create the backend for this run with a context the engine owns, and validate what came back. */
export async function openRun(store: Store, target: ResolvedTarget, options: SyncRunOptions, report: SyncReport): Promise<Run> {
  const env = options.env ?? process.env;
  const dryRun = !!options.dryRun;
  const writer = new Writer(store, options.lockTimeoutMs);
  const logger = options.logger ?? silentLogger;
  const progress = options.progress ?? silentProgress;
  const signal = options.signal ?? new AbortController().signal;
  const now = options.now ?? (() => new Date());
  const deviceId = store.deviceId(env);
  const sessionId = options.sessionId ?? syncSessionId(store, env, !dryRun);
  const state = new BackendState(writer, target.targetId, dryRun);
  const hooks = target.hooks;
  const runContext: RunContext = {target: target.targetId, backend: target.backendName, dryRun};
  let backend: SyncBackend;
  try {
    backend = await target.definition.create(target.config, {
      target: target.targetId, projectRoot: store.root, deviceId, sessionId, state,
      credentials: target.credentials, logger, progress, signal, hooks, now,
    });
  } catch (e) {
    if (isSyncError(e)) throw e;
    throw new ConfigError(`backend "${target.backendName}" (${target.packageName}) failed to start: ${(e as Error).message}`, {
      code: 'backend_create_failed', hint: `check the "sync.${target.backendName}" settings with "td config list"`, cause: e,
    });
  }
  const problems = instanceProblems(backend);
  if (problems.length > 0) {
    throw new ConfigError(`backend "${target.backendName}" from ${target.packageName} returned an invalid instance: ${problems.join('; ')}`, {
      code: 'invalid_backend', hint: `report this to the maintainers of ${target.packageName}`,
    });
  }
  const caps = backend.capabilities;
  const http = isHttp(target.backendName);
  return {
    store, writer, target, options, hooks, runContext, backend, caps,
    unordered: caps.ordering === 'unordered', http, dryRun, deviceId, sessionId, state, logger, progress, signal, now,
    hasRegisters: caps.ordering === 'unordered' || store.getMeta('stamped_rowid') !== undefined,
    lastSyncAt: lastSyncAt(store.db, target.targetId, target.backendName), report,
  };
}

export function carries(caps: BackendCapabilities, entityType: string): boolean {
  return caps.entityTypes === 'all' || (caps.entityTypes as readonly string[]).includes(entityType);
}
