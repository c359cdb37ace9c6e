/**
 * Opaque, stable, type-prefixed node ids in the style of github.com's current format
 * (`I_kwDO…` issues, `IC_kwDO…` comments, `LA_kwDO…` labels, `R_kgDO…` repositories, `U_kgDO…`
 * users; spec §4.6). Clients must treat them as opaque; the emulator looks them up in a map.
 */
const PREFIX = {
  Repository: 'R_kgDO',
  Issue: 'I_kwDO',
  IssueComment: 'IC_kwDO',
  Label: 'LA_kwDO',
  User: 'U_kgDO',
} as const;

export type NodeKind = keyof typeof PREFIX;

export function nodeId(kind: NodeKind, ...parts: Array<number | string>): string {
  return PREFIX[kind] + Buffer.from(parts.join(':'), 'utf8').toString('base64url');
}

/**
 * Keyset cursors: the sort key and tie-breaker of the edge, like GitHub's `cursor:v2:` cursors.
 * Because a cursor names a position in the ordering rather than an offset, an issue updated during
 * an `UPDATED_AT ASC` walk moves behind the cursor and is seen again, and with `DESC` it is missed
 * (spec §4.4).
 */
export function encodeCursor(key: Array<string | number>): string {
  return Buffer.from('cursor:v2:' + JSON.stringify(key), 'utf8').toString('base64');
}

export function decodeCursor(cursor: string): Array<string | number> | null {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  if (!text.startsWith('cursor:v2:')) return null;
  try {
    const value: unknown = JSON.parse(text.slice('cursor:v2:'.length));
    return Array.isArray(value) && value.every(v => typeof v === 'string' || typeof v === 'number') ? value : null;
  } catch {
    return null;
  }
}

/** Deterministic PRNG so fault probabilities replay from a seed. */
export {rng as seededRandom} from '../helpers/rng.js';
