/**
 * A stand-in for td-sync, built from shared/spec/td-sync-http-protocol.md: the same paths, JSON,
 * order of checks (§1.5), error envelopes, dedup, paging, rate limits and the quirks of §13 that a
 * client can observe. SQLite-backed (better-sqlite3), served by node:http on 127.0.0.1.
 *
 * Snapshots answer 404 `no_events` by default (§13 allows it; clients then page); with
 * `snapshots: 'build'` they are real td databases built by replaying the events (snapshot.ts).
 * SSE, CORS and the td-watch REST surface exist only as far as scenarios 38-39 need (one admin
 * route, issue creation). Not reproduced: invitations, the rest of the admin API.
 */
import {randomBytes} from 'node:crypto';
import {mkdirSync} from 'node:fs';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import {join} from 'node:path';
import {AuthFlows} from './auth-flows.js';
import {Faults} from './faults.js';
import {FixedWindowLimiter} from './ratelimit.js';
import {SnapshotBuilder} from './snapshot.js';
import {isRole, ROLE_RANK, ServerStore, type KeyRow, type Role, type UserRow} from './store.js';
import {ApiError, badRequest, field, goJson, goRfc3339, invalidJson, parseBody, scrubWorkSession, serverActionType, serverEntityType, utcSeconds} from './wire.js';

export interface RateLimits {
  auth: number;
  push: number;
  pull: number;
  other: number;
}

export interface TdSyncServerOptions {
  /** Folder for server.db; omitted = an in-memory database. */
  dataDir?: string;
  port?: number;
  host?: string;
  /** Defaults: SYNC_RATE_LIMIT_* from `env`, else td-sync's 10/60/120/300 per minute. */
  rateLimits?: Partial<RateLimits>;
  /** Email of the admin created on first start (default admin@example.com). */
  adminEmail?: string;
  allowSignup?: boolean;
  legacyDeviceAuth?: boolean;
  /** `/internal/dev/last-email` (the real server needs SYNC_DEV_EMAIL_INSPECT + memory provider). Default true. */
  devEmailInspect?: boolean;
  /** Prefix of approval links (SYNC_EMAIL_BASE_URL). Default: this server's URL. */
  emailBaseUrl?: string;
  webCallbackUrl?: string;
  /**
   * Stand-in extension: add `Retry-After: <s>` to rate-limit 429s. The real server never does
   * (spec §10); off by default.
   */
  retryAfterOn429?: boolean;
  /** `no_events` (default): every snapshot is 404 no_events. `build`: real td databases. */
  snapshots?: 'no_events' | 'build';
  /** SYNC_CORS_ALLOWED_ORIGINS (admin routes only); `*` allowed. */
  corsAllowedOrigins?: string[];
  /** SSE keep-alive comment period (15 s on td-sync). */
  ssePingMs?: number;
  /** SSE streams end after this long (td-sync's 60 s write timeout). */
  sseMaxMs?: number;
  /** Bytes per request body (10 MiB like td-sync). */
  maxBodyBytes?: number;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Called with each sent email (the CLI prints approval links). */
  onEmail?: (text: string) => void;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  ip: string;
  authorized: boolean;
  events?: number;
}

export interface TdSyncServer {
  url: string;
  port: number;
  /** The admin's `sync` key; the admin owns `projectId`. */
  adminKey: string;
  adminUserId: string;
  projectId: string;
  store: ServerStore;
  db: ServerStore['db'];
  faults: Faults;
  auth: AuthFlows;
  /** Every request answered, in order. */
  requests: RequestLogEntry[];
  metrics: Record<string, number>;
  /** Make /healthz answer 503 (db unreachable). */
  setHealthy(ok: boolean): void;
  /** A user (created if needed) with a key; `role` adds them to `projectId` (or `project`). */
  addUser(email: string, opts?: {role?: Role; project?: string; scopes?: string[]; admin?: boolean; impersonation?: boolean}): {userId: string; key: string};
  resetRateLimits(): void;
  close(): Promise<void>;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  ip: string;
  rawBody: string;
  key?: KeyRow;
  user?: UserRow;
  /** Stand-in: events in a push (for the request log). */
  events?: number;
}

type RateClass = 'push' | 'pull' | 'other' | 'none';
type Handler = (ctx: Ctx, params: string[]) => unknown | Promise<unknown>;
interface Route {
  method: string;
  pattern: RegExp;
  /** 'public' | 'bearer' (scope gate, no membership) | 'admin' | a minimum role on the project in params[0]. */
  auth: 'public' | 'bearer' | 'admin' | Role;
  rate: RateClass;
  handler: Handler;
}

/** A successful JSON answer with a status other than 200. */
/** The handler took over the response (SSE). */
const STREAMING = Symbol('streaming');

class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
  ) {}
}

const requestId = () => randomBytes(16).toString('hex');
const envInt = (v: string | undefined) => (v && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : undefined);

export async function startTdSyncServer(options: TdSyncServerOptions = {}): Promise<TdSyncServer> {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const limits: RateLimits = {
    auth: options.rateLimits?.auth ?? envInt(env.SYNC_RATE_LIMIT_AUTH) ?? 10,
    push: options.rateLimits?.push ?? envInt(env.SYNC_RATE_LIMIT_PUSH) ?? 60,
    pull: options.rateLimits?.pull ?? envInt(env.SYNC_RATE_LIMIT_PULL) ?? 120,
    other: options.rateLimits?.other ?? envInt(env.SYNC_RATE_LIMIT_OTHER) ?? 300,
  };
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  if (options.dataDir) mkdirSync(options.dataDir, {recursive: true});
  const store = new ServerStore(options.dataDir ? join(options.dataDir, 'server.db') : ':memory:');
  const faults = new Faults();
  const limiter = new FixedWindowLimiter(60_000, now);
  const requests: RequestLogEntry[] = [];
  const metrics = {requests: 0, server_errors: 0, client_errors: 0, push_events_accepted: 0, pull_requests: 0};
  const started = now();
  let healthy = true;
  let baseUrl = '';
  let auth!: AuthFlows;

  // ---- first start: an admin with a key and a project it owns (kept across restarts) ----
  let adminKey = store.getMeta('admin_key');
  let projectId = store.getMeta('project_id');
  const admin = store.createUser(options.adminEmail ?? store.getMeta('admin_email') ?? 'admin@example.com', {admin: true});
  if (!adminKey || !store.keyByPlaintext(adminKey)) {
    adminKey = store.createKey(admin.id, {name: 'admin', scopes: ['sync']}).key;
    store.setMeta('admin_key', adminKey);
    store.setMeta('admin_email', admin.email);
  }
  if (!projectId || !store.project(projectId)) {
    projectId = store.createProject(admin.id, 'default', 'created by the td-sync stand-in').id;
    store.setMeta('project_id', projectId);
  }

  // ---- handlers ----
  const json = (ctx: Ctx) => parseBody(ctx.rawBody);

  function push(ctx: Ctx, [pid]: string[]): unknown {
    const body = json(ctx);
    const deviceId = (field(body, 'device_id', 'string') as string | undefined) ?? '';
    const sessionId = (field(body, 'session_id', 'string') as string | undefined) ?? '';
    const rawEvents = (field(body, 'events', 'array') as unknown[] | undefined) ?? [];
    const events = rawEvents.map((e) => {
      if (e === null) return {} as Record<string, unknown>;
      if (typeof e !== 'object' || Array.isArray(e)) throw invalidJson();
      const o = e as Record<string, unknown>;
      return {
        client_action_id: (field(o, 'client_action_id', 'int') as number | undefined) ?? 0,
        action_type: (field(o, 'action_type', 'string') as string | undefined) ?? '',
        entity_type: (field(o, 'entity_type', 'string') as string | undefined) ?? '',
        entity_id: (field(o, 'entity_id', 'string') as string | undefined) ?? '',
        payload: field(o, 'payload', 'raw'),
        client_timestamp: (field(o, 'client_timestamp', 'string') as string | undefined) ?? '',
      };
    });
    ctx.events = events.length;
    if (!deviceId) throw badRequest('device_id is required');
    if (!sessionId) throw badRequest('session_id is required');
    if (events.length === 0) throw badRequest('events array is empty');
    if (events.length > 1000) throw badRequest(`batch size ${events.length} exceeds max 1000`);
    const types = events.map((e) => {
      const t = serverEntityType(e.entity_type as string);
      if (!t) throw badRequest(`invalid entity_type: ${e.entity_type}`);
      return t;
    });
    const times = events.map((e) => {
      const t = goRfc3339(e.client_timestamp as string);
      if (t === undefined) throw badRequest(`invalid timestamp for action ${e.client_action_id}`);
      return t;
    });

    const acks: Array<{client_action_id: number; server_seq: number}> = [];
    const rejected: Array<{client_action_id: number; reason: string; server_seq?: number}> = [];
    let cursor = 0;
    store.transaction(pid, () => {
      events.forEach((e, i) => {
        const cid = e.client_action_id as number;
        if (!e.entity_id) return void rejected.push({client_action_id: cid, reason: 'empty entity_id'});
        const existing = store.existingSeq(pid, deviceId, sessionId, cid);
        if (existing !== undefined) {
          cursor = Math.max(cursor, existing);
          return void rejected.push({client_action_id: cid, reason: 'duplicate', server_seq: existing});
        }
        // Erratum 5: an event without payload is silently not stored, reported as a seq-less duplicate.
        if (e.payload === undefined) return void rejected.push({client_action_id: cid, reason: 'duplicate'});
        const payload = types[i] === 'work_sessions' ? scrubWorkSession(e.payload) : e.payload;
        const seq = store.appendEvent(pid, {
          device_id: deviceId,
          session_id: sessionId,
          client_action_id: cid,
          action_type: serverActionType(e.action_type as string),
          entity_type: types[i],
          entity_id: e.entity_id as string,
          payload: JSON.stringify(payload),
          client_timestamp: times[i],
        });
        cursor = Math.max(cursor, seq);
        acks.push({client_action_id: cid, server_seq: seq});
      });
      if (cursor > 0) store.setCursor(pid, deviceId, cursor); // overwritten, may move backwards (erratum 6)
    });
    metrics.push_events_accepted += acks.length;
    const out: Record<string, unknown> = {accepted: acks.length, acks: acks.length > 0 ? acks : null};
    if (rejected.length > 0) out.rejected = rejected;
    return out;
  }

  function pull(ctx: Ctx, [pid]: string[]): unknown {
    metrics.pull_requests++;
    const afterRaw = ctx.query.get('after_server_seq');
    const limitRaw = ctx.query.get('limit');
    const exclude = ctx.query.get('exclude_client') ?? '';
    let after = 0;
    if (afterRaw) {
      if (!/^[+-]?\d+$/.test(afterRaw)) throw badRequest('invalid after_server_seq');
      after = Number(afterRaw);
    }
    let limit = 1000;
    if (limitRaw) {
      if (!/^[+-]?\d+$/.test(limitRaw) || Number(limitRaw) < 1) throw badRequest('invalid limit');
      limit = Math.min(Number(limitRaw), 10000);
    }
    const rows = store.pull(pid, after, limit, exclude || undefined);
    const events = rows.map((r) => {
      let payload = JSON.parse(r.payload) as unknown;
      if (r.entity_type === 'work_sessions') payload = scrubWorkSession(payload);
      return {
        server_seq: r.server_seq,
        device_id: r.device_id,
        session_id: r.session_id,
        client_action_id: r.client_action_id,
        action_type: r.action_type,
        entity_type: r.entity_type,
        entity_id: r.entity_id,
        payload,
        client_timestamp: r.client_timestamp,
      };
    });
    const last = rows.length > 0 ? rows[rows.length - 1].server_seq : after;
    if (exclude && last > 0) store.setCursor(pid, exclude, last);
    return {events, last_server_seq: last, has_more: rows.length === limit};
  }

  function status(_ctx: Ctx, [pid]: string[]): unknown {
    const s = store.status(pid);
    const out: Record<string, unknown> = {event_count: s.count, last_server_seq: s.last};
    if (s.lastTime) out.last_event_time = s.lastTime;
    return out;
  }

  const snapshots = new SnapshotBuilder(options.dataDir);
  function snapshot(_ctx: Ctx, [pid]: string[]): unknown {
    const head = store.status(pid).last;
    // By default always `no_events` (spec §13 allows it): a client falls back to paging.
    if (head === 0 || options.snapshots !== 'build') throw new ApiError(404, 'no_events', 'no events to snapshot');
    let bytes: Buffer;
    try {
      bytes = snapshots.build(pid, head, store.events(pid));
    } catch {
      throw new ApiError(500, 'internal_error', 'failed to build snapshot');
    }
    _ctx.res.setHeader('X-Snapshot-Seq', String(head));
    return new BinaryReply(200, bytes, 'application/x-sqlite3');
  }

  // ---- SSE (spec §9): only td-watch REST mutations broadcast, never /sync/push ----
  interface Subscriber {
    res: ServerResponse;
    queue: string[];
    overflowed: boolean;
  }
  const subscribers = new Map<string, Set<Subscriber>>();
  const changeToken = () => String(process.hrtime.bigint() + BigInt(Date.now()) * 1_000_000n);
  const frame = (type: string, token: string, issueId?: string) =>
    `event: ${type}\ndata: ${JSON.stringify({type, ...(issueId ? {issue_id: issueId} : {}), change_token: token, timestamp: new Date().toISOString()})}\nid: ${token}\n\n`;
  function flush(sub: Subscriber): void {
    while (sub.queue.length > 0 && !sub.res.writableNeedDrain) sub.res.write(sub.queue.shift());
    if (sub.queue.length === 0) sub.overflowed = false;
  }
  function broadcast(pid: string, type: string, issueId?: string): void {
    for (const sub of subscribers.get(pid) ?? []) {
      if (sub.overflowed) continue; // dropped until the client catches up
      // 16 buffered events plus one reserved slot: when full, the next event becomes a refresh.
      if (sub.queue.length >= 16) {
        sub.queue.push(frame('refresh', changeToken()));
        sub.overflowed = true;
      } else sub.queue.push(frame(type, changeToken(), issueId));
      flush(sub);
    }
  }
  function events(ctx: Ctx, [pid]: string[]): unknown {
    const {res, req} = ctx;
    res.writeHead(200, {'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no'});
    res.flushHeaders();
    requests.push({method: ctx.method, path: ctx.path, status: 200, ip: ctx.ip, authorized: true});
    const sub: Subscriber = {res, queue: [], overflowed: false};
    let set = subscribers.get(pid);
    if (!set) subscribers.set(pid, (set = new Set()));
    set.add(sub);
    const last = req.headers['last-event-id'];
    if (typeof last === 'string' && last) {
      sub.queue.push(frame('refresh', last));
      flush(sub);
    }
    res.on('drain', () => flush(sub));
    const ping = setInterval(() => res.write(': ping\n\n'), options.ssePingMs ?? 15_000);
    const cut = setTimeout(() => res.end(), options.sseMaxMs ?? 60_000);
    const stop = () => {
      clearInterval(ping);
      clearTimeout(cut);
      set!.delete(sub);
    };
    res.on('close', stop);
    return STREAMING;
  }

  /** td-watch REST (minimal): create an issue as `td_watch_server`, stored as an event, broadcast. */
  let watchActionId = 0;
  function createIssue(ctx: Ctx, [pid]: string[]): unknown {
    const body = json(ctx);
    const title = (field(body, 'title', 'string') as string | undefined) ?? '';
    if (!title.trim()) throw badRequest('title is required');
    const id = `td-${randomBytes(3).toString('hex')}`;
    const now = utcSeconds(new Date());
    const issue = {id, title, status: 'open', type: 'task', priority: 'P2', created_at: now, updated_at: now};
    store.transaction(pid, () =>
      store.appendEvent(pid, {
        device_id: 'td_watch_server',
        session_id: `twu_${ctx.user!.id}`,
        client_action_id: ++watchActionId,
        action_type: 'create',
        entity_type: 'issues',
        entity_id: id,
        payload: JSON.stringify({new_data: issue, previous_data: {}, schema_version: 1}),
        client_timestamp: now,
      }),
    );
    broadcast(pid, 'issue.upserted');
    return new Reply(201, issue);
  }

  const projectJson = (p: {id: string; name: string; description: string; slug: string; created_at: string; updated_at: string}) => ({
    id: p.id,
    name: p.name,
    description: p.description,
    slug: p.slug,
    created_at: p.created_at,
    updated_at: p.updated_at,
  });

  function createProject(ctx: Ctx): unknown {
    const body = json(ctx);
    const name = (field(body, 'name', 'string') as string | undefined) ?? '';
    const description = (field(body, 'description', 'string') as string | undefined) ?? '';
    if (!name.trim()) throw badRequest('name is required');
    return new Reply(201, projectJson(store.createProject(ctx.user!.id, name, description)));
  }

  function getProject(_ctx: Ctx, [pid]: string[]): unknown {
    const p = store.project(pid);
    if (!p || p.deleted_at) throw new ApiError(404, 'not_found', 'project not found');
    return projectJson(p);
  }

  function patchProject(ctx: Ctx, [pid]: string[]): unknown {
    const body = json(ctx);
    const name = field(body, 'name', 'string') as string | undefined;
    const description = field(body, 'description', 'string') as string | undefined;
    if (name !== undefined && name === '') throw badRequest('name cannot be empty');
    const p = store.project(pid);
    if (!p || p.deleted_at) throw new ApiError(404, 'not_found', 'project not found');
    return projectJson(store.updateProject(pid, name, description));
  }

  function deleteProject(_ctx: Ctx, [pid]: string[]): unknown {
    if (!store.softDeleteProject(pid)) throw new ApiError(500, 'internal_error', 'failed to delete project');
    return new Reply(204);
  }

  function addMember(ctx: Ctx, [pid]: string[]): unknown {
    const body = json(ctx);
    const userId = (field(body, 'user_id', 'string') as string | undefined) ?? '';
    const email = (field(body, 'email', 'string') as string | undefined) ?? '';
    const role = (field(body, 'role', 'string') as string | undefined) ?? '';
    if (!userId && !email) throw badRequest('user_id or email is required');
    if (!role) throw badRequest('role is required');
    const fail = () => new ApiError(500, 'internal_error', 'failed to add member');
    const user = userId ? store.userById(userId) : (store.userByEmail(email) ?? store.createUser(email));
    const p = store.project(pid);
    if (!user || !isRole(role) || !p || p.deleted_at || store.role(pid, user.id)) throw fail();
    const {created_at} = store.addMember(pid, user.id, role, ctx.user!.id);
    return new Reply(201, {project_id: pid, user_id: user.id, email: userId ? '' : email, role, invited_by: ctx.user!.id, created_at});
  }

  function patchMember(ctx: Ctx, [pid, uid]: string[]): unknown {
    const role = (field(json(ctx), 'role', 'string') as string | undefined) ?? '';
    if (!role) throw badRequest('role is required');
    const current = store.role(pid, uid);
    if (!isRole(role) || !current) throw new ApiError(500, 'internal_error', 'failed to update member');
    if (current === 'owner' && role !== 'owner' && store.ownerCount(pid) <= 1) throw new ApiError(409, 'last_owner', 'cannot demote the last owner');
    store.setRole(pid, uid, role);
    return {status: 'updated'};
  }

  function deleteMember(_ctx: Ctx, [pid, uid]: string[]): unknown {
    const current = store.role(pid, uid);
    if (!current) throw new ApiError(500, 'internal_error', 'failed to remove member');
    if (current === 'owner' && store.ownerCount(pid) <= 1) throw new ApiError(409, 'last_owner', 'cannot remove the last owner');
    store.removeMember(pid, uid);
    return new Reply(204);
  }

  const html = (title: string, message: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${message}</p></body></html>`;

  const P = '/v1/projects/([^/]+)';
  const routes: Route[] = [
    {method: 'GET', pattern: /^\/healthz$/, auth: 'public', rate: 'none', handler: () => {
      if (!healthy) return new Reply(503, {detail: 'db unreachable', status: 'error'});
      return {status: 'ok'};
    }},
    {method: 'GET', pattern: /^\/metricz$/, auth: 'public', rate: 'none', handler: () => ({uptime_seconds: (now() - started) / 1000, ...metrics})},
    {method: 'POST', pattern: /^\/v1\/auth\/device\/start$/, auth: 'public', rate: 'none', handler: (ctx) => auth.deviceStart(json(ctx))},
    {method: 'POST', pattern: /^\/v1\/auth\/device\/poll$/, auth: 'public', rate: 'none', handler: (ctx) => auth.devicePoll(json(ctx))},
    {method: 'GET', pattern: /^\/auth\/device\/approve$/, auth: 'public', rate: 'none', handler: (ctx) => {
      const [status, title, message] = auth.deviceApprove(ctx.query.get('token'));
      ctx.res.setHeader('Referrer-Policy', 'no-referrer');
      return new HtmlReply(status, html(title, message));
    }},
    {method: 'POST', pattern: /^\/v1\/auth\/web\/start$/, auth: 'public', rate: 'none', handler: (ctx) => auth.webStart(json(ctx))},
    {method: 'POST', pattern: /^\/v1\/auth\/web\/exchange$/, auth: 'public', rate: 'none', handler: (ctx) => auth.webExchange(json(ctx))},
    {method: 'POST', pattern: /^\/v1\/auth\/login\/start$/, auth: 'public', rate: 'none', handler: (ctx) => {
      if (!options.legacyDeviceAuth) throw new ApiError(410, 'endpoint_disabled', 'legacy device auth is disabled');
      return auth.legacyStart(json(ctx));
    }},
    {method: 'POST', pattern: /^\/v1\/auth\/login\/poll$/, auth: 'public', rate: 'none', handler: (ctx) => {
      if (!options.legacyDeviceAuth) throw new ApiError(410, 'endpoint_disabled', 'legacy device auth is disabled');
      return auth.legacyPoll(json(ctx));
    }},
    {method: 'GET', pattern: /^\/auth\/verify$/, auth: 'public', rate: 'none', handler: () => {
      if (!options.legacyDeviceAuth) return new TextReply(404, '404 page not found\n');
      return new HtmlReply(200, html('Verify device', '<form method="post"><input name="user_code"><button>Verify</button></form>'));
    }},
    {method: 'POST', pattern: /^\/auth\/verify$/, auth: 'public', rate: 'none', handler: (ctx) => {
      if (!options.legacyDeviceAuth) return new TextReply(404, '404 page not found\n');
      const [status, message] = auth.legacyVerify(new URLSearchParams(ctx.rawBody).get('user_code') ?? '');
      return new HtmlReply(status, html('Verify device', message));
    }},
    {method: 'GET', pattern: /^\/internal\/dev\/last-email$/, auth: 'public', rate: 'none', handler: () => {
      const last = auth.emails[auth.emails.length - 1];
      if (options.devEmailInspect === false || !last) return new TextReply(404, '404 page not found\n');
      return last;
    }},
    {method: 'POST', pattern: /^\/v1\/projects$/, auth: 'bearer', rate: 'other', handler: createProject},
    {method: 'GET', pattern: /^\/v1\/projects$/, auth: 'bearer', rate: 'other', handler: (ctx) => store.projectsOf(ctx.user!.id).map(projectJson)},
    {method: 'GET', pattern: new RegExp(`^${P}$`), auth: 'reader', rate: 'other', handler: getProject},
    {method: 'PATCH', pattern: new RegExp(`^${P}$`), auth: 'writer', rate: 'other', handler: patchProject},
    {method: 'DELETE', pattern: new RegExp(`^${P}$`), auth: 'owner', rate: 'other', handler: deleteProject},
    {method: 'POST', pattern: new RegExp(`^${P}/members$`), auth: 'owner', rate: 'other', handler: addMember},
    {method: 'GET', pattern: new RegExp(`^${P}/members$`), auth: 'reader', rate: 'other', handler: (_c, [pid]) => store.members(pid)},
    {method: 'PATCH', pattern: new RegExp(`^${P}/members/([^/]+)$`), auth: 'owner', rate: 'other', handler: patchMember},
    {method: 'DELETE', pattern: new RegExp(`^${P}/members/([^/]+)$`), auth: 'owner', rate: 'other', handler: deleteMember},
    {method: 'POST', pattern: new RegExp(`^${P}/sync/push$`), auth: 'writer', rate: 'push', handler: push},
    {method: 'GET', pattern: new RegExp(`^${P}/sync/pull$`), auth: 'reader', rate: 'pull', handler: pull},
    {method: 'GET', pattern: new RegExp(`^${P}/sync/status$`), auth: 'reader', rate: 'other', handler: status},
    {method: 'GET', pattern: new RegExp(`^${P}/sync/snapshot$`), auth: 'reader', rate: 'other', handler: snapshot},
    {method: 'GET', pattern: new RegExp(`^${P}/events$`), auth: 'reader', rate: 'none', handler: events},
    {method: 'POST', pattern: new RegExp(`^${P}/issues$`), auth: 'writer', rate: 'other', handler: createIssue},
    {method: 'GET', pattern: /^\/v1\/admin\/server$/, auth: 'admin', rate: 'none', handler: () => ({uptime_seconds: (now() - started) / 1000, projects: (store.db.prepare('SELECT COUNT(*) AS n FROM projects').get() as {n: number}).n})},
  ];

  // ---- the request pipeline (spec §1.5) ----
  function authenticate(ctx: Ctx): void {
    const header = ctx.req.headers.authorization;
    if (!header) throw new ApiError(401, 'unauthorized', 'missing authorization header');
    if (!header.startsWith('Bearer ')) throw new ApiError(401, 'unauthorized', 'invalid authorization format');
    const key = store.keyByPlaintext(header.slice(7));
    if (!key || (key.expires_at && Date.parse(key.expires_at) <= now())) throw new ApiError(401, 'unauthorized', 'invalid or expired api key');
    const user = store.userById(key.user_id);
    if (!user) throw new ApiError(401, 'unauthorized', 'invalid or expired api key');
    store.touchKey(key.id);
    ctx.key = key;
    ctx.user = user;
  }

  function gate(ctx: Ctx, route: Route, params: string[]): void {
    authenticate(ctx);
    const scopes = ctx.key!.scopes.split(',').map((s) => s.trim());
    const impersonation = scopes.includes('impersonation:read');
    if (impersonation) {
      if (!ctx.path.startsWith('/v1/projects')) throw new ApiError(403, 'forbidden', 'impersonation keys are limited to project reads');
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new ApiError(403, 'method_not_allowed_view_as', 'view-as keys are read-only');
    }
    const viewAs = ctx.req.headers['x-td-watch-impersonate'];
    if (typeof viewAs === 'string' && viewAs && ctx.path.startsWith('/v1/projects')) {
      if (!ctx.user!.is_admin) throw new ApiError(403, 'forbidden', 'impersonation requires an admin');
      const target = store.userById(viewAs);
      if (!target) throw new ApiError(404, 'not_found', 'user not found');
      if (target.is_admin && target.id !== ctx.user!.id) throw new ApiError(403, 'forbidden', 'cannot impersonate another admin');
      ctx.user = target;
    }
    if (route.auth === 'admin') {
      if (!ctx.user!.is_admin || !scopes.some((sc) => sc.startsWith('admin:'))) throw new ApiError(403, 'insufficient_scope', 'admin scope required');
      return;
    }
    if (!scopes.includes('sync') && !impersonation && !ctx.user!.is_admin) throw new ApiError(403, 'insufficient_scope', 'api key lacks the sync scope');
    if (route.auth !== 'bearer') {
      const pid = params[0];
      const role = store.role(pid, ctx.user!.id);
      if (!role) throw new ApiError(403, 'forbidden', `not a member of project ${pid}`);
      if (ROLE_RANK[role] < ROLE_RANK[route.auth as Role]) throw new ApiError(403, 'forbidden', `insufficient permissions: have ${role}, need ${route.auth}`);
    }
    if (route.rate !== 'none') {
      const limit = limits[route.rate];
      const bucket = `key:${ctx.key!.id}:${limit}`; // keyed by id AND number (§10 quirk)
      if (!limiter.allow(bucket, limit)) throw rateLimited(bucket);
    }
  }

  function rateLimited(bucket: string): ApiError {
    const e = new ApiError(429, 'rate_limited', 'rate limit exceeded');
    if (options.retryAfterOn429) (e as ApiError & {retryAfter?: string}).retryAfter = String(Math.max(1, Math.ceil(limiter.resetInMs(bucket) / 1000)));
    return e;
  }

  function send(ctx: Ctx, status: number, body: string | Buffer | undefined, type?: string): void {
    const {res} = ctx;
    if (res.headersSent || res.destroyed) return;
    res.statusCode = status;
    if (type) res.setHeader('Content-Type', type);
    if (body !== undefined && status !== 204) res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(status === 204 ? undefined : body);
    if (status >= 500) metrics.server_errors++;
    else if (status >= 400) metrics.client_errors++;
    requests.push({method: ctx.method, path: ctx.path, status, ip: ctx.ip, authorized: ctx.key !== undefined, events: ctx.events});
  }

  function sendError(ctx: Ctx, e: unknown): void {
    if (e instanceof ApiError) {
      const retryAfter = (e as ApiError & {retryAfter?: string}).retryAfter;
      if (retryAfter) ctx.res.setHeader('Retry-After', retryAfter);
      return send(ctx, e.status, goJson({error: {code: e.code, message: e.message}}), 'application/json');
    }
    // Panics and storage failures: `internal_error`.
    send(ctx, 500, goJson({error: {code: 'internal_error', message: 'database error'}}), 'application/json');
  }

  function sendResult(ctx: Ctx, result: unknown): void {
    if (result === STREAMING) return;
    if (result instanceof BinaryReply) return send(ctx, result.status, result.bytes, result.type);
    if (result instanceof HtmlReply) return send(ctx, result.status, result.html, 'text/html; charset=utf-8');
    if (result instanceof TextReply) return send(ctx, result.status, result.text, 'text/plain; charset=utf-8');
    if (result instanceof Reply) return send(ctx, result.status, result.body === undefined ? undefined : goJson(result.body), result.body === undefined ? undefined : 'application/json');
    send(ctx, 200, goJson(result), 'application/json');
  }

  async function applyFault(ctx: Ctx, f: NonNullable<ReturnType<Faults['take']>>, result?: unknown): Promise<void> {
    if (f.kind === 'delay') {
      // Committed, answered late (a client may have timed out and retried meanwhile).
      await new Promise((r) => setTimeout(r, f.ms));
      return sendResult(ctx, result);
    }
    if (f.kind === 'drop') {
      ctx.req.socket.destroy();
      requests.push({method: ctx.method, path: ctx.path, status: 0, ip: ctx.ip, authorized: ctx.key !== undefined, events: ctx.events});
      return;
    }
    if (f.kind === 'status') {
      if (f.retryAfter !== undefined) ctx.res.setHeader('Retry-After', f.retryAfter);
      const code = f.code ?? (f.status === 429 ? 'rate_limited' : f.status >= 500 ? 'internal_error' : 'bad_request');
      const message = f.message ?? (f.status === 429 ? 'rate limit exceeded' : 'injected fault');
      if (f.envelope === 'text') return send(ctx, f.status, message, 'text/plain; charset=utf-8');
      const body = f.envelope === 'flat' ? {code, message} : {error: {code, message}};
      return send(ctx, f.status, goJson(body), 'application/json');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    metrics.requests++;
    res.setHeader('X-Request-ID', requestId());
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const ctx: Ctx = {req, res, method: (req.method ?? 'GET').toUpperCase(), path: url.pathname, query: url.searchParams, ip: req.socket.remoteAddress ?? '', rawBody: ''};
    try {
      // Body (10 MiB cap; exceeding it is the same `invalid json body`).
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size <= maxBody) chunks.push(chunk as Buffer);
      }
      ctx.rawBody = Buffer.concat(chunks).toString('utf8');
      const tooBig = size > maxBody;

      let fault = faults.take(ctx.method, ctx.path);
      if (fault?.kind === 'delay' && !fault.afterCommit) {
        const ms = fault.ms;
        await new Promise((r) => setTimeout(r, ms));
        fault = undefined;
      }
      if (fault && !fault.afterCommit) return await applyFault(ctx, fault);

      // CORS exists only under /v1/admin/ and only for configured origins (spec §1.6).
      const origin = req.headers.origin;
      const allowed = options.corsAllowedOrigins ?? (env.SYNC_CORS_ALLOWED_ORIGINS ? env.SYNC_CORS_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) : []);
      if (ctx.path.startsWith('/v1/admin/') && origin && (allowed.includes('*') || allowed.includes(origin))) {
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PATCH, PUT, DELETE, OPTIONS');
        if (ctx.method === 'OPTIONS') return send(ctx, 204, undefined);
      }

      // Per-IP auth limits run before routing (unknown paths under /auth count too).
      const isPoll = ctx.path === '/v1/auth/device/poll' || ctx.path === '/v1/auth/login/poll';
      if (isPoll) {
        if (!limiter.allow(`poll:${ctx.ip}`, limits.other)) throw rateLimited(`poll:${ctx.ip}`);
      } else if (ctx.path.startsWith('/auth/') || ctx.path.startsWith('/v1/auth/')) {
        if (!limiter.allow(`auth:${ctx.ip}`, limits.auth)) throw rateLimited(`auth:${ctx.ip}`);
      }

      const matching = routes.map((r) => [r, r.pattern.exec(ctx.path)] as const).filter(([, m]) => m !== null);
      if (matching.length === 0) return send(ctx, 404, '404 page not found\n', 'text/plain; charset=utf-8');
      const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
      const hit = matching.find(([r]) => r.method === method);
      if (!hit) {
        const allow = [...new Set(matching.flatMap(([r]) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])))].join(', ');
        res.setHeader('Allow', allow);
        return send(ctx, 405, 'Method Not Allowed\n', 'text/plain; charset=utf-8');
      }
      const [route, m] = hit;
      const params = m!.slice(1).map((p) => decodeURIComponent(p));
      if (route.auth !== 'public') gate(ctx, route, params);
      if (tooBig) throw invalidJson();
      const result = await route.handler(ctx, params);
      if (fault) return await applyFault(ctx, fault, result);
      sendResult(ctx, result);
      if (ctx.key?.max_expires_at && res.statusCode < 400) {
        // Impersonation keys slide to now+5 min, capped at 4 h after creation.
        store.setKeyExpiry(ctx.key.id, new Date(Math.min(now() + 5 * 60_000, Date.parse(ctx.key.max_expires_at))));
      }
    } catch (e) {
      sendError(ctx, e);
    }
  }

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      try {
        res.statusCode = 500;
        res.end(goJson({error: {code: 'internal', message: String(e)}}));
      } catch {
        /* socket gone */
      }
    });
  });
  server.keepAliveTimeout = 120_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;
  auth = new AuthFlows(store, {
    emailBaseUrl: options.emailBaseUrl ?? baseUrl,
    baseUrl,
    allowSignup: options.allowSignup ?? true,
    legacyEnabled: options.legacyDeviceAuth ?? false,
    webCallbackUrl: options.webCallbackUrl,
    now,
  });
  if (options.onEmail) {
    const push0 = auth.emails.push.bind(auth.emails);
    auth.emails.push = (...items) => {
      for (const i of items) options.onEmail!(`${i.purpose} email to ${i.to}:\n${i.text}`);
      return push0(...items);
    };
  }

  return {
    url: baseUrl,
    port,
    adminKey,
    adminUserId: admin.id,
    projectId,
    store,
    db: store.db,
    faults,
    auth,
    requests,
    metrics,
    setHealthy(ok) {
      healthy = ok;
    },
    addUser(email, opts = {}) {
      const user = store.createUser(email, {admin: opts.admin});
      const {key} = store.createKey(user.id, {scopes: opts.scopes ?? (opts.impersonation ? ['impersonation:read'] : ['sync']), impersonation: opts.impersonation});
      const pid = opts.project ?? projectId!;
      if (opts.role && !store.role(pid, user.id)) store.addMember(pid, user.id, opts.role, admin.id);
      return {userId: user.id, key};
    },
    resetRateLimits() {
      limiter.reset();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}

class BinaryReply {
  constructor(
    readonly status: number,
    readonly bytes: Buffer,
    readonly type: string,
  ) {}
}

class HtmlReply {
  constructor(
    readonly status: number,
    readonly html: string,
  ) {}
}

class TextReply {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {}
}
