/**
 * The timestamp encodings of a td database (spec §2.5). Writers here produce what td writes;
 * the reader accepts every layout td has ever written.
 */
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function offsetOf(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

function localParts(d: Date) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function fraction(ms: number): string {
  if (ms === 0) return '';
  return `.${pad(ms, 3)}`.replace(/0+$/, '');
}

/** Go driver bind layout: `2026-03-01 10:00:00.123-08:00` (local offset, trailing zeros trimmed). */
export function sqliteTime(d: Date = new Date()): string {
  return `${localParts(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${fraction(d.getMilliseconds())}${offsetOf(d)}`;
}

/** action_log.timestamp layout: UTC RFC3339 with fraction, `2026-03-01T18:00:00.123Z`. */
export function utcNano(d: Date = new Date()): string {
  return d.toISOString();
}

/** JSON payload layout: RFC3339Nano with local offset, `2026-03-01T10:00:00.123-08:00`. */
export function rfc3339Local(d: Date = new Date()): string {
  return `${localParts(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${fraction(d.getMilliseconds())}${offsetOf(d)}`;
}

/** RFC3339 seconds with local offset (handoff timestamps, file links, pushed client_timestamp). */
export function rfc3339Seconds(d: Date = new Date()): string {
  return `${localParts(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${offsetOf(d)}`;
}

/** SQLite CURRENT_TIMESTAMP layout (UTC, no zone). */
export function sqliteUtc(d: Date = new Date()): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

/**
 * Parse any td timestamp: canonical `YYYY-MM-DD HH:MM:SS[.f]±HH:MM`, `T` variants, RFC3339(Nano),
 * Go `time.String()` (`... -0800 PST m=+0.03`), zone-less (UTC), plain dates. Undefined if none fits.
 */
export function parseTdTime(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value !== 'string') return undefined;
  let s = value.trim();
  if (s === '') return undefined;
  s = s.replace(/ m=[+-][\d.]+$/, ''); // Go monotonic suffix
  // Go String(): "2026-02-03 20:53:53.519728 -0800 PST" or "... +0000 +0000"
  const go = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)? ([+-])(\d{2})(\d{2})(?: \S+)?$/.exec(s);
  if (go) s = `${go[1]}T${go[2]}${go[3] ?? ''}${go[4]}${go[5]}:${go[6]}`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00Z';
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return undefined;
  const frac = m[3] ? m[3].slice(0, 4) : '';
  let zone = m[4] ?? 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const d = new Date(`${m[1]}T${m[2]}${frac}${zone}`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
