/** td's id formats (spec §2.4). Deterministic relation ids live in td-sync-sdk (`deterministicId`). */
import {randomBytes} from 'node:crypto';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export const newId = Object.freeze({
  issue: () => `td-${hex(3)}`,
  log: () => `lg-${hex(4)}`,
  handoff: () => `ho-${hex(4)}`,
  comment: () => `cm-${hex(4)}`,
  gitSnapshot: () => `gs-${hex(4)}`,
  action: () => `al-${hex(4)}`,
  review: () => `rv-${hex(4)}`,
  board: () => `bd-${hex(4)}`,
  workSession: () => `ws-${hex(2)}`,
  note: () => `nt-${hex(3)}`,
  session: () => `ses_${hex(3)}`,
  device: () => hex(16),
});

/** User input `abc123` -> `td-abc123`. */
export function normalizeIssueId(input: string): string {
  const s = input.trim();
  return s.startsWith('td-') ? s : `td-${s}`;
}
