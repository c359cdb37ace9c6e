/**
 * Calling plugin hooks. A tap that throws is the plugin's fault, not the event's or the remote's:
 * the error names the hook and the tap (code `plugin_failed`), and the run fails (whatever the
 * current transaction holds is rolled back, nothing is marked synced). A tap that throws a typed
 * SDK error (rate limit, transient...) is treated as that error.
 */
import {isSyncError, type SyncHooks} from 'td-sync-sdk';

type AnyHook = SyncHooks[keyof SyncHooks];

export class HookFailure extends Error {
  readonly code: string;
  readonly hint?: string;
  constructor(readonly hook: string, readonly tap: string | undefined, cause: unknown) {
    const named = cause as {message?: string; code?: unknown; hint?: unknown} | undefined;
    // The plugin host may already have named the plugin (code `plugin_failed`): keep its words.
    const blamed = typeof named?.code === 'string';
    super(blamed ? String(named!.message) : `the ${hook} hook failed${tap ? ` in tap "${tap}"` : ''}: ${named?.message ?? cause}; nothing from this step was recorded`, {cause});
    this.name = 'HookFailure';
    this.code = blamed ? String(named!.code) : 'plugin_failed';
    this.hint = typeof named?.hint === 'string' ? named.hint : 'fix or remove the plugin; events not acknowledged stay pending for the next td sync';
  }
}

export const isHookFailure = (e: unknown): e is HookFailure => e instanceof HookFailure;

/** The name of the tap that ran last on a hook (tapable interceptors, registered once per hook). */
const trackers = new WeakMap<object, {last?: string}>();
export function tapTracker(hook: AnyHook): {last?: string} {
  let t = trackers.get(hook);
  if (!t) {
    const track: {last?: string} = {};
    (hook as {intercept(i: object): void}).intercept({
      call: () => {
        track.last = undefined;
      },
      tap: (tap: {name: string}) => {
        track.last = tap.name;
      },
    });
    trackers.set(hook, track);
    t = track;
  }
  return t;
}

export async function callHook<T>(name: string, hook: AnyHook, call: () => Promise<T>): Promise<T> {
  const track = tapTracker(hook);
  try {
    return await call();
  } catch (e) {
    // Typed SDK errors keep their meaning (the engine acts on their kind).
    if (isHookFailure(e) || isSyncError(e)) throw e;
    throw new HookFailure(name, track.last, e);
  }
}
