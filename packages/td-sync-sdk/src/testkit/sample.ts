/**
 * Events the scenarios push: shaped like td's own (an issue created, moved, logged on), so a
 * backend that maps events to something richer than a log (an issue tracker) can carry them.
 */
import type {JsonObject, SyncEvent} from '../types.js';

export interface EventSpec {
  deviceId: string;
  sessionId: string;
  /** clientActionId of the first event (action_log rowids: increasing per device). */
  firstActionId: number;
  count: number;
  /** Distinguishes the entities of one scenario from another's. */
  tag: string;
  /** Title text (the unicode scenario passes its own). */
  title?: (i: number) => string;
  /** Description text (the large-payload scenario passes a big one). */
  description?: (i: number) => string;
}

export type EventFactory = (spec: EventSpec) => SyncEvent[];

const BASE_TIME = Date.UTC(2026, 0, 2, 3, 4, 5);

function issueRow(id: string, title: string, description: string, status: string, sessionId: string, at: string): JsonObject {
  return {
    id,
    title,
    description,
    status,
    type: 'task',
    priority: 'P2',
    points: 0,
    labels: '',
    parent_id: '',
    acceptance: '',
    implementer_session: '',
    reviewer_session: '',
    creator_session: sessionId,
    created_at: at,
    updated_at: at,
    closed_at: null,
    deleted_at: null,
    minor: 0,
  };
}

/**
 * `count` events: every third creates an issue, the next moves it to in_progress (with
 * previousData), the next adds a log to it. Timestamps increase by one second per event.
 */
export const tdLikeEvents: EventFactory = (spec) => {
  const events: SyncEvent[] = [];
  const short = spec.deviceId.slice(0, 6);
  let issueId = '';
  let issue: JsonObject = {};
  for (let i = 0; i < spec.count; i++) {
    const clientActionId = spec.firstActionId + i;
    const at = new Date(BASE_TIME + clientActionId * 1000).toISOString();
    const title = spec.title?.(i) ?? `${spec.tag} task ${i} from ${short}`;
    const description = spec.description?.(i) ?? `made by the conformance kit (${spec.tag} #${i})`;
    const common = {clientActionId, deviceId: spec.deviceId, sessionId: spec.sessionId, clientTimestamp: at};
    if (i % 3 === 0) {
      issueId = `td-${spec.tag}-${short}-${clientActionId}`;
      issue = issueRow(issueId, title, description, 'open', spec.sessionId, at);
      events.push({...common, actionType: 'create', entityType: 'issues', entityId: issueId, sourceAction: 'create', payload: {schemaVersion: 1, newData: issue, previousData: null}});
    } else if (i % 3 === 1) {
      const next = {...issue, title, description, status: 'in_progress', updated_at: at};
      events.push({...common, actionType: 'update', entityType: 'issues', entityId: issueId, sourceAction: 'start', payload: {schemaVersion: 1, newData: next, previousData: issue}});
      issue = next;
    } else {
      const logId = `lg-${spec.tag}-${short}-${clientActionId}`;
      const log = {id: logId, issue_id: issueId, session_id: spec.sessionId, work_session_id: '', message: `${title}: ${description}`, type: 'progress', timestamp: at};
      events.push({...common, actionType: 'create', entityType: 'logs', entityId: logId, sourceAction: 'create', payload: {schemaVersion: 1, newData: log, previousData: null}});
    }
  }
  return events;
};

/** Text that breaks naive encoders: astral emoji and ZWJ sequences, combining marks, RTL, CJK, quotes, escapes, U+2028. */
export const UNICODE_SAMPLES: readonly string[] = Object.freeze([
  'Réparer le café ☕ — naïve façade',
  '👩🏽‍💻 deploy 🚀🔥 ok 🇸🇪',
  'e\u0301 vs é (combining acute)',
  'עברית ومرحبا mixed RTL ‏text',
  '中文任务：修复同步 日本語のタスク 한국어',
  'quotes " \' ` and backslash \\ and tab\tand newline\nsecond line',
  'line\u2028separator and paragraph\u2029separator',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math 𝟙𝟚𝟛 and ∑∫√',
]);

/** A string of about `bytes` UTF-8 bytes, mixing ASCII with multi-byte characters. */
export function largeText(bytes: number): string {
  const unit = 'The quick brown fox jumps over the lazy dog. Ünïcödé ✓ 数据 🚀\n';
  const unitBytes = Buffer.byteLength(unit);
  return unit.repeat(Math.max(1, Math.floor(bytes / unitBytes)));
}
