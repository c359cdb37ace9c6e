/**
 * Dotted config keys (`sync.backend`, `sync.github.repo`, `plugins`), value parsing, td's own keys
 * with their defaults, and the rule that secrets never go into a config file.
 */
import {ConfigError, type JsonObject} from 'td-sync-sdk';

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

export function splitKey(key: string): string[] {
  const segs = key.split('.');
  if (key === '' || !segs.every((s) => SEGMENT.test(s))) {
    throw new ConfigError(`"${key}" is not a config key`, {code: 'invalid_key', hint: 'keys are dotted names such as sync.backend or sync.github.repo'});
  }
  return segs;
}

export const isPlainObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function getPath(obj: JsonObject, segs: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const s of segs) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, s)) return undefined;
    cur = cur[s];
  }
  return cur;
}

/** Set a value, creating objects on the way; a scalar in the way is an error (never silently replaced). */
export function setPath(obj: JsonObject, segs: readonly string[], value: unknown): void {
  let cur = obj;
  for (let i = 0; i < segs.length - 1; i++) {
    const s = segs[i]!;
    const next = cur[s];
    if (next === undefined) cur = cur[s] = {};
    else if (isPlainObject(next)) cur = next;
    else {
      const at = segs.slice(0, i + 1).join('.');
      throw new ConfigError(`cannot set ${segs.join('.')}: ${at} holds a value, not a section`, {code: 'invalid_key', hint: `unset ${at} first (td config unset ${at})`});
    }
  }
  cur[segs.at(-1)!] = value;
}

/** Remove a key and any section it leaves empty. Returns whether something was removed. */
export function unsetPath(obj: JsonObject, segs: readonly string[]): boolean {
  const [head, ...rest] = segs;
  if (head === undefined || !Object.hasOwn(obj, head)) return false;
  if (rest.length === 0) {
    delete obj[head];
    return true;
  }
  const child = obj[head];
  if (!isPlainObject(child)) return false;
  const removed = unsetPath(child, rest);
  if (removed && Object.keys(child).length === 0) delete obj[head];
  return removed;
}

/** Deep merge of plain objects; arrays and scalars from `over` replace. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = {...base};
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as JsonObject, v) : v;
  }
  return out;
}

/** Flatten to dotted keys (arrays are leaves). */
export function flatten(obj: JsonObject, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v) && Object.keys(v).length > 0) out.push(...flatten(v, key));
    else out.push([key, v]);
  }
  return out;
}

/** `true`/`false` -> boolean, numbers -> number, `{...}`/`[...]`/`"..."`/`null` -> JSON, anything else a string. */
export function parseValue(raw: string): unknown {
  const t = raw.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(t) && Number.isFinite(Number(t))) return Number(t);
  if (t === 'null' || /^[[{"]/.test(t)) {
    try {
      return JSON.parse(t);
    } catch (e) {
      throw new ConfigError(`value ${raw} looks like JSON but does not parse: ${(e as Error).message}`, {code: 'invalid_value', hint: 'quote it for your shell, or pass --string to store it as text'});
    }
  }
  return raw;
}

/** td's own keys (the Go td reads them from ~/.config/td/config.json), with their types and defaults. */
export const TD_KEYS: Readonly<Record<string, {type: 'bool' | 'int' | 'duration' | 'string'; default?: unknown}>> = Object.freeze({
  'sync.url': {type: 'string', default: 'http://localhost:8080'},
  'sync.enabled': {type: 'bool', default: false},
  'sync.autosync': {type: 'bool'},
  'sync.auto.enabled': {type: 'bool', default: true},
  'sync.auto.debounce': {type: 'duration', default: '3s'},
  'sync.auto.interval': {type: 'duration', default: '5m'},
  'sync.auto.pull': {type: 'bool', default: true},
  'sync.auto.on_start': {type: 'bool', default: true},
  'sync.snapshot_threshold': {type: 'int', default: 100},
});

/** td's keys live in the user file, where td reads them. */
export const isTdUserKey = (key: string): boolean => Object.hasOwn(TD_KEYS, key);

/** Parse a value for a td key the way td does (booleans accept 1/0; durations are Go durations). */
export function parseTdValue(key: string, raw: string): unknown {
  const spec = TD_KEYS[key]!;
  const bad = (what: string) => new ConfigError(`${key} must be ${what} (got "${raw}")`, {code: 'invalid_value'});
  switch (spec.type) {
    case 'bool':
      if (['true', '1'].includes(raw)) return true;
      if (['false', '0'].includes(raw)) return false;
      throw bad('true, false, 1 or 0');
    case 'int':
      if (/^-?\d+$/.test(raw)) return Number.parseInt(raw, 10);
      throw bad('an integer');
    case 'duration':
      if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(raw)) return raw;
      throw bad('a duration such as 3s, 5m or 1h30m');
    default:
      return raw;
  }
}

const SECRET_KEY = /(^|[._-])(token|access[_-]?token|api[_-]?key|apikey|auth[_-]?key|password|passwd|passphrase|secret|client[_-]?secret|private[_-]?key|credentials?)$/i;
const SECRET_VALUE = /^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}|td_(live|test)_[A-Za-z0-9]{16,})$/;

export const SECRETS_HINT =
  'secrets never go in config files: set them in the environment (GITHUB_TOKEN or GH_TOKEN for github, TD_AUTH_KEY for http), ' +
  'use "gh auth login", or run "td auth login", which stores them in a 0600 file in ~/.config/td';

/** Why this key/value must not be stored, or undefined when it may be. */
export function secretProblem(key: string, value: unknown): string | undefined {
  const last = key.split('.').at(-1) ?? key;
  if (SECRET_KEY.test(last)) return `refusing to store ${key}: it looks like a secret`;
  const walk = (v: unknown, at: string): string | undefined => {
    if (typeof v === 'string') return SECRET_VALUE.test(v.trim()) ? `refusing to store ${at}: its value looks like an access token` : undefined;
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) {
        const p = walk(x, `${at}[${i}]`);
        if (p) return p;
      }
    } else if (isPlainObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (SECRET_KEY.test(k)) return `refusing to store ${at}.${k}: it looks like a secret`;
        const p = walk(x, `${at}.${k}`);
        if (p) return p;
      }
    }
    return undefined;
  };
  return walk(value, key);
}
