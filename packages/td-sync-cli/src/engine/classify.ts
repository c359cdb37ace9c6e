/** td's failure classification for inbound events (spec §6.4): transient markers win, unknown -> transient. */
import {isSyncError} from 'td-sync-sdk';

const TRANSIENT = [
  'database is locked', 'database table is locked', 'sqlite_busy', 'sqlite_locked', 'disk i/o error',
  'database or disk is full', 'unable to open database', 'no such file or directory', 'connection is already closed',
  'bad connection', 'context deadline exceeded', 'context canceled', 'i/o timeout', 'interrupted',
];

const PERMANENT = [
  'constraint failed', 'constraint violation', 'invalid entity type', 'unknown action type', 'empty entity id',
  'payload has no fields', 'unmarshal payload', 'nil payload', 'invalid table name', 'no such table', 'no such column',
  'datatype mismatch',
  // Deliberate difference from td (Appendix C.9): a payload with only unknown columns is a poison
  // event, quarantined, instead of wedging every later pull.
  'no known fields in payload',
];

export type FailureKind = 'transient' | 'permanent';

export function classifyFailure(error: unknown): FailureKind {
  if (isSyncError(error)) {
    if (error.kind === 'permanent') return 'permanent';
    if (error.kind === 'transient' || error.kind === 'rate_limit') return 'transient';
  }
  const msg = String((error as Error)?.message ?? error).toLowerCase();
  if (TRANSIENT.some((m) => msg.includes(m))) return 'transient';
  if (PERMANENT.some((m) => msg.includes(m))) return 'permanent';
  return 'transient';
}
