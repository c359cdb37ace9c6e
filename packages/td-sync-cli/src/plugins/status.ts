/**
 * What `td sync status` and `td sync --status` show: the configured target, where its backend came
 * from, local bookkeeping (cursor, last sync, pending, skipped, conflicts) and the backend's own
 * status(). In lenient mode every failure becomes a note instead of an error (td's `sync status`
 * never hard-fails).
 */
import {instanceProblems, type BackendContext, type BackendStatus, type JsonObject, type Logger, type TargetState} from 'td-sync-sdk';
import type {LoadedConfig} from '../config/load.js';
import {redactSecrets} from '../redact.js';
import type {Store} from '../store/index.js';
import type {OclifConfigLike} from './discovery.js';
import {loadEngine} from './engine-link.js';
import {configuredBackendName, resolveTarget} from './host.js';
import {quietLogger} from './logger.js';
import {noProgress} from './progress.js';

export interface SkippedRow {
  remoteSeq: string | null;
  reason: string;
  actionType: string;
  entityType: string;
  entityId: string;
  error?: string;
  skippedAt: string;
}

export interface SyncStatusReport {
  projectRoot: string;
  configured: boolean;
  backend?: string;
  package?: string;
  source?: string;
  target?: string;
  plugins?: string[];
  cursor?: string | null;
  lastPushAt?: string | null;
  lastPullAt?: string | null;
  lastSyncAt?: string | null;
  /** -1 = unknown */
  pendingEvents: number;
  skippedEvents: Record<string, number>;
  recentSkipped: SkippedRow[];
  conflicts: number;
  remote: BackendStatus | null;
  notes: string[];
}

export interface StatusOptions {
  config: LoadedConfig;
  store?: Store;
  oclif?: OclifConfigLike;
  backend?: string;
  /** Throw when the target cannot be resolved (for `td sync --status`); later problems stay notes. */
  strict?: boolean;
  /** Skip contacting the remote. */
  offline?: boolean;
  logger?: Logger;
  timeoutMs?: number;
}

/** Read-only view of a target's persistent state: status() must not change what the engine committed. */
function readOnlyState(store: Store, target: string): TargetState {
  const overlay = new Map<string, unknown>();
  const read = (key: string): unknown => {
    if (overlay.has(key)) return overlay.get(key);
    const row = store.db.prepare('SELECT value FROM td_sync_backend_state WHERE target = ? AND key = ?').get(target, key) as {value: string} | undefined;
    if (!row) return undefined;
    try {
      return JSON.parse(row.value);
    } catch {
      return row.value;
    }
  };
  return {
    get: <T>(key: string) => read(key) as T | undefined,
    set: (key, value) => void overlay.set(key, value),
    stage: (key, value) => void overlay.set(key, value),
    delete: (key) => void overlay.set(key, undefined),
    keys: (prefix = '') => {
      const rows = store.db.prepare('SELECT key FROM td_sync_backend_state WHERE target = ?').all(target) as Array<{key: string}>;
      const all = new Set([...rows.map((r) => r.key), ...overlay.keys()]);
      return [...all].filter((k) => k.startsWith(prefix) && read(k) !== undefined).sort();
    },
  };
}

const message = (e: unknown) => redactSecrets((e as Error)?.message ?? String(e));

export async function collectStatus(options: StatusOptions): Promise<SyncStatusReport> {
  const {config, store} = options;
  const report: SyncStatusReport = {
    projectRoot: config.projectRoot,
    configured: false,
    pendingEvents: -1,
    skippedEvents: {},
    recentSkipped: [],
    conflicts: 0,
    remote: null,
    notes: [],
  };
  const soft = async <T>(what: string, fn: () => T | Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (e) {
      if (options.strict && (what === 'configuration' || what === 'backend')) throw e;
      const hint = (e as {hint?: string}).hint;
      report.notes.push(`${what}: ${message(e)}${hint ? ` (${redactSecrets(hint)})` : ''}`);
      return undefined;
    }
  };

  const name = await soft('configuration', () => configuredBackendName({config, oclif: options.oclif, backend: options.backend}));
  if (!name) return report;
  report.configured = true;
  report.backend = name;

  const target = await soft('backend', () => resolveTarget({config, oclif: options.oclif, backend: options.backend, logger: options.logger}));
  if (target) {
    report.backend = target.backendName;
    report.package = target.packageName;
    report.source = target.source;
    report.target = target.targetId;
    report.plugins = target.plugins;
  }
  if (!store) {
    report.notes.push('no td database here: run "td init" first');
  } else if (target) {
    const engine = await soft('engine', () => loadEngine());
    const info = engine && (await soft('local state', () => engine.targetState(store, target.targetId, target.backendName)));
    if (info) {
      report.cursor = info.cursor;
      report.lastPushAt = info.lastPushAt;
      report.lastPullAt = info.lastPullAt;
      report.lastSyncAt = info.lastSyncAt;
      report.pendingEvents = info.pending;
      report.conflicts = info.conflicts;
    }
    await soft('skipped events', () => {
      for (const r of store.db.prepare('SELECT reason, count(*) AS n FROM td_sync_skipped WHERE target = ? GROUP BY reason ORDER BY reason').all(target.targetId) as Array<{reason: string; n: number}>) {
        report.skippedEvents[r.reason] = r.n;
      }
      report.recentSkipped = (
        store.db
          .prepare('SELECT remote_seq, reason, action_type, entity_type, entity_id, error, skipped_at FROM td_sync_skipped WHERE target = ? ORDER BY id DESC LIMIT 10')
          .all(target.targetId) as Array<Record<string, string | null>>
      ).map((r) => ({
        remoteSeq: r.remote_seq ?? null,
        reason: r.reason ?? '',
        actionType: r.action_type ?? '',
        entityType: r.entity_type ?? '',
        entityId: r.entity_id ?? '',
        ...(r.error ? {error: r.error} : {}),
        skippedAt: r.skipped_at ?? '',
      }));
    });
  }

  if (target && !store) report.notes.push('remote: not contacted (a backend needs the project database for its device id)');
  if (target && store && !options.offline) {
    report.remote =
      (await soft('remote', async () => {
        const controller = new AbortController();
        const timeoutMs = options.timeoutMs ?? 15_000;
        const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
        const context: BackendContext = {
          target: target.targetId,
          projectRoot: config.projectRoot,
          deviceId: (() => {
            try {
              return store?.deviceId() ?? '';
            } catch {
              return '';
            }
          })(),
          sessionId: '',
          state: store ? readOnlyState(store, target.targetId) : readOnlyStateless(),
          credentials: target.credentials,
          logger: options.logger ?? quietLogger,
          progress: noProgress,
          signal: controller.signal,
          hooks: target.hooks,
          now: () => new Date(),
        };
        try {
          const backend = await target.definition.create(target.config, context);
          const problems = instanceProblems(backend);
          if (problems.length > 0) throw new Error(`backend ${target.packageName}: create() returned an invalid backend: ${problems.join('; ')}`);
          try {
            const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {once: true}));
            const status = await Promise.race([backend.status(), aborted]);
            return JSON.parse(redactSecrets(JSON.stringify(status))) as BackendStatus;
          } finally {
            await backend.close?.().catch(() => undefined);
          }
        } finally {
          clearTimeout(timer);
        }
      })) ?? null;
  }
  return report;
}

function readOnlyStateless(): TargetState {
  const m = new Map<string, unknown>();
  return {
    get: <T>(k: string) => m.get(k) as T | undefined,
    set: (k, v) => void m.set(k, v),
    stage: (k, v) => void m.set(k, v),
    delete: (k) => void m.delete(k),
    keys: (p = '') => [...m.keys()].filter((k) => k.startsWith(p)),
  };
}

/** Lines of `td sync status` text output. */
export function renderStatus(s: SyncStatusReport): string[] {
  const pad = (label: string) => `${label} `.padEnd(22, '.') + ' ';
  const lines = [
    pad('Configured for sync') + (s.configured ? `yes (${s.backend})` : 'no'),
  ];
  if (s.target) lines.push(pad('Target') + s.target);
  if (s.package) lines.push(pad('Backend package') + `${s.package} (${s.source})`);
  if (s.plugins && s.plugins.length > 0) lines.push(pad('Plugins') + s.plugins.join(', '));
  if (s.configured) {
    lines.push(pad('Pending events') + (s.pendingEvents < 0 ? 'unknown' : String(s.pendingEvents)));
    lines.push(pad('Last sync') + (s.lastSyncAt ?? 'never'));
    if (s.cursor !== undefined) lines.push(pad('Cursor') + (s.cursor === null ? 'none (nothing pulled yet)' : s.cursor.length > 60 ? `${s.cursor.slice(0, 57)}...` : s.cursor));
    const skippedTotal = Object.values(s.skippedEvents).reduce((a, b) => a + b, 0);
    if (skippedTotal > 0) {
      lines.push(pad('Skipped events') + `${skippedTotal} (${Object.entries(s.skippedEvents).map(([r, n]) => `${r}=${n}`).join(', ')})`);
      for (const r of s.recentSkipped) lines.push(`  seq ${r.remoteSeq ?? '-'}  ${r.reason}  ${r.actionType} ${r.entityType}/${r.entityId}${r.error ? `: ${r.error}` : ''}`);
    }
    lines.push(pad('Conflicts') + String(s.conflicts) + (s.conflicts > 0 ? ' (td sync conflicts)' : ''));
  }
  if (s.remote) {
    const r = s.remote;
    lines.push(pad('Remote') + r.remote);
    lines.push(pad('Reachable') + (r.reachable ? 'yes' : 'no'));
    lines.push(pad('Authenticated') + (r.authenticated ? `yes${r.identity ? ` (${r.identity})` : ''}` : 'no'));
    if (r.pendingRemote !== undefined) lines.push(pad('Waiting on remote') + String(r.pendingRemote));
    if (r.rateLimit) {
      const rl = r.rateLimit;
      lines.push(pad('Rate limit') + `${rl.remaining ?? '?'}/${rl.limit ?? '?'}${rl.resource ? ` ${rl.resource}` : ''}${rl.resetAt ? `, resets ${rl.resetAt}` : ''}`);
    }
  }
  for (const n of s.notes) lines.push(`  note: ${n}`);
  return lines;
}

export type {JsonObject};
