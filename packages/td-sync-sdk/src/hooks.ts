/**
 * Every extension point of a sync run, declared once and frozen (webpack's Compiler style): a
 * reader learns the whole surface here. A hook's kind and argument names are public API.
 */
import {AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, SyncHook} from 'tapable';
import type {EntityType, JsonObject, PushResult, SyncEvent} from './types.js';

export interface RunContext {
  /** `<backend>:<remote>` */
  target: string;
  backend: string;
  dryRun: boolean;
}

/** A backend's remote draft of one event (GitHub: `{title, body, labels, ...}`). Backend-defined. */
export type RemoteDraft = JsonObject;

export interface Conflict {
  target: string;
  entityType: EntityType;
  entityId: string;
  /** The local row as it is now (null when absent locally). */
  local: JsonObject | null;
  /** Local events for this entity not yet acknowledged by this target. */
  localPending: SyncEvent[];
  /** The incoming event. */
  remote: SyncEvent;
}

/**
 * `remote`: apply the incoming event (local version kept in sync_conflicts).
 * `local`: skip the incoming event (it is recorded; the local change will be pushed).
 * `merge`: write `row` as the result (both versions kept in sync_conflicts).
 */
export type Resolution =
  | {winner: 'remote'; reason?: string}
  | {winner: 'local'; reason?: string}
  | {winner: 'merge'; row: JsonObject; reason?: string};

export interface ApplySummary {
  target: string;
  pulled: number;
  applied: number;
  conflicts: number;
  skipped: number;
}

export interface SyncErrorInfo {
  target: string;
  phase: 'push' | 'pull' | 'apply' | 'status' | 'load';
  error: Error;
}

export interface SyncReportSummary {
  target: string;
  pushed: number;
  pulled: number;
  applied: number;
  conflicts: number;
  skipped: number;
  failed: number;
  durationMs: number;
}

export function createSyncHooks() {
  return Object.freeze({
    /** AsyncSeriesWaterfallHook. The outgoing batch before the backend sees it: drop, redact, reorder. Dropped events stay pending. */
    beforePush: new AsyncSeriesWaterfallHook<[SyncEvent[], RunContext]>(['events', 'context']),
    /** AsyncSeriesHook. After a batch was pushed, with what the backend acknowledged. */
    afterPush: new AsyncSeriesHook<[PushResult, RunContext]>(['result', 'context']),
    /** AsyncSeriesWaterfallHook. Called by a backend to turn one outgoing event into its remote draft. */
    mapEvent: new AsyncSeriesWaterfallHook<[RemoteDraft, SyncEvent, RunContext]>(['draft', 'event', 'context']),
    /** AsyncSeriesWaterfallHook. Called by a backend for each inbound change it turned into an event; return null to drop it. */
    mapRemote: new AsyncSeriesWaterfallHook<[SyncEvent | null, unknown, RunContext]>(['event', 'remote', 'context']),
    /** AsyncSeriesWaterfallHook. A pulled page before conflict detection and apply: filter or rewrite. */
    beforeApply: new AsyncSeriesWaterfallHook<[SyncEvent[], RunContext]>(['events', 'context']),
    /** AsyncSeriesBailHook. First tap that returns a Resolution wins; none -> last-writer-wins. */
    onConflict: new AsyncSeriesBailHook<[Conflict, RunContext], Resolution | undefined>(['conflict', 'context']),
    /** AsyncSeriesHook. After a pulled page was committed with its cursor. */
    afterApply: new AsyncSeriesHook<[ApplySummary, RunContext]>(['summary', 'context']),
    /** SyncHook. Any error a run meets (observe only; the engine decides what happens). */
    onError: new SyncHook<[SyncErrorInfo]>(['info']),
    /** AsyncSeriesHook. End of a run, with its report. */
    afterSync: new AsyncSeriesHook<[SyncReportSummary]>(['report']),
  });
}

export type SyncHooks = ReturnType<typeof createSyncHooks>;

/** Names of all hooks, for validation and docs. */
export const HOOK_NAMES = Object.freeze(Object.keys(createSyncHooks())) as readonly (keyof SyncHooks)[];
