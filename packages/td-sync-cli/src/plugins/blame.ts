/**
 * Errors thrown by a plugin's tap name the plugin, the hook and the tap, so "tap exploded" becomes
 * `sync plugin ./plugins/redact.mjs (beforePush tap "redact") failed: tap exploded`. Done with a
 * tapable register interceptor that wraps each tap registered while a plugin's apply() runs.
 * Typed SDK errors pass through unchanged: the engine acts on their kind.
 */
import {isSyncError, type SyncHooks} from 'td-sync-sdk';

type AnyFn = (...args: any[]) => any;
interface TapInfo {
  type: 'sync' | 'async' | 'promise';
  name: string;
  fn: AnyFn;
}

export class PluginTapError extends Error {
  readonly code = 'plugin_failed';
  readonly hint: string;
  constructor(owner: string, hook: string, tap: string, cause: unknown) {
    super(`sync plugin ${owner} (${hook} tap "${tap}") failed: ${(cause as Error)?.message ?? String(cause)}`, {cause});
    this.name = 'PluginTapError';
    this.hint = `fix the plugin or remove it from "plugins" in your td config; events not acknowledged by the backend stay pending for the next td sync`;
  }
}

/** Install the interceptors; returns a function that runs `apply` with `owner` blamed for its taps. */
export function blameTaps(hooks: SyncHooks): <T>(owner: string, apply: () => Promise<T>) => Promise<T> {
  let current: string | undefined;
  for (const [hookName, hook] of Object.entries(hooks)) {
    (hook as unknown as {intercept(i: {register(t: TapInfo): TapInfo}): void}).intercept({
      register(tap) {
        const owner = current;
        if (!owner) return tap;
        const fail = (e: unknown) => (isSyncError(e) || e instanceof PluginTapError ? e : new PluginTapError(owner, hookName, tap.name, e));
        const fn = tap.fn;
        if (tap.type === 'sync') {
          return {...tap, fn: (...a: unknown[]) => {
            try {
              return fn(...a);
            } catch (e) {
              throw fail(e);
            }
          }};
        }
        if (tap.type === 'promise') {
          return {...tap, fn: (...a: unknown[]) => {
            try {
              return Promise.resolve(fn(...a)).catch((e) => Promise.reject(fail(e)));
            } catch (e) {
              return Promise.reject(fail(e));
            }
          }};
        }
        return {...tap, fn: (...a: unknown[]) => {
          const cb = a.pop() as (err: unknown, result?: unknown) => void;
          try {
            fn(...a, (err: unknown, result?: unknown) => (err ? cb(fail(err)) : cb(null, result)));
          } catch (e) {
            cb(fail(e));
          }
        }};
      },
    });
  }
  return async (owner, apply) => {
    current = owner;
    try {
      return await apply();
    } finally {
      current = undefined;
    }
  };
}
