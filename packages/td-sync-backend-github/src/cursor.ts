/**
 * The pull cursor: opaque to the engine, a small JSON text here.
 *   w  watermark: the newest GitHub `updatedAt` fully processed (server time, never the local clock)
 *   s  the `since` of the scan in progress (kept while paging so every page asks the same question)
 *   a  GitHub's endCursor of the last page of that scan
 *   m  the newest `updatedAt` seen so far in that scan
 *   st server time when that scan began (Date header); t: the same for the last completed scan
 *   r  host time when the last full scan (no `since`) began: a full scan every
 *      `reconcileHours` heals drift no watermark can see (e.g. a deleted label, which GitHub
 *      strips from issues without touching their updatedAt)
 *
 * The overlap re-reads what changed shortly before the watermark (ties within a second, writes
 * in flight). Once a completed scan began more than the overlap after the watermark, that window
 * was already stable when it was read: the next scan starts just after the watermark, so a quiet
 * repository costs one request per pull however many issues changed long ago.
 */
export interface PullCursor {
  v: 1;
  w: string | null;
  s?: string | null;
  a?: string | null;
  m?: string | null;
  st?: string | null;
  t?: string | null;
  r?: string | null;
  /** Host time a full scan in progress began (becomes `r` when it completes). */
  rs?: string | null;
}

export function decodeCursor(raw: string | null): PullCursor {
  if (!raw) return {v: 1, w: null};
  try {
    const c = JSON.parse(raw) as PullCursor;
    if (c && c.v === 1) return c;
  } catch {
    // fall through: an unreadable cursor means a full scan, which is always safe
  }
  return {v: 1, w: null};
}

export function encodeCursor(c: PullCursor): string {
  return JSON.stringify(c);
}

/** `since` for a new scan: watermark minus the overlap (GitHub's times are per second and may tie). */
export function sinceFor(c: PullCursor, overlapSeconds: number, reconcileHours = 0, serverNow?: Date): string | null {
  if (c.a) return c.s ?? null;
  if (!c.w) return null;
  if (reconcileHours > 0 && serverNow) {
    const last = c.r ? Date.parse(c.r) : NaN;
    if (!Number.isFinite(last) || serverNow.getTime() - last >= reconcileHours * 3_600_000) return null;
  }
  const t = Date.parse(c.w);
  if (!Number.isFinite(t)) return null;
  const scanned = c.t ? Date.parse(c.t) : NaN;
  if (Number.isFinite(scanned) && scanned > t + overlapSeconds * 1000) return new Date(t + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return new Date(t - overlapSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function maxTime(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** The cursor after a page: either mid-scan, or the scan is done and the watermark moves. */
export function nextCursor(c: PullCursor, since: string | null, pageMax: string | null, endCursor: string | null, hasNext: boolean, serverTime?: string | null): PullCursor {
  const m = maxTime(c.a ? c.m : null, pageMax);
  const st = c.a ? c.st ?? null : serverTime ?? null;
  if (hasNext) return {v: 1, w: c.w, s: since, a: endCursor, m, st, r: c.r ?? null, rs: c.a ? c.rs ?? null : null};
  return {v: 1, w: maxTime(c.w, m), t: st, r: c.r ?? null};
}
