/**
 * One td-sync project as a sync target: push in td's batches of 500, paged pull from the server
 * sequence (the cursor), status. Wire conversion is the SDK's (toWireEvent/fromWireEvent).
 */
import {
  fromWireEvent,
  isSyncError,
  PermanentError,
  toWireEvent,
  type BackendCapabilities,
  type BackendContext,
  type BackendSnapshot,
  type BackendStatus,
  type PullRequest,
  type PullResult,
  type PushAck,
  type PushRejection,
  type PushResult,
  type SkippedRecord,
  type SyncBackend,
  type SyncEvent,
  type WireEvent,
} from 'td-sync-sdk';
import {resolveAuth, type ResolvedAuth} from './auth.js';
import {TdSyncClient} from './client.js';
import type {HttpConfig} from './config.js';

/** td's client batch (the server accepts up to 1000; spec §14 scenario 41 expects 500). */
export const PUSH_BATCH = 500;
/**
 * Bytes per push request: td-sync refuses bodies over 10 MiB as `invalid json body`, so batches are
 * also cut by size (500 events of large rows would not fit).
 */
export const MAX_PUSH_BYTES = 8 * 1024 * 1024;
/** td's page size; the server clamps at 10000. */
export const PULL_PAGE = 1000;

/**
 * The session id a push is sent under, kept in the target state until the engine commits the
 * acks. td-sync dedups by (device_id, session_id, client_action_id) and td stamps the *current*
 * session, so a re-push after a crash from another session would store a second copy (spec §12.4).
 * Reusing the recorded session makes the re-push come back as `duplicate` with the original seq.
 */
const INFLIGHT_KEY = 'http.pushSession';

interface PushResponse {
  accepted: number;
  acks: Array<{client_action_id: number; server_seq: number}> | null;
  rejected?: Array<{client_action_id: number; reason: string; server_seq?: number}>;
}

interface PullResponse {
  events: WireEvent[];
  last_server_seq: number;
  has_more: boolean;
}

interface StatusResponse {
  event_count: number;
  last_server_seq: number;
  last_event_time?: string;
}

export const CAPABILITIES: BackendCapabilities = Object.freeze({
  entityTypes: 'all',
  bidirectional: true,
  echoesOwnEvents: true,
  maxPushBatch: PUSH_BATCH,
  maxPullPage: PULL_PAGE,
  ordering: 'total',
});

export class HttpBackend implements SyncBackend {
  readonly capabilities = CAPABILITIES;
  readonly client: TdSyncClient;
  private auth?: Promise<ResolvedAuth>;
  private readonly projectPath: string;

  constructor(
    readonly config: HttpConfig,
    private readonly context: BackendContext,
    clientOverrides: Partial<ConstructorParameters<typeof TdSyncClient>[0]> = {},
  ) {
    this.projectPath = `/v1/projects/${encodeURIComponent(config.projectId)}`;
    this.client = new TdSyncClient({
      url: config.url,
      apiKey: async () => (await this.resolvedAuth()).apiKey,
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      retryBudgetMs: config.retryBudgetMs,
      logger: context.logger,
      signal: context.signal,
      ...clientOverrides,
    });
  }

  private resolvedAuth(): Promise<ResolvedAuth> {
    return (this.auth ??= resolveAuth(this.context.credentials, this.config.url));
  }

  /**
   * The device id on the wire: td's (auth.json `device_id`) when the user logged in with td, so a
   * project synced by the Go td keeps its identity; otherwise the host's device id.
   */
  private async wireDeviceId(): Promise<string> {
    const fileId = (await this.resolvedAuth()).file?.device_id;
    return typeof fileId === 'string' && fileId ? fileId : this.context.deviceId;
  }

  private desiredSession(events: readonly SyncEvent[]): string {
    return this.context.sessionId || events[0]?.sessionId || `ses_${this.context.deviceId.slice(0, 6)}`;
  }

  /**
   * The session to push under: the recorded one while there is one (a push it carried may have
   * reached the server unacknowledged), else this run's, recorded durably before the first byte
   * leaves. The engine's session id is stable per project, so the record normally stays as it is
   * from push to push and costs no write; see push() for when it is let go.
   */
  private pushSession(events: readonly SyncEvent[]): string {
    const recorded = this.context.state.get<{sessionId?: string} | null>(INFLIGHT_KEY);
    if (recorded?.sessionId) return recorded.sessionId;
    const sessionId = this.desiredSession(events);
    this.context.state.set(INFLIGHT_KEY, {sessionId, since: this.context.now().toISOString()});
    return sessionId;
  }

  async push(events: readonly SyncEvent[]): Promise<PushResult> {
    const acks: PushAck[] = [];
    const rejections: PushRejection[] = [];
    if (events.length === 0) return {acks, rejections};
    const deviceId = await this.wireDeviceId();
    const sessionId = this.pushSession(events);
    for (const batch of batches(events, this.maxPushBytes)) {
      if (batch.oversized) {
        // One event larger than a whole request: the server could never take it.
        rejections.push({clientActionId: batch.events[0].clientActionId, reason: 'invalid', message: `event is ${batch.bytes} bytes as JSON, more than td-sync accepts in one request (10 MiB)`, retryable: false});
        continue;
      }
      await this.pushBatch(batch.events, batch.json, deviceId, sessionId, acks, rejections);
    }
    // A recorded session other than this run's is let go together with the acks the engine
    // records (from then on nothing is in flight under it), so the next push takes this run's.
    // The same session stays recorded: clearing it would cost a durable write per batch.
    if (sessionId !== this.desiredSession(events)) this.context.state.stage(INFLIGHT_KEY, null);
    return {acks, rejections};
  }

  private async pushBatch(batch: readonly SyncEvent[], json: string[], deviceId: string, sessionId: string, acks: PushAck[], rejections: PushRejection[]): Promise<void> {
    let pending = [...batch];
    const jsonOf = new Map(batch.map((e, i) => [e, json[i]]));
    // A 400 names the first bad event; it is rejected alone and the rest re-sent (nothing was stored).
    while (pending.length > 0) {
      try {
        // Push is idempotent: td-sync dedups on (device_id, session_id, client_action_id) and we
        // re-send under the same session, so a retry after a 5xx, a 429 or a lost response
        // (even a 500 after the server committed) yields `duplicate` acks, never a second copy.
        const head = JSON.stringify({device_id: deviceId, session_id: sessionId}).slice(0, -1);
        const res = await this.client.request<PushResponse>('POST', `${this.projectPath}/sync/push`, {
          rawBody: `${head},"events":[${pending.map((e) => jsonOf.get(e)).join(',')}]}`,
          idempotent: true,
          what: `push to project ${this.config.projectId}`,
        });
        for (const a of res.body.acks ?? []) acks.push({clientActionId: a.client_action_id, remoteSeq: a.server_seq});
        for (const r of res.body.rejected ?? []) rejections.push(rejectionFromWire(r));
        return;
      } catch (e) {
        const poison = isSyncError(e) && e.kind === 'permanent' ? poisonEvent(e.message, pending) : undefined;
        if (!poison) throw e;
        for (const p of poison) rejections.push({clientActionId: p.clientActionId, reason: 'invalid', message: (e as Error).message, retryable: false});
        pending = pending.filter((p) => !poison.includes(p));
      }
    }
  }

  /** Overridable for tests. */
  maxPushBytes = MAX_PUSH_BYTES;

  async pull(request: PullRequest): Promise<PullResult> {
    const after = parseCursor(request.cursor);
    const limit = Math.max(1, Math.min(Math.floor(request.limit) || PULL_PAGE, PULL_PAGE));
    // No exclude_client: like a manual `td sync`, own events come back so server order is authoritative.
    const res = await this.client.request<PullResponse>('GET', `${this.projectPath}/sync/pull`, {
      query: {after_server_seq: after, limit},
      idempotent: true,
      what: `pull from project ${this.config.projectId}`,
    });
    const wireDevice = await this.wireDeviceId();
    const events: SyncEvent[] = [];
    const skipped: SkippedRecord[] = [];
    for (const w of res.body.events ?? []) {
      let e: SyncEvent;
      try {
        e = fromWireEvent(w);
      } catch (err) {
        // Types td-sync accepts but td never applies (sessions, git_snapshots...): td quarantines
        // them and steps over; the cursor still moves past them.
        this.context.logger.warn(`skipping td-sync event seq ${w.server_seq}: ${(err as Error).message}`);
        skipped.push(skippedWire(w, (err as Error).message));
        continue;
      }
      // Our own events under td's device id are this device's events for the engine.
      if (e.deviceId === wireDevice) e.deviceId = this.context.deviceId;
      events.push(e);
    }
    const count = (res.body.events ?? []).length;
    return {events, cursor: String(res.body.last_server_seq ?? after), hasMore: Boolean(res.body.has_more) && count > 0, ...(skipped.length > 0 ? {skipped} : {})};
  }

  async status(): Promise<BackendStatus> {
    const auth = await this.resolvedAuth();
    const remote = `${this.config.url} project ${this.config.projectId}`;
    const identity = typeof auth.file?.email === 'string' && auth.file.email && auth.source === 'file' ? auth.file.email : undefined;
    const base = {remote, identity, details: {url: this.config.url, projectId: this.config.projectId, keySource: auth.source}};
    if (!auth.apiKey) {
      const reachable = await this.reachable();
      return {...base, reachable, authenticated: false};
    }
    try {
      // A status probe answers fast: one retry at most.
      const res = await this.client.request<StatusResponse>('GET', `${this.projectPath}/sync/status`, {idempotent: true, maxRetries: 1, what: `status of project ${this.config.projectId}`});
      const s = res.body;
      // td-sync keeps syncing a soft-deleted project for its members (spec §3); say so.
      const project = await this.client.request<{name?: string}>('GET', this.projectPath, {idempotent: true, maxRetries: 1, what: `project ${this.config.projectId}`, accept: [404]});
      const deleted = project.status === 404;
      return {
        ...base,
        reachable: true,
        authenticated: true,
        details: {
          ...base.details,
          ...(project.body?.name && !deleted ? {projectName: project.body.name} : {}),
          ...(deleted ? {projectDeleted: true, warning: 'this td-sync project was deleted on the server; its members can still sync, but link another project with "td sync link <project-id>"'} : {}),
          eventCount: s.event_count,
          lastServerSeq: s.last_server_seq,
          ...(s.last_event_time ? {lastEventTime: s.last_event_time} : {}),
        },
      };
    } catch (e) {
      if (isSyncError(e) && e.kind === 'auth') return {...base, reachable: true, authenticated: e.code !== 'http_unauthorized', details: {...base.details, error: e.message, hint: e.hint ?? ''}};
      if (isSyncError(e) && e.kind === 'transient' && e.code === 'http_unreachable') return {...base, reachable: false, authenticated: false, details: {...base.details, error: e.message}};
      throw e;
    }
  }

  /**
   * `GET …/sync/snapshot` (spec §5.4): the project as a td database at `X-Snapshot-Seq`. A 404
   * (`no_events`, or a server without snapshots) is "no snapshot", as in td; a missing or
   * non-positive `X-Snapshot-Seq` is an error. The bytes are checked by the engine.
   */
  async snapshot(): Promise<BackendSnapshot | null> {
    const res = await this.client.request<Buffer | unknown>('GET', `${this.projectPath}/sync/snapshot`, {
      idempotent: true, binary: true, accept: [404], what: `snapshot of project ${this.config.projectId}`,
    });
    if (res.status === 404) return null;
    const raw = res.headers['x-snapshot-seq'];
    const seq = typeof raw === 'string' ? raw.trim() : '';
    if (!/^\d+$/.test(seq) || Number(seq) <= 0) {
      throw new PermanentError(`td-sync at ${this.config.url} sent a snapshot of project ${this.config.projectId} without a valid X-Snapshot-Seq header (${JSON.stringify(raw ?? null)})`, {
        code: 'http_bad_snapshot', hint: 'the snapshot is ignored; "td sync" pulls the events instead',
      });
    }
    if (!Buffer.isBuffer(res.body)) {
      throw new PermanentError(`td-sync at ${this.config.url} sent an empty snapshot of project ${this.config.projectId}`, {code: 'http_bad_snapshot'});
    }
    return {cursor: String(Number(seq)), data: res.body};
  }

  private async reachable(): Promise<boolean> {
    try {
      await this.client.request('GET', '/healthz', {idempotent: false, auth: false, what: 'health check', accept: [503]});
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

const GO_RFC3339 = /^\d{4}-\d\d-\d\dT\d{1,2}:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:\d\d)$/;

/**
 * td-sync parses client_timestamp with Go's RFC 3339 parser and refuses the whole batch otherwise.
 * Other spellings a journal may hold (td's `2006-01-02 15:04:05-07:00`, no zone) are sent as the
 * same instant in UTC; what no parser understands is sent as is (the server names it, and the
 * event is rejected alone).
 */
export function wireTimestamp(ts: string): string {
  if (GO_RFC3339.test(ts)) return ts;
  const t = Date.parse(ts.includes('T') ? ts : ts.replace(' ', 'T'));
  return Number.isNaN(t) ? ts : new Date(t).toISOString();
}

interface Batch {
  events: SyncEvent[];
  json: string[];
  bytes: number;
  oversized?: boolean;
}

/** Consecutive batches of at most PUSH_BATCH events and `maxBytes` of JSON (order kept). */
export function batches(events: readonly SyncEvent[], maxBytes = MAX_PUSH_BYTES): Batch[] {
  const out: Batch[] = [];
  let cur: Batch = {events: [], json: [], bytes: 0};
  for (const e of events) {
    const wire = toWireEvent(e);
    wire.client_timestamp = wireTimestamp(wire.client_timestamp);
    const json = JSON.stringify(wire);
    const bytes = Buffer.byteLength(json) + 1;
    if (bytes > maxBytes) {
      if (cur.events.length > 0) out.push(cur);
      out.push({events: [e], json: [json], bytes, oversized: true});
      cur = {events: [], json: [], bytes: 0};
      continue;
    }
    if (cur.events.length >= PUSH_BATCH || (cur.events.length > 0 && cur.bytes + bytes > maxBytes)) {
      out.push(cur);
      cur = {events: [], json: [], bytes: 0};
    }
    cur.events.push(e);
    cur.json.push(json);
    cur.bytes += bytes;
  }
  if (cur.events.length > 0) out.push(cur);
  return out;
}

/** What the report and td_sync_skipped keep of a wire event td cannot apply. */
function skippedWire(w: WireEvent, reason: string): SkippedRecord {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    reason,
    where: `server_seq ${w.server_seq}`,
    remoteSeq: w.server_seq,
    entityType: text(w.entity_type),
    entityId: text(w.entity_id),
    raw: JSON.stringify(w),
  };
}

function rejectionFromWire(r: {client_action_id: number; reason: string; server_seq?: number}): PushRejection {
  if (r.reason === 'duplicate') {
    // With a seq it is an ack in disguise. Without one the server did not store the event (td
    // leaves such rows pending): keep it pending.
    return r.server_seq ? {clientActionId: r.client_action_id, reason: 'duplicate', remoteSeq: r.server_seq} : {clientActionId: r.client_action_id, reason: 'duplicate', retryable: true, message: 'not stored by the server'};
  }
  // `empty entity_id`: this event can never be stored.
  return {clientActionId: r.client_action_id, reason: 'invalid', message: r.reason, retryable: false};
}

/** The events a 400 names: `invalid timestamp for action <id>` or `invalid entity_type: <t>`. */
function poisonEvent(message: string, pending: readonly SyncEvent[]): SyncEvent[] | undefined {
  const ts = /invalid timestamp for action (-?\d+)/.exec(message);
  if (ts) {
    const hit = pending.filter((p) => p.clientActionId === Number(ts[1]));
    return hit.length > 0 ? hit : undefined;
  }
  const et = /invalid entity_type: (.*?)\)?$/.exec(message);
  if (et) {
    const hit = pending.filter((p) => p.entityType === et[1]);
    return hit.length > 0 ? hit : undefined;
  }
  return undefined;
}

/** The cursor is td-sync's server sequence as a decimal string (td's sync_state.last_pulled_server_seq). */
export function parseCursor(cursor: string | null): number {
  if (cursor === null || cursor === '') return 0;
  if (!/^\d+$/.test(cursor)) {
    throw new PermanentError(`the stored td-sync cursor "${cursor}" is not a server sequence`, {
      code: 'http_bad_cursor',
      hint: 'the sync bookkeeping of this target is damaged; re-link with "td sync link <project-id>" to pull again from the start',
    });
  }
  return Number(cursor);
}

