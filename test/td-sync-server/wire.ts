/**
 * Wire details of the td-sync server (spec §1.2-1.4, §6): Go's JSON decoding quirks, Go's
 * encoder output, the server's entity/action normalisation, work-session scrubbing and RFC 3339
 * timestamps rendered the way Go renders them.
 */

/** A handler error that becomes the nested envelope `{"error":{"code","message"}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new ApiError(400, 'bad_request', message);
export const invalidJson = () => badRequest('invalid json body');

/**
 * Go's encoding/json output: compact, HTML-sensitive characters escaped, one trailing newline.
 * The escapes are safe to apply to the whole text because those characters only occur in strings.
 */
export function goJson(value: unknown): string {
  return (
    JSON.stringify(value)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029') + '\n'
  );
}

/**
 * Go's decoder, as the server uses it on a struct: field names match case-insensitively (an exact
 * match wins), `null` leaves the zero value, a wrong JSON type for a known field is an error.
 */
export type FieldKind = 'string' | 'int' | 'array' | 'raw' | 'object';

export function pickField(obj: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** Decode one known field; throws `invalid json body` on a wrong type. Returns undefined when absent. */
export function field(obj: Record<string, unknown>, name: string, kind: FieldKind): unknown {
  const v = pickField(obj, name);
  if (v === undefined) return undefined;
  if (kind === 'raw') return v; // json.RawMessage takes anything, null included
  if (v === null) return undefined;
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') throw invalidJson();
      return v;
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidJson();
      return v;
    case 'array':
      if (!Array.isArray(v)) throw invalidJson();
      return v;
    case 'object':
      if (typeof v !== 'object' || Array.isArray(v)) throw invalidJson();
      return v;
  }
}

/** Parse a request body as Go's decoder would: the first JSON value; anything else is `invalid json body`. */
export function parseBody(text: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed === '') throw invalidJson();
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    value = firstJsonValue(trimmed);
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidJson();
  return value as Record<string, unknown>;
}

/** Go's json.Decoder reads only the first value: `{"a":1} trailing` decodes fine. */
function firstJsonValue(text: string): unknown {
  if (text[0] !== '{') throw invalidJson();
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        try {
          return JSON.parse(text.slice(0, i + 1));
        } catch {
          throw invalidJson();
        }
      }
    }
  }
  throw invalidJson();
}

// ---- taxonomy (server side, spec §6.3/§6.4) -------------------------------------------------

const ENTITY: Record<string, string> = {
  issues: 'issues', issue: 'issues',
  logs: 'logs', log: 'logs',
  handoffs: 'handoffs', handoff: 'handoffs',
  comments: 'comments', comment: 'comments',
  sessions: 'sessions', session: 'sessions',
  boards: 'boards', board: 'boards',
  board_issue_positions: 'board_issue_positions', board_position: 'board_issue_positions',
  work_sessions: 'work_sessions', work_session: 'work_sessions',
  work_session_issues: 'work_session_issues', work_session_issue: 'work_session_issues',
  issue_files: 'issue_files', file_link: 'issue_files',
  issue_dependencies: 'issue_dependencies', dependency: 'issue_dependencies',
  git_snapshots: 'git_snapshots', git_snapshot: 'git_snapshots',
  issue_session_history: 'issue_session_history', issue_session_histories: 'issue_session_history',
  issue_reviews: 'issue_reviews', issue_review: 'issue_reviews',
  notes: 'notes', note: 'notes',
};

export function serverEntityType(value: string): string | undefined {
  return ENTITY[value.toLowerCase()];
}

const CANONICAL_ACTIONS = new Set(['create', 'update', 'delete', 'soft_delete', 'restore']);
const TO_CREATE = new Set(['create', 'handoff', 'add_dependency', 'link_file', 'board_create', 'board_update', 'board_add_issue', 'board_set_position', 'work_session_tag']);
const TO_DELETE = new Set(['remove_dependency', 'unlink_file', 'board_delete', 'work_session_untag', 'review_delete']);
const TO_SOFT_DELETE = new Set(['board_unposition', 'board_remove_issue', 'delete', 'soft_delete']);

/** Exactly canonical values are kept; anything else is lower-cased and mapped (so `DELETE` -> soft_delete). */
export function serverActionType(value: string): string {
  if (CANONICAL_ACTIONS.has(value)) return value;
  const a = value.toLowerCase();
  if (TO_CREATE.has(a)) return 'create';
  if (TO_DELETE.has(a)) return 'delete';
  if (TO_SOFT_DELETE.has(a)) return 'soft_delete';
  if (a === 'restore') return 'restore';
  return 'update';
}

// ---- payload scrubbing (§6.5) ---------------------------------------------------------------

const SCRUBBED = ['worktree_id', 'worktree_root', 'repo_root'];

/** Go re-serialises a scrubbed payload from a map: keys sorted at every level. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

export function scrubWorkSession(payload: unknown): unknown {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return payload;
  const p = {...(payload as Record<string, unknown>)};
  for (const k of SCRUBBED) delete p[k];
  for (const side of ['new_data', 'previous_data']) {
    const inner = p[side];
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
      const copy = {...(inner as Record<string, unknown>)};
      for (const k of SCRUBBED) delete copy[k];
      p[side] = copy;
    }
  }
  return sortKeys(p);
}

// ---- RFC 3339 (Go's parser and RFC3339Nano rendering) ---------------------------------------

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-](\d{2}):(\d{2}))$/;

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/**
 * Parse like Go's time.Parse(time.RFC3339): returns the Go RFC3339Nano rendering with the
 * original offset kept (zero offset rendered `Z`), or undefined when Go would refuse the value.
 */
export function goRfc3339(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone, zh, zm] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 'Z';
  if (zone !== 'Z') {
    if (Number(zh) > 24 || Number(zm) > 59) return undefined;
    offset = Number(zh) === 0 && Number(zm) === 0 ? 'Z' : `${zone[0]}${zh}:${zm}`;
  }
  const fraction = (frac ?? '').slice(0, 9).replace(/0+$/, '');
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${y}-${mo}-${d}T${pad(hour)}:${mi}:${s}${fraction ? `.${fraction}` : ''}${offset}`;
}

/** UTC, whole seconds, `Z` (project/member/key timestamps). */
export function utcSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
