/**
 * A td project stand-in for backend tests: td rows, pending events in rowid order, td's apply
 * rules for pulled events (whole-row create, field-level update with previous data, soft delete,
 * hard delete), and a sync cycle (push pending -> commit acks; pull pages -> apply -> commit
 * cursor). The real engine is exercised by the e2e test; this keeps the backend's own tests fast.
 */
import {createHash} from 'node:crypto';
import * as sdk from 'td-sync-sdk';
import type {JsonObject, PushResult, SyncEvent} from 'td-sync-sdk';
import backend, {GitHubBackend, validateConfig} from '../../packages/td-sync-backend-github/src/index.js';
import {changedKeys} from '../../packages/td-sync-backend-github/src/mapping.js';
import {testContext, type TestContext} from '../../packages/td-sync-backend-github/test/context.js';
import {startGitHubEmulator, type GitHubEmulator} from '../github-emulator/index.js';

export {changedKeys};

export type Entity = 'issues' | 'logs' | 'comments' | 'handoffs' | 'issue_dependencies';

let seq = 0;
let idCounter = 0;
/** Deterministic ids (a failing seed replays the same ids), without collisions. */
const hex = (n: number) => createHash('sha256').update(`td-sync-github-test-${++idCounter}`).digest('hex').slice(0, n);

export async function emulator(options: Parameters<typeof startGitHubEmulator>[0] = {}): Promise<GitHubEmulator & {repo: string}> {
  const em = await startGitHubEmulator({seed: 1, ...options});
  em.createRepo('acme/app');
  return Object.assign(em, {repo: 'acme/app'});
}

export function fastConfig(em: GitHubEmulator, over: JsonObject = {}): JsonObject {
  return {repo: 'acme/app', baseUrl: em.url, writeSpacingMs: 0, createsPerMinute: 100_000, createsPerHour: 1_000_000, maxWaitSeconds: 0, ...over};
}

export class Project {
  rows: Record<Entity, Map<string, JsonObject>> = {issues: new Map(), logs: new Map(), comments: new Map(), handoffs: new Map(), issue_dependencies: new Map()};
  pending: SyncEvent[] = [];
  cursor: string | null = null;
  ctx: TestContext;
  backend!: GitHubBackend;
  private rowid = 0;
  readonly session = `ses_${hex(6)}`;

  constructor(readonly em: GitHubEmulator, readonly name: string, readonly config: JsonObject, token = em.token) {
    this.ctx = testContext({env: {GITHUB_TOKEN: token}, deviceId: hex(32)});
    this.connect();
  }

  /** A new backend instance over the same state (what a new `td sync` process gets). */
  connect(config: JsonObject = this.config): GitHubBackend {
    this.backend = backend.create(validateConfig(config), this.ctx) as GitHubBackend;
    return this.backend;
  }

  private lastStamp = 0;
  /** Per row and field, the stamp of the write that set it (last-writer-wins, as the engine's unordered mode). */
  stamps = new Map<string, number>();

  /** td's clock: the emulator's, strictly increasing per project, so local and GitHub times compare as in real life. */
  private stamp(): string {
    this.lastStamp = Math.max(this.em.now().getTime(), this.lastStamp + 1);
    seq++;
    return new Date(this.lastStamp).toISOString();
  }

  private stampFields(entity: string, id: string, keys: string[], at: string): void {
    for (const k of keys) this.stamps.set(`${entity}/${id}/${k}`, Date.parse(at));
  }

  private emit(entityType: Entity, actionType: SyncEvent['actionType'], entityId: string, newData: JsonObject | null, previousData: JsonObject | null, sourceAction?: string): SyncEvent {
    const e: SyncEvent = {
      clientActionId: ++this.rowid,
      deviceId: this.ctx.deviceId,
      sessionId: this.session,
      actionType,
      entityType,
      entityId,
      payload: {schemaVersion: 1, newData, previousData},
      clientTimestamp: this.stamp(),
      sourceAction,
    };
    this.pending.push(e);
    // The fields this write sets: a soft delete or restore sets deleted_at only.
    const keys = actionType === 'soft_delete' || actionType === 'restore' ? ['deleted_at'] : previousData && newData ? changedKeys(previousData, newData) : Object.keys(newData ?? previousData ?? {});
    this.stampFields(entityType, entityId, keys, e.clientTimestamp);
    return e;
  }

  /** Last-writer-wins per field (the engine's rule for backends with ordering 'unordered'). */
  private lww(entity: string, id: string, k: string, at: string): boolean {
    const mine = this.stamps.get(`${entity}/${id}/${k}`) ?? 0;
    const t = Date.parse(at);
    if (t < mine) return false;
    this.stamps.set(`${entity}/${id}/${k}`, t);
    return true;
  }

  createIssue(fields: JsonObject = {}): JsonObject {
    const id = `td-${hex(6)}`;
    const now = this.stamp();
    const row: JsonObject = {
      id,
      title: `Task ${id}`,
      description: '',
      status: 'open',
      type: 'task',
      priority: 'P2',
      points: 0,
      labels: [],
      parent_id: '',
      acceptance: '',
      implementer_session: '',
      creator_session: this.session,
      reviewer_session: '',
      created_at: now,
      updated_at: now,
      minor: false,
      defer_count: 0,
      ...fields,
    };
    this.rows.issues.set(id, row);
    this.emit('issues', 'create', id, {...row}, null, 'create');
    return row;
  }

  updateIssue(id: string, changes: JsonObject, action = 'update'): JsonObject {
    const prev = this.rows.issues.get(id)!;
    const next: JsonObject = {...prev, ...changes, updated_at: this.stamp()};
    for (const [k, v] of Object.entries(changes)) if (v === undefined) delete next[k];
    this.rows.issues.set(id, next);
    this.emit('issues', 'update', id, {...next}, {...prev}, action);
    return next;
  }

  deleteIssue(id: string): void {
    const prev = this.rows.issues.get(id)!;
    const e = this.emit('issues', 'soft_delete', id, null, {...prev}, 'delete');
    this.rows.issues.set(id, {...prev, deleted_at: e.clientTimestamp});
  }

  log(issueId: string, message: string, type = 'progress'): JsonObject {
    const row = {id: `lg-${hex(8)}`, issue_id: issueId, session_id: this.session, work_session_id: '', message, type, timestamp: this.stamp()};
    this.rows.logs.set(row.id, row);
    this.emit('logs', 'create', row.id, {...row}, null, 'create');
    return row;
  }

  comment(issueId: string, text: string): JsonObject {
    const row = {id: `cm-${hex(8)}`, issue_id: issueId, session_id: this.session, text, created_at: this.stamp()};
    this.rows.comments.set(row.id, row);
    this.emit('comments', 'create', row.id, {...row}, null, 'create');
    return row;
  }

  handoff(issueId: string, lists: {done?: string[]; remaining?: string[]; decisions?: string[]; uncertain?: string[]}): JsonObject {
    const row = {
      id: `ho-${hex(8)}`,
      issue_id: issueId,
      session_id: this.session,
      done: JSON.stringify(lists.done ?? []),
      remaining: JSON.stringify(lists.remaining ?? []),
      decisions: JSON.stringify(lists.decisions ?? []),
      uncertain: JSON.stringify(lists.uncertain ?? []),
      timestamp: this.stamp().replace(/\.\d{3}Z$/, 'Z'),
    };
    this.rows.handoffs.set(row.id, row);
    this.emit('handoffs', 'create', row.id, {...row}, null, 'handoff');
    return row;
  }

  dependency(issueId: string, dependsOn: string, add = true): void {
    const {deterministicId} = sdk;
    const id = deterministicId.dependency(issueId, dependsOn, 'depends_on');
    const row = {id, issue_id: issueId, depends_on_id: dependsOn, relation_type: 'depends_on'};
    if (add) {
      this.rows.issue_dependencies.set(id, row);
      this.emit('issue_dependencies', 'create', id, {...row}, null, 'add_dependency');
    } else {
      this.rows.issue_dependencies.delete(id);
      this.emit('issue_dependencies', 'delete', id, null, {...row}, 'remove_dependency');
    }
  }

  async push(): Promise<PushResult> {
    const result = await this.backend.push(this.pending);
    const acked = new Set(result.acks.map((a) => a.clientActionId));
    const dropped = new Set(result.rejections.filter((r) => !r.retryable).map((r) => r.clientActionId));
    this.pending = this.pending.filter((e) => !acked.has(e.clientActionId) && !dropped.has(e.clientActionId));
    this.ctx.state.commit();
    return result;
  }

  /** Pull every page, applying each and committing its cursor (as the engine does). */
  async pull(limit = 100): Promise<SyncEvent[]> {
    const all: SyncEvent[] = [];
    for (;;) {
      const page = await this.backend.pull({cursor: this.cursor, limit});
      for (const e of page.events) this.apply(e);
      all.push(...page.events);
      this.cursor = page.cursor;
      this.ctx.state.commit();
      if (!page.hasMore) break;
    }
    return all;
  }

  async sync(): Promise<{push: PushResult; pulled: SyncEvent[]}> {
    const push = await this.push();
    const pulled = await this.pull();
    return {push, pulled};
  }

  apply(e: SyncEvent): void {
    const table = this.rows[e.entityType as Entity];
    if (!table) throw new Error(`unexpected entity ${e.entityType}`);
    const nd = e.payload.newData;
    const pd = e.payload.previousData;
    switch (e.actionType) {
      case 'create': {
        const cur = table.get(e.entityId);
        const next: JsonObject = cur ? {...cur} : {};
        for (const k of new Set([...Object.keys(nd ?? {}), ...Object.keys(cur ?? {})])) {
          if (k === 'id' || !this.lww(e.entityType, e.entityId, k, e.clientTimestamp)) continue;
          if (nd?.[k] === undefined) delete next[k];
          else next[k] = nd[k];
        }
        table.set(e.entityId, {...next, id: e.entityId});
        break;
      }
      case 'update': {
        const cur = table.get(e.entityId);
        if (!cur) break;
        const keys = pd && Object.keys(pd).length > 0 ? changedKeys(pd, nd ?? {}) : Object.keys(nd ?? {});
        const next = {...cur};
        for (const k of keys) {
          if (k === 'id' || !this.lww(e.entityType, e.entityId, k, e.clientTimestamp)) continue;
          if (nd?.[k] === undefined) delete next[k];
          else next[k] = nd[k];
        }
        table.set(e.entityId, next);
        break;
      }
      case 'soft_delete': {
        const cur = table.get(e.entityId);
        if (cur) table.set(e.entityId, {...cur, deleted_at: e.clientTimestamp});
        break;
      }
      case 'delete':
        table.delete(e.entityId);
        break;
      case 'restore': {
        const cur = table.get(e.entityId);
        if (cur) {
          const next = {...cur};
          delete next.deleted_at;
          table.set(e.entityId, next);
        }
        break;
      }
    }
  }
}


/** Differences between two projects' rows of one entity (empty = identical td state). */
export function diffRows(a: Map<string, JsonObject>, b: Map<string, JsonObject>, ignore: string[] = []): string[] {
  const out: string[] = [];
  for (const id of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(id);
    const y = b.get(id);
    if (!x || !y) {
      out.push(`${id}: only in ${x ? 'A' : 'B'}`);
      continue;
    }
    const keys = changedKeys(x, y).filter((k) => !ignore.includes(k));
    if (keys.length) out.push(`${id}: ${keys.map((k) => `${k}=${JSON.stringify(x[k])}|${JSON.stringify(y[k])}`).join(', ')}`);
  }
  return out;
}

export async function closeAll(em: GitHubEmulator): Promise<void> {
  await em.close();
}
