/**
 * `defineBackend` / `definePlugin`: identity functions that give authors types, plus the
 * validators the host runs on whatever a package exports.
 */
import {HOOK_NAMES} from './hooks.js';
import type {BackendDefinition, JsonObject, PluginDefinition} from './types.js';

export function defineBackend<C extends JsonObject>(definition: BackendDefinition<C>): BackendDefinition<C> {
  const problems = backendProblems(definition);
  if (problems.length > 0) throw new TypeError(`invalid backend definition: ${problems.join('; ')}`);
  return Object.freeze(definition);
}

export function definePlugin(definition: PluginDefinition): PluginDefinition {
  const problems = pluginProblems(definition);
  if (problems.length > 0) throw new TypeError(`invalid plugin definition: ${problems.join('; ')}`);
  return Object.freeze(definition);
}

const isFn = (v: unknown) => typeof v === 'function';
const isName = (v: unknown) => typeof v === 'string' && /^[a-z0-9][a-z0-9._-]*$/i.test(v);

/** Everything wrong with a would-be backend definition (empty = valid). */
export function backendProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['expected an object from defineBackend()'];
  const d = value as Record<string, unknown>;
  const problems: string[] = [];
  if (d.apiVersion !== 1) problems.push(`apiVersion must be 1 (got ${JSON.stringify(d.apiVersion)})`);
  if (!isName(d.name)) problems.push('name must be a short identifier such as "github"');
  if (typeof d.displayName !== 'string' || d.displayName === '') problems.push('displayName must be a non-empty string');
  for (const fn of ['validateConfig', 'remoteId', 'create']) if (!isFn(d[fn])) problems.push(`${fn} must be a function`);
  if (d.configKeys !== undefined && !(Array.isArray(d.configKeys) && d.configKeys.every((k) => typeof k === 'string'))) {
    problems.push('configKeys must be an array of setting names');
  }
  if (d.init !== undefined) {
    const init = d.init as Record<string, unknown>;
    if (typeof init !== 'object' || init === null || !isFn(init.questions)) problems.push('init.questions must be a function');
  }
  return problems;
}

export function pluginProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['expected an object from definePlugin()'];
  const d = value as Record<string, unknown>;
  const problems: string[] = [];
  if (d.apiVersion !== 1) problems.push(`apiVersion must be 1 (got ${JSON.stringify(d.apiVersion)})`);
  if (typeof d.name !== 'string' || d.name === '') problems.push('name must be a non-empty string');
  if (!isFn(d.apply)) problems.push('apply(hooks, context) must be a function');
  return problems;
}

/** Everything wrong with a live backend instance returned by `create()`. */
export function instanceProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['create() must return an object'];
  const b = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const fn of ['push', 'pull', 'status']) if (!isFn(b[fn])) problems.push(`${fn}() must be a function`);
  const caps = b.capabilities as Record<string, unknown> | undefined;
  if (typeof caps !== 'object' || caps === null) problems.push('capabilities must be an object');
  else {
    if (!(caps.entityTypes === 'all' || Array.isArray(caps.entityTypes))) problems.push('capabilities.entityTypes must be "all" or an array');
    for (const n of ['maxPushBatch', 'maxPullPage']) {
      const v = caps[n];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problems.push(`capabilities.${n} must be a positive integer`);
    }
    for (const n of ['bidirectional', 'echoesOwnEvents']) if (typeof caps[n] !== 'boolean') problems.push(`capabilities.${n} must be a boolean`);
  }
  return problems;
}

export {HOOK_NAMES};
