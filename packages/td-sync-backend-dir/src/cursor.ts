/**
 * The pull cursor: for every device seen, the segment and byte offset of the next unread line.
 * Opaque to the engine (base64url of a small JSON object); only this backend reads it.
 */
import {PermanentError} from 'td-sync-sdk';

export interface Position {
  segment: number;
  offset: number;
}

export type Positions = Map<string, Position>;

interface CursorJson {
  v: 1;
  /** deviceId -> [segment, offset] */
  d: Record<string, [number, number]>;
}

export function encodeCursor(positions: Positions): string {
  const d: CursorJson['d'] = {};
  for (const id of [...positions.keys()].sort()) {
    const p = positions.get(id)!;
    d[id] = [p.segment, p.offset];
  }
  return Buffer.from(JSON.stringify({v: 1, d} satisfies CursorJson)).toString('base64url');
}

export function decodeCursor(cursor: string | null): Positions {
  const positions: Positions = new Map();
  if (cursor === null || cursor === '') return positions;
  let parsed: CursorJson;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorJson;
    if (parsed?.v !== 1 || typeof parsed.d !== 'object' || parsed.d === null) throw new Error('unknown cursor version');
    for (const [id, pos] of Object.entries(parsed.d)) {
      if (!Array.isArray(pos) || pos.length !== 2 || !pos.every((n) => Number.isInteger(n) && n >= 0)) throw new Error(`bad position for device ${id}`);
      positions.set(id, {segment: pos[0], offset: pos[1]});
    }
  } catch (error) {
    throw new PermanentError(`dir: the stored pull cursor is not one this backend wrote (${(error as Error).message})`, {
      code: 'dir_cursor_invalid',
      hint: 'reset this target\'s cursor so the next pull starts from the beginning (events already applied are recognised and skipped)',
      cause: error,
    });
  }
  return positions;
}
