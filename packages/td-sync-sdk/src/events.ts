/**
 * Helpers every backend needs: td's taxonomy (action and entity normalisation), event identity,
 * and the td-sync wire form of an event (snake_case JSON).
 */
import {createHash} from 'node:crypto';
import type {CanonicalAction, EntityType, EventPayload, JsonObject, SyncEvent} from './types.js';

const ENTITY_ALIASES: Record<string, EntityType> = {
  issue: 'issues', issues: 'issues',
  log: 'logs', logs: 'logs',
  comment: 'comments', comments: 'comments',
  handoff: 'handoffs', handoffs: 'handoffs',
  board: 'boards', boards: 'boards',
  board_position: 'board_issue_positions', board_issue_positions: 'board_issue_positions',
  dependency: 'issue_dependencies', issue_dependencies: 'issue_dependencies',
  file_link: 'issue_files', issue_files: 'issue_files',
  work_session: 'work_sessions', work_sessions: 'work_sessions',
  work_session_issue: 'work_session_issues', work_session_issues: 'work_session_issues',
  issue_review: 'issue_reviews', issue_reviews: 'issue_reviews',
  note: 'notes', notes: 'notes',
};

/** td entity label (any accepted spelling) -> canonical entity type, or undefined. */
export function normalizeEntityType(label: string): EntityType | undefined {
  return ENTITY_ALIASES[label.trim().toLowerCase()];
}

const CREATE_ACTIONS = new Set(['create', 'handoff', 'add_dependency', 'link_file', 'board_create', 'board_update', 'board_add_issue', 'board_set_position', 'work_session_tag']);
const DELETE_ACTIONS = new Set(['remove_dependency', 'unlink_file', 'board_delete', 'work_session_untag', 'review_delete']);
const SOFT_DELETE_ACTIONS = new Set(['delete', 'board_unposition', 'board_remove_issue', 'soft_delete']);

/** td action_type -> canonical sync action (td's taxonomy; unknown actions are updates). */
export function normalizeAction(actionType: string): CanonicalAction {
  const a = actionType.trim().toLowerCase();
  if (CREATE_ACTIONS.has(a)) return 'create';
  if (DELETE_ACTIONS.has(a)) return 'delete';
  if (SOFT_DELETE_ACTIONS.has(a)) return 'soft_delete';
  if (a === 'restore') return 'restore';
  return 'update';
}

/** The identity of an event across retries and devices. */
export function eventKey(e: Pick<SyncEvent, 'deviceId' | 'sessionId' | 'clientActionId'>): string {
  return `${e.deviceId}/${e.sessionId}/${e.clientActionId}`;
}

/** td's wire form of an event (td-sync push/pull JSON). */
export interface WireEvent {
  client_action_id: number;
  device_id?: string;
  session_id?: string;
  action_type: string;
  entity_type: string;
  entity_id: string;
  payload: {schema_version: number; new_data: JsonObject; previous_data: JsonObject};
  client_timestamp: string;
  server_seq?: number;
}

export function payloadToWire(p: EventPayload): WireEvent['payload'] {
  return {schema_version: p.schemaVersion, new_data: p.newData ?? {}, previous_data: p.previousData ?? {}};
}

const isEmptyObject = (o: unknown) => typeof o !== 'object' || o === null || Object.keys(o).length === 0;

export function payloadFromWire(raw: unknown): EventPayload {
  const p = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown> | null;
  if (p === null || typeof p !== 'object') throw new TypeError('unmarshal payload: not an object');
  const nd = p.new_data as JsonObject | undefined;
  const pd = p.previous_data as JsonObject | undefined;
  return {
    schemaVersion: typeof p.schema_version === 'number' ? p.schema_version : 1,
    newData: isEmptyObject(nd) ? null : (nd as JsonObject),
    previousData: isEmptyObject(pd) ? null : (pd as JsonObject),
  };
}

export function toWireEvent(e: SyncEvent): WireEvent {
  return {
    client_action_id: e.clientActionId,
    action_type: e.actionType,
    entity_type: e.entityType,
    entity_id: e.entityId,
    payload: payloadToWire(e.payload),
    client_timestamp: e.clientTimestamp,
  };
}

/** A pulled wire event -> SyncEvent. Throws on a shape that cannot be an event. */
export function fromWireEvent(w: WireEvent): SyncEvent {
  const entityType = normalizeEntityType(String(w.entity_type ?? ''));
  if (!entityType) throw new TypeError(`invalid entity type: ${JSON.stringify(w.entity_type)}`);
  return {
    clientActionId: Number(w.client_action_id),
    deviceId: String(w.device_id ?? ''),
    sessionId: String(w.session_id ?? ''),
    actionType: normalizeAction(String(w.action_type ?? '')),
    entityType,
    entityId: String(w.entity_id ?? ''),
    payload: payloadFromWire(w.payload),
    clientTimestamp: String(w.client_timestamp ?? ''),
    remoteSeq: w.server_seq,
  };
}

const sha16 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** td's deterministic ids for relation rows (identical on every device). */
export const deterministicId = Object.freeze({
  boardPosition: (boardId: string, issueId: string) => `bip_${sha16(`${boardId}|${issueId}`)}`,
  dependency: (issueId: string, dependsOnId: string, relationType = 'depends_on') => `dep_${sha16(`${issueId}|${dependsOnId}|${relationType}`)}`,
  issueFile: (issueId: string, normalizedPath: string) => `ifl_${sha16(`${issueId}|${normalizedPath}`)}`,
  workSessionIssue: (workSessionId: string, issueId: string) => `wsi_${sha16(`${workSessionId}|${issueId}`)}`,
});

/** Unwrap td's `{issue: {...}}` wrapper (approve, review_*, close_after_review payloads). */
export function unwrapIssue(data: JsonObject | null): JsonObject | null {
  if (data && typeof data.issue === 'object' && data.issue !== null && !('id' in data && 'title' in data)) return data.issue as JsonObject;
  return data;
}
