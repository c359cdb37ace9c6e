/**
 * td's status machine (spec §3.3, internal/workflow/transitions.go). The CLI runs it in "liberal"
 * mode: only the existence of an edge is checked; the commands add their own explicit checks
 * (`td start` on a blocked issue needs --force, `td close` never closes non-minor in_review work).
 */
import type {Status} from './normalize.js';

export const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = Object.freeze({
  open: ['in_progress', 'blocked', 'in_review', 'closed'],
  in_progress: ['open', 'blocked', 'in_review', 'closed'],
  blocked: ['open', 'in_progress', 'closed'],
  in_review: ['open', 'in_progress', 'closed'],
  closed: ['open'],
});

export function isValidTransition(from: Status | string, to: Status | string): boolean {
  return (TRANSITIONS as Record<string, readonly string[]>)[from]?.includes(to) ?? false;
}
