/** Remote events as another device would push them. */
import type {CanonicalAction, EntityType, JsonObject, SyncEvent} from 'td-sync-sdk';

let next = 1000;

export const REMOTE_DEVICE = 'f'.repeat(32);

export function remoteEvent(
  actionType: CanonicalAction,
  entityType: EntityType,
  entityId: string,
  newData: JsonObject | null,
  previousData: JsonObject | null = null,
  extra: Partial<SyncEvent> = {},
): SyncEvent {
  return {
    clientActionId: next++,
    deviceId: REMOTE_DEVICE,
    sessionId: 'ses_remote',
    actionType,
    entityType,
    entityId,
    payload: {schemaVersion: 1, newData, previousData},
    clientTimestamp: '2026-03-05T12:00:00.000Z',
    ...extra,
  };
}

export const fullIssue = (id: string, fields: JsonObject = {}): JsonObject => ({
  id, title: `Remote task ${id}`, status: 'open', type: 'task', priority: 'P2', points: 0,
  implementer_session: '', creator_session: '', reviewer_session: '',
  created_at: '2026-03-05T12:00:00Z', updated_at: '2026-03-05T12:00:00Z', minor: false, defer_count: 0, ...fields,
});
