/**
 * td's input normalisation (spec §3.1, internal/models): statuses, types, priorities, points,
 * labels, ids and title rules. Pure functions; each throws a TaskError naming the bad value and
 * the accepted ones.
 */
import {invalid} from './errors.js';

export const STATUSES = ['open', 'in_progress', 'blocked', 'in_review', 'closed'] as const;
export type Status = (typeof STATUSES)[number];
export const TYPES = ['bug', 'feature', 'task', 'epic', 'chore'] as const;
export type IssueType = (typeof TYPES)[number];
export const PRIORITIES = ['P0', 'P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const FIBONACCI_POINTS = [1, 2, 3, 5, 8, 13, 21] as const;
export const LOG_TYPES = ['progress', 'blocker', 'decision', 'hypothesis', 'tried', 'result', 'orchestration', 'security'] as const;
export type LogType = (typeof LOG_TYPES)[number];

/** `in-progress` -> `in_progress`, `review` -> `in_review`; undefined when not a status. */
export function asStatus(input: string): Status | undefined {
  let s = input.trim().toLowerCase().replace(/-/g, '_');
  if (s === 'review') s = 'in_review';
  return (STATUSES as readonly string[]).includes(s) ? (s as Status) : undefined;
}

export function normalizeStatus(input: string): Status {
  const s = asStatus(input);
  if (!s) throw invalid(`invalid status: ${input} (valid: ${STATUSES.join(', ')})`);
  return s;
}

/** `story` -> `feature`; undefined when not a type. */
export function asType(input: string): IssueType | undefined {
  let t = input.trim().toLowerCase();
  if (t === 'story') t = 'feature';
  return (TYPES as readonly string[]).includes(t) ? (t as IssueType) : undefined;
}

export function normalizeType(input: string): IssueType {
  const t = asType(input);
  if (!t) throw invalid(`invalid type: ${input} (valid: bug, feature, task, epic, chore)`);
  return t;
}

const PRIORITY_ALIASES: Record<string, Priority> = {
  '0': 'P0', p0: 'P0', critical: 'P0', highest: 'P0',
  '1': 'P1', p1: 'P1', high: 'P1',
  '2': 'P2', p2: 'P2', medium: 'P2', normal: 'P2', default: 'P2',
  '3': 'P3', p3: 'P3', low: 'P3',
  '4': 'P4', p4: 'P4', lowest: 'P4', none: 'P4',
};

export function normalizePriority(input: string): Priority {
  const p = PRIORITY_ALIASES[input.trim().toLowerCase()];
  if (!p) throw invalid(`invalid priority: ${input} (valid: P0, P1, P2, P3, P4)`);
  return p;
}

/** 0 = unset; otherwise Fibonacci 1..21. */
export function normalizePoints(input: string | number): number {
  const n = typeof input === 'number' ? input : Number(String(input).trim());
  if (!Number.isInteger(n) || (n !== 0 && !(FIBONACCI_POINTS as readonly number[]).includes(n))) {
    throw invalid(`invalid points: ${input} (must be Fibonacci: 1,2,3,5,8,13,21)`);
  }
  return n;
}

export function normalizeLogType(input: string): LogType {
  const t = input.trim().toLowerCase();
  if (!(LOG_TYPES as readonly string[]).includes(t)) throw invalid(`invalid log type: ${input} (valid: ${LOG_TYPES.join(', ')})`);
  return t as LogType;
}

/** Repeatable, comma-separated flag values: trimmed, empties dropped, de-duplicated, order kept. */
export function mergeMultiValue(values: readonly string[] | undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const v of values ?? []) {
    for (const part of v.split(',')) {
      const p = part.trim();
      if (p && !seen.has(p)) {
        seen.add(p);
        out.push(p);
      }
    }
  }
  return out;
}

/** User input `abc123` -> `td-abc123` (td prepends the prefix to any id without it). */
export function normalizeIssueId(input: string): string {
  const s = input.trim();
  if (s === '') throw invalid('issue id is empty');
  return s.startsWith('td-') ? s : `td-${s}`;
}

/** `td log` / `td handoff`: is a positional argument an issue id? */
export const looksLikeIssueId = (s: string) => /^td-[0-9a-f]{6,8}$/.test(s.trim());

const GENERIC_TITLES = new Set(['task', 'issue', 'bug', 'feature', 'fix', 'update', 'change', 'todo', 'work', 'item', 'thing', 'stuff', 'test', 'new', 'add']);

/** td's title rules; returns a warning (too short) or throws (generic, empty, too long). */
export function validateTitle(title: string, minLength = 15, maxLength = 200): string | undefined {
  const t = title.trim();
  if (t === '') throw invalid('title is required');
  if (GENERIC_TITLES.has(t.toLowerCase())) {
    throw invalid(`title "${t}" is too generic: describe the work (e.g. "Fix login redirect loop on expired sessions")`);
  }
  const runes = [...t].length;
  if (runes > maxLength) throw invalid(`title is too long: ${runes} characters (max ${maxLength})`);
  if (runes < minLength) return `title is short (${runes} characters, recommended at least ${minLength}): consider a more descriptive title`;
  return undefined;
}

/** `"epic: Auth"` -> type epic, title `Auth` (only when --type was not given). */
export function typeFromTitle(title: string): {type?: IssueType; title: string} {
  const idx = title.indexOf(':');
  if (idx > 0 && idx < title.length - 1) {
    const type = asType(title.slice(0, idx).trim());
    const rest = title.slice(idx + 1).trim();
    if (type && rest) return {type, title: rest};
  }
  return {title};
}

/** `--minor` given as a bool, `0`/`1`, `true`/`false`. */
export function parseMinor(input: string | boolean | number): boolean {
  if (typeof input === 'boolean') return input;
  const s = String(input).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw invalid(`invalid minor value: ${input} (use true/false or 1/0)`);
}

/** `YYYY-MM-DD`, `today`, `tomorrow`, `+Nd`/`+Nw`; td stores plain dates. */
export function parseDateInput(input: string, now = new Date()): string {
  const s = input.trim().toLowerCase();
  const fmt = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(new Date(`${s}T00:00:00Z`).getTime())) return s;
  const d = new Date(now);
  if (s === 'today') return fmt(d);
  if (s === 'tomorrow') {
    d.setDate(d.getDate() + 1);
    return fmt(d);
  }
  const rel = /^\+(\d+)([dwm])$/.exec(s);
  if (rel) {
    const n = Number(rel[1]);
    if (rel[2] === 'd') d.setDate(d.getDate() + n);
    else if (rel[2] === 'w') d.setDate(d.getDate() + 7 * n);
    else d.setMonth(d.getMonth() + n);
    return fmt(d);
  }
  throw invalid(`invalid date: ${input} (use YYYY-MM-DD, today, tomorrow, +Nd, +Nw or +Nm)`);
}
