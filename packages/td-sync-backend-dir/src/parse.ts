/** Turning a line back into an event, and checking an event is whole before it is written. */
import {eventKey, normalizeEntityType, type SyncEvent} from 'td-sync-sdk';
import {isHeader} from './layout.js';

export type ParsedLine = {kind: 'header'} | {kind: 'event'; event: SyncEvent} | {kind: 'bad'; reason: string};

export function parseLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {kind: 'bad', reason: `not JSON (${(error as Error).message})`};
  }
  if (isHeader(value)) return {kind: 'header'};
  const problem = eventProblem(value);
  if (problem) return {kind: 'bad', reason: problem};
  return {kind: 'event', event: value as SyncEvent};
}

/** Why `value` is not a storable event, or undefined when it is. */
export function eventProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const e = value as Record<string, unknown>;
  if (typeof e.clientActionId !== 'number' || !Number.isFinite(e.clientActionId)) return 'clientActionId must be a number';
  for (const k of ['deviceId', 'sessionId', 'actionType', 'entityId', 'clientTimestamp'] as const) {
    if (typeof e[k] !== 'string') return `${k} must be a string`;
  }
  if (typeof e.entityType !== 'string' || !normalizeEntityType(e.entityType)) return `unknown entityType ${JSON.stringify(e.entityType)}`;
  const p = e.payload as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null) return 'payload must be an object';
  if (!('newData' in p) || !('previousData' in p)) return 'payload needs newData and previousData';
  return undefined;
}

const IDENTITY_PREFIX = /^\{"clientActionId":(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?),"deviceId":("(?:[^"\\]|\\.)*"),"sessionId":("(?:[^"\\]|\\.)*")/i;

/**
 * The identity key of an event line without parsing its payload (the writer scans its whole own
 * history once per process). Falls back to a full parse for lines another writer formatted.
 */
export function identityOfLine(text: string): string | undefined {
  const m = IDENTITY_PREFIX.exec(text);
  if (m) return eventKey({deviceId: JSON.parse(m[2]!) as string, sessionId: JSON.parse(m[3]!) as string, clientActionId: Number(m[1])});
  const parsed = parseLine(text);
  if (parsed.kind !== 'event') return undefined;
  return eventKey(parsed.event);
}
