/**
 * Calling plugin hooks. A tap that throws is the plugin's fault, not the event's or the remote's:
 * the error names the hook and the tap, and the run fails (whatever the current transaction holds
 * is rolled back, nothing is marked synced).
 */
import type {SyncHooks} from 'td-sync-sdk';

type AnyHook = SyncHooks[keyof SyncHooks];

export class HookFailure extends Error {
  constructor(readonly hook: string, readonly tap: string | undefined, cause: unknown) {
    super(`the ${hook} hook failed${tap ? ` in tap "${tap}"` : ''}: ${(cause as Error)?.message ?? cause}; nothing from this step was recorded`, {cause});
    this.name = 'HookFailure';
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
    if (isHookFailure(e)) throw e;
    throw new HookFailure(name, track.last, e);
  }
}
