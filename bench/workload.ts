/**
 * The pulled-event workload of the apply and memory cases: a deterministic mix of issue creates
 * (20%), issue updates carrying previous_data (40%), log creates (35%) and dependency creates (5%),
 * as another td device pushes them. `floorOps` is the same change as plain SQL per event.
 */
import {deterministicId, type JsonObject, type SyncEvent} from 'td-sync-sdk';

import {rng} from '../test/helpers/rng.js';

export {rng};

const DEVICE = 'b'.repeat(32);
const STATUSES = ['open', 'in_progress', 'in_review', 'blocked', 'closed'];
const hex8 = (i: number) => i.toString(16).padStart(8, '0');

export interface Workload {
  events: SyncEvent[];
  /** Expected final row counts. */
  issues: number;
  logs: number;
  deps: number;
}

export function buildWorkload(n: number, seed = 7): Workload {
  const random = rng(seed);
  const events: SyncEvent[] = [];
  const issues: JsonObject[] = [];
  const depPairs = new Set<string>();
  let logs = 0;
  const base = Date.UTC(2026, 2, 1, 9, 0, 0);
  for (let k = 0; k < n; k++) {
    const when = new Date(base + k * 1000).toISOString().replace('.000Z', 'Z');
    const push = (actionType: SyncEvent['actionType'], entityType: SyncEvent['entityType'], entityId: string, newData: JsonObject, previousData: JsonObject | null, sourceAction: string) =>
      events.push({
        clientActionId: k + 1, deviceId: DEVICE, sessionId: 'ses_remote', actionType, entityType, entityId,
        payload: {schemaVersion: 1, newData, previousData}, clientTimestamp: when, remoteSeq: k + 1, sourceAction,
      });
    const r = random();
    if (issues.length < 2 || r < 0.2) {
      const id = `td-${hex8(issues.length)}`;
      const row: JsonObject = {
        id, title: `Remote task ${issues.length}`, description: `Description of task ${issues.length}, long enough to look like one a person writes.`,
        status: 'open', type: issues.length % 3 ? 'task' : 'bug', priority: `P${issues.length % 4}`, points: issues.length % 8,
        labels: issues.length % 2 ? 'backend,sync' : '', implementer_session: '', creator_session: 'ses_remote', reviewer_session: '',
        created_at: when, updated_at: when, minor: false, defer_count: 0,
      };
      issues.push(row);
      push('create', 'issues', id, {...row}, null, 'create');
    } else if (r < 0.6) {
      const i = Math.floor(random() * issues.length);
      const prev = issues[i]!;
      const next: JsonObject = {...prev, updated_at: when};
      const which = random();
      if (which < 0.5) next.status = STATUSES[Math.floor(random() * STATUSES.length)]!;
      else if (which < 0.8) next.title = `${String(prev.title).replace(/ \(edit \d+\)$/, '')} (edit ${k})`;
      else next.priority = `P${Math.floor(random() * 4)}`;
      issues[i] = next;
      push('update', 'issues', String(prev.id), {...next}, {...prev}, 'update');
    } else if (r < 0.95) {
      const issue = issues[Math.floor(random() * issues.length)]!;
      const id = `lg-${hex8(k)}`;
      logs++;
      push('create', 'logs', id, {id, issue_id: issue.id, session_id: 'ses_remote', work_session_id: '', message: `progress note ${k}: did a thing`, type: 'progress', timestamp: when}, null, 'create');
    } else {
      // an edge to an older issue: never a cycle
      const a = 1 + Math.floor(random() * (issues.length - 1));
      const b = Math.floor(random() * a);
      const ia = String(issues[a]!.id);
      const ib = String(issues[b]!.id);
      if (depPairs.has(`${ia}|${ib}`)) {
        const log = `lg-${hex8(k)}`;
        logs++;
        push('create', 'logs', log, {id: log, issue_id: ia, session_id: 'ses_remote', work_session_id: '', message: `progress note ${k}`, type: 'progress', timestamp: when}, null, 'create');
        continue;
      }
      depPairs.add(`${ia}|${ib}`);
      const id = deterministicId.dependency(ia, ib, 'depends_on');
      push('create', 'issue_dependencies', id, {id, issue_id: ia, depends_on_id: ib, relation_type: 'depends_on'}, null, 'add_dependency');
    }
  }
  return {events, issues: issues.length, logs, deps: depPairs.size};
}

/** SQL value of a JSON field (td stores booleans as 0/1). */
const v = (x: unknown) => (typeof x === 'boolean' ? (x ? 1 : 0) : x);

/**
 * The floor: the same final rows by a minimal loop, one prepared statement per event, one
 * transaction. Knows what each event changes (no diffing, no checks).
 */
export function applyFloor(db: import('better-sqlite3').Database, events: SyncEvent[], perTransaction = events.length): void {
  const stmts = new Map<string, import('better-sqlite3').Statement>();
  const stmt = (s: string) => {
    let p = stmts.get(s);
    if (!p) stmts.set(s, (p = db.prepare(s)));
    return p;
  };
  const tx = db.transaction((slice: SyncEvent[]) => {
    for (const e of slice) {
      const nd = e.payload.newData as JsonObject;
      if (e.actionType === 'create') {
        const cols = Object.keys(nd);
        stmt(`INSERT OR REPLACE INTO ${e.entityType} (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`).run(...cols.map((c) => v(nd[c])));
      } else {
        const pd = e.payload.previousData as JsonObject;
        const changed = Object.keys(nd).filter((c) => nd[c] !== pd[c]);
        stmt(`UPDATE issues SET ${changed.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...changed.map((c) => v(nd[c])), e.entityId);
      }
    }
  });
  for (let i = 0; i < events.length; i += perTransaction) tx(events.slice(i, i + perTransaction));
}

const TD_ENTITY: Record<string, string> = {issues: 'issue', logs: 'logs', issue_dependencies: 'dependency'};

/** Journal the workload as td's action_log rows (what `td create/update/log/dep add` write). */
export function journal(db: import('better-sqlite3').Database, events: SyncEvent[]): void {
  const ins = db.prepare('INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, previous_data, new_data, timestamp, undone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)');
  db.transaction(() => {
    for (const [i, e] of events.entries()) {
      const p = e.payload;
      ins.run(`al-${i.toString(16).padStart(8, '0')}`, 'ses_local', e.sourceAction ?? e.actionType, TD_ENTITY[e.entityType]!, e.entityId,
        p.previousData ? JSON.stringify(p.previousData) : '', JSON.stringify(p.newData), e.clientTimestamp.replace('Z', '.123456789Z'));
    }
  })();
}
