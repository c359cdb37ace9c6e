/**
 * td's repair of Go `time.String()` timestamps (migration 36, internal/db/timeutil.go).
 *
 * Older td builds let the SQLite driver write bound times with Go's `String()`:
 * `2026-02-03 20:53:53.519728 -0800 PST m=+0.036937834`. Migration 36 rewrites every such value
 * to td's canonical layout `2026-02-03 20:53:53.519728-08:00` (wall clock and numeric offset
 * kept, monotonic suffix and zone name dropped, fraction without trailing zeros).
 *
 * Everything here works on the text itself, never through a JS `Date`: a Date would cut the
 * fraction to milliseconds and move the wall clock to the local zone.
 */

/** A numeric offset followed by a zone name or a repeated numeric offset, at the end. */
const GO_STRING_TAIL = /[+-]\d{4} ([A-Za-z]{2,}|[+-]\d{4})$/;

/** Whether `value` was written by Go's `time.String()` (what migration 36 targets). */
export function looksLikeGoTimeString(value: string): boolean {
  const s = value.trim();
  if (s.includes(' m=+') || s.includes(' m=-')) return true;
  return GO_STRING_TAIL.test(s);
}

function stripMonotonic(s: string): string {
  for (const marker of [' m=+', ' m=-']) {
    const at = s.indexOf(marker);
    if (at >= 0) return s.slice(0, at);
  }
  return s;
}

/** Go's `parseTimeZone`: which zone abbreviations `time.Parse` accepts for the `MST` element. */
function goAcceptsZoneName(v: string): boolean {
  if (v === 'ChST' || v === 'MeST' || v === 'UTC') return true;
  if (v.startsWith('GMT')) return /^GMT([+-]\d{1,2})?$/.test(v) && (v.length === 3 || Number(v.slice(4)) <= 23);
  if (v[0] === '+' || v[0] === '-') return /^[+-]\d{1,2}$/.test(v) && Number(v.slice(1)) <= 23;
  if (!/^[A-Z]+$/.test(v)) return false;
  switch (v.length) {
    case 3:
      return true;
    case 4:
      return v[3] === 'T' || v === 'WITA';
    case 5:
      return v[4] === 'T';
    default:
      return false;
  }
}

const daysIn = (year: number, month: number) => [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;

interface Parts {
  date: string;
  time: string;
  fraction: string;
  sign: string;
  hh: string;
  mm: string;
}

function validParts(p: Parts): boolean {
  const [y, mo, d] = p.date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = p.time.split(':').map(Number) as [number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) return false;
  if (h > 23 || mi > 59 || s > 59) return false;
  if (Number(p.hh) > 24 || Number(p.mm) > 60) return false;
  return true;
}

const DATE = '(\\d{4}-\\d{2}-\\d{2})';
const TIME = '(\\d{2}:\\d{2}:\\d{2})';
const FRAC = '(?:[.,](\\d+))?';

/** The layouts td's `ParseLenientTime` tries, most canonical first (zone groups differ per layout). */
const LAYOUTS: Array<(s: string) => Parts | undefined> = [
  // canonical `2006-01-02 15:04:05.999999999-07:00` and its `T` variant
  (s) => at(new RegExp(`^${DATE} ${TIME}${FRAC}([+-])(\\d{2}):(\\d{2})$`).exec(s)),
  (s) => at(new RegExp(`^${DATE}T${TIME}${FRAC}([+-])(\\d{2}):(\\d{2})$`).exec(s)),
  // RFC3339Nano (`Z` or offset)
  (s) => {
    const m = new RegExp(`^${DATE}T${TIME}${FRAC}Z$`).exec(s);
    return m ? {date: m[1]!, time: m[2]!, fraction: m[3] ?? '', sign: '+', hh: '00', mm: '00'} : undefined;
  },
  // Go String(): `2006-01-02 15:04:05.999999999 -0700 MST`
  (s) => {
    const m = new RegExp(`^${DATE} ${TIME}${FRAC} ([+-])(\\d{2})(\\d{2}) (\\S+)$`).exec(s);
    return m && goAcceptsZoneName(m[7]!) ? at(m) : undefined;
  },
  // offset only: `2006-01-02 15:04:05.999999999 -0700`
  (s) => at(new RegExp(`^${DATE} ${TIME}${FRAC} ([+-])(\\d{2})(\\d{2})$`).exec(s)),
  // zone-less (UTC): CURRENT_TIMESTAMP with or without a fraction
  (s) => {
    const m = new RegExp(`^${DATE} ${TIME}${FRAC}$`).exec(s);
    return m ? {date: m[1]!, time: m[2]!, fraction: m[3] ?? '', sign: '+', hh: '00', mm: '00'} : undefined;
  },
  // plain date
  (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) ? {date: s, time: '00:00:00', fraction: '', sign: '+', hh: '00', mm: '00'} : undefined),
];

function at(m: RegExpExecArray | null): Parts | undefined {
  if (!m) return undefined;
  return {date: m[1]!, time: m[2]!, fraction: m[3] ?? '', sign: m[4]!, hh: m[5]!, mm: m[6]!};
}

/**
 * td's `ParseLenientTime` + `FormatCanonicalTime`: the canonical text of any timestamp td
 * accepts, or undefined when no layout fits (migration 36 then leaves the value alone).
 */
export function canonicalTdTime(value: string): string | undefined {
  let s = stripMonotonic(value.trim()).trim();
  if (s === '') return undefined;
  // A nameless zone renders as "... -0700 -0700": drop the repeated offset.
  const tail = GO_STRING_TAIL.exec(s);
  if (tail) {
    const second = tail[0].split(' ')[1]!;
    if (/^[+-]\d{4}$/.test(second)) s = s.slice(0, s.length - second.length - 1);
  }
  for (const layout of LAYOUTS) {
    const p = layout(s);
    if (!p) continue;
    // The shapes exclude each other, so a value out of range here fits no other layout either.
    if (!validParts(p)) return undefined;
    const fraction = p.fraction.slice(0, 9).replace(/0+$/, '');
    const zero = Number(p.hh) === 0 && Number(p.mm) === 0;
    const offset = `${zero ? '+' : p.sign}${p.hh}:${p.mm}`;
    return `${p.date} ${p.time}${fraction ? `.${fraction}` : ''}${offset}`;
  }
  return undefined;
}
