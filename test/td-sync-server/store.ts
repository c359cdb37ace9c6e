/**
 * The stand-in's server database (one SQLite file): users, API keys, projects, memberships, the
 * per-project event log and per-device sync cursors. Mirrors what td-sync keeps in server.db and
 * `<project>/events.db`, folded into one file because nothing a client sees depends on the split.
 */
import {createHash, randomBytes, randomInt} from 'node:crypto';
import Database from 'better-sqlite3';

export type Role = 'owner' | 'writer' | 'reader';
export const ROLE_RANK: Record<Role, number> = {reader: 1, writer: 2, owner: 3};
export const isRole = (r: string): r is Role => r in ROLE_RANK;

export interface UserRow {
  id: string;
  email: string;
  is_admin: number;
  email_verified_at: string | null;
  created_at: string;
}

export interface KeyRow {
  id: string;
  user_id: string;
  key_hash: string;
  name: string;
  scopes: string;
  expires_at: string | null;
  created_at: string;
  last_used_at: string | null;
  max_expires_at: string | null;
}

export interface ProjectRow {
  id: string;
  name: string;
  description: string;
  slug: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface EventRow {
  server_seq: number;
  device_id: string;
  session_id: string;
  client_action_id: number;
  action_type: string;
  entity_type: string;
  entity_id: string;
  payload: string;
  client_timestamp: string;
  server_timestamp: string;
}

const DDL = `
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  is_admin INTEGER NOT NULL DEFAULT 0, email_verified_at TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL, scopes TEXT NOT NULL DEFAULT 'sync', expires_at TEXT, created_at TEXT NOT NULL,
  last_used_at TEXT, max_expires_at TEXT);
CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
  slug TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT);
CREATE TABLE IF NOT EXISTS memberships (project_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
  invited_by TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (project_id, user_id));
CREATE TABLE IF NOT EXISTS events (project_id TEXT NOT NULL, server_seq INTEGER NOT NULL, device_id TEXT NOT NULL,
  session_id TEXT NOT NULL, client_action_id INTEGER NOT NULL, action_type TEXT NOT NULL, entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL, payload TEXT NOT NULL, client_timestamp TEXT NOT NULL, server_timestamp TEXT NOT NULL,
  PRIMARY KEY (project_id, server_seq), UNIQUE (project_id, device_id, session_id, client_action_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_cursors (project_id TEXT NOT NULL, device_id TEXT NOT NULL,
  last_server_seq INTEGER NOT NULL, last_sync_at TEXT NOT NULL, PRIMARY KEY (project_id, device_id));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const alnum = (n: number) => Array.from({length: n}, () => ALNUM[randomInt(ALNUM.length)]).join('');
export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** td-sync's slug rule (spec §7.1). */
export function slugify(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

export class ServerStore {
  readonly db: Database.Database;
  private heads = new Map<string, number>();
  private stmts = new Map<string, Database.Statement>();
  private memberSeq = 0;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(DDL);
    this.memberSeq = (this.db.prepare('SELECT COALESCE(MAX(seq),0) AS s FROM memberships').get() as {s: number}).s;
  }

  close(): void {
    this.db.close();
  }

  /** Prepared statements cached by SQL text (the hot push/pull paths run them per event). */
  private q(sql: string): Database.Statement {
    let st = this.stmts.get(sql);
    if (!st) this.stmts.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  // ---- users and keys ----
  userByEmail(email: string): UserRow | undefined {
    return this.q('SELECT * FROM users WHERE email = ? COLLATE NOCASE').get(email.trim()) as UserRow | undefined;
  }

  userById(id: string): UserRow | undefined {
    return this.q('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
  }

  /** Idempotent, like `td-sync admin create-user`; the first user ever becomes an admin. */
  createUser(email: string, opts: {admin?: boolean} = {}): UserRow {
    const existing = this.userByEmail(email);
    if (existing) {
      if (opts.admin && !existing.is_admin) this.q('UPDATE users SET is_admin = 1 WHERE id = ?').run(existing.id);
      return this.userById(existing.id)!;
    }
    const first = (this.q('SELECT COUNT(*) AS n FROM users').get() as {n: number}).n === 0;
    const id = `u_${hex(8)}`;
    this.db
      .prepare('INSERT INTO users (id, email, is_admin, created_at) VALUES (?, ?, ?, ?)')
      .run(id, email.trim().toLowerCase(), first || opts.admin ? 1 : 0, nowIso());
    return this.userById(id)!;
  }

  /** Mint a key; returns the plaintext once (only its SHA-256 is stored). */
  createKey(userId: string, opts: {name?: string; scopes?: string[]; expiresAt?: Date; impersonation?: boolean} = {}): {key: string; id: string} {
    const key = `${opts.impersonation ? 'td_ipk_' : 'td_live_'}${alnum(32)}`;
    const id = `ak_${hex(8)}`;
    const created = new Date();
    const maxExpires = opts.impersonation ? new Date(created.getTime() + 4 * 3600_000).toISOString() : null;
    this.db
      .prepare('INSERT INTO api_keys (id, user_id, key_hash, name, scopes, expires_at, created_at, max_expires_at) VALUES (?,?,?,?,?,?,?,?)')
      .run(id, userId, sha256(key), opts.name ?? 'key', (opts.scopes ?? ['sync']).join(','), opts.expiresAt?.toISOString() ?? null, created.toISOString(), maxExpires);
    return {key, id};
  }

  keyByPlaintext(key: string): KeyRow | undefined {
    return this.q('SELECT * FROM api_keys WHERE key_hash = ?').get(sha256(key)) as KeyRow | undefined;
  }

  touchKey(id: string): void {
    this.q('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(new Date().toISOString(), id);
  }

  setKeyExpiry(id: string, at: Date): void {
    this.q('UPDATE api_keys SET expires_at = ? WHERE id = ?').run(at.toISOString(), id);
  }

  revokeKey(id: string): void {
    this.q('DELETE FROM api_keys WHERE id = ?').run(id);
  }

  keysNamed(name: string): KeyRow[] {
    return this.q('SELECT * FROM api_keys WHERE name = ?').all(name) as KeyRow[];
  }

  markVerified(userId: string): void {
    this.q('UPDATE users SET email_verified_at = ? WHERE id = ?').run(nowIso(), userId);
  }

  // ---- projects and members ----
  createProject(ownerId: string, name: string, description = ''): ProjectRow {
    const id = `p_${hex(8)}`;
    const base = slugify(name) || id;
    let slug = base;
    for (let n = 2; this.q('SELECT 1 FROM projects WHERE slug = ?').get(slug); n++) slug = `${base}-${n}`;
    const now = nowIso();
    this.db.transaction(() => {
      this.q('INSERT INTO projects (id, name, description, slug, created_at, updated_at) VALUES (?,?,?,?,?,?)').run(id, name, description, slug, now, now);
      this.q('INSERT INTO memberships (project_id, user_id, role, invited_by, created_at, seq) VALUES (?,?,?,?,?,?)').run(id, ownerId, 'owner', '', now, ++this.memberSeq);
    })();
    return this.project(id)!;
  }

  project(id: string): ProjectRow | undefined {
    return this.q('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
  }

  projectsOf(userId: string): ProjectRow[] {
    return this.db
      .prepare('SELECT p.* FROM projects p JOIN memberships m ON m.project_id = p.id WHERE m.user_id = ? AND p.deleted_at IS NULL ORDER BY p.created_at, p.rowid')
      .all(userId) as ProjectRow[];
  }

  updateProject(id: string, name?: string, description?: string): ProjectRow {
    const p = this.project(id)!;
    this.q('UPDATE projects SET name = ?, description = ?, updated_at = ? WHERE id = ?').run(name ?? p.name, description ?? p.description, nowIso(), id);
    return this.project(id)!;
  }

  softDeleteProject(id: string): boolean {
    return this.q('UPDATE projects SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL').run(nowIso(), id).changes === 1;
  }

  role(projectId: string, userId: string): Role | undefined {
    const r = this.q('SELECT role FROM memberships WHERE project_id = ? AND user_id = ?').get(projectId, userId) as {role: Role} | undefined;
    return r?.role;
  }

  members(projectId: string): Array<{project_id: string; user_id: string; email: string; role: string; invited_by: string; created_at: string}> {
    return this.db
      .prepare('SELECT m.project_id, m.user_id, u.email, m.role, m.invited_by, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.project_id = ? ORDER BY m.seq')
      .all(projectId) as never;
  }

  addMember(projectId: string, userId: string, role: Role, invitedBy: string): {created_at: string} {
    const now = nowIso();
    this.q('INSERT INTO memberships (project_id, user_id, role, invited_by, created_at, seq) VALUES (?,?,?,?,?,?)').run(projectId, userId, role, invitedBy, now, ++this.memberSeq);
    return {created_at: now};
  }

  ownerCount(projectId: string): number {
    return (this.q("SELECT COUNT(*) AS n FROM memberships WHERE project_id = ? AND role = 'owner'").get(projectId) as {n: number}).n;
  }

  setRole(projectId: string, userId: string, role: Role): void {
    this.q('UPDATE memberships SET role = ? WHERE project_id = ? AND user_id = ?').run(role, projectId, userId);
  }

  removeMember(projectId: string, userId: string): void {
    this.q('DELETE FROM memberships WHERE project_id = ? AND user_id = ?').run(projectId, userId);
  }

  // ---- events ----
  head(projectId: string): number {
    let h = this.heads.get(projectId);
    if (h === undefined) {
      h = (this.q('SELECT COALESCE(MAX(server_seq),0) AS h FROM events WHERE project_id = ?').get(projectId) as {h: number}).h;
      this.heads.set(projectId, h);
    }
    return h;
  }

  /** Run `fn` in one transaction; the in-memory head is restored if it throws. */
  transaction<T>(projectId: string, fn: () => T): T {
    const before = this.head(projectId);
    try {
      return this.db.transaction(fn)();
    } catch (e) {
      this.heads.set(projectId, before);
      throw e;
    }
  }

  existingSeq(projectId: string, deviceId: string, sessionId: string, clientActionId: number): number | undefined {
    const r = this.q('SELECT server_seq FROM events WHERE project_id = ? AND device_id = ? AND session_id = ? AND client_action_id = ?')
      .get(projectId, deviceId, sessionId, clientActionId) as {server_seq: number} | undefined;
    return r?.server_seq;
  }

  appendEvent(projectId: string, e: Omit<EventRow, 'server_seq' | 'server_timestamp'>): number {
    const seq = this.head(projectId) + 1;
    this.q(
      'INSERT INTO events (project_id, server_seq, device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
    ).run(projectId, seq, e.device_id, e.session_id, e.client_action_id, e.action_type, e.entity_type, e.entity_id, e.payload, e.client_timestamp, nowIso());
    this.heads.set(projectId, seq);
    return seq;
  }

  pull(projectId: string, after: number, limit: number, exclude?: string): EventRow[] {
    if (exclude)
      return this.db
        .prepare('SELECT * FROM events WHERE project_id = ? AND server_seq > ? AND device_id != ? ORDER BY server_seq LIMIT ?')
        .all(projectId, after, exclude, limit) as EventRow[];
    return this.q('SELECT * FROM events WHERE project_id = ? AND server_seq > ? ORDER BY server_seq LIMIT ?').all(projectId, after, limit) as EventRow[];
  }

  status(projectId: string): {count: number; last: number; lastTime?: string} {
    const r = this.db
      .prepare('SELECT COUNT(*) AS n, COALESCE(MAX(server_seq),0) AS last FROM events WHERE project_id = ?')
      .get(projectId) as {n: number; last: number};
    const t = this.q('SELECT server_timestamp FROM events WHERE project_id = ? ORDER BY server_seq DESC LIMIT 1').get(projectId) as
      | {server_timestamp: string}
      | undefined;
    return {count: r.n, last: r.last, lastTime: t?.server_timestamp};
  }

  events(projectId: string): EventRow[] {
    return this.q('SELECT * FROM events WHERE project_id = ? ORDER BY server_seq').all(projectId) as EventRow[];
  }

  /** Upsert a device's cursor (the real server overwrites it with each push's highest seq). */
  setCursor(projectId: string, deviceId: string, seq: number): void {
    this.db
      .prepare('INSERT INTO sync_cursors (project_id, device_id, last_server_seq, last_sync_at) VALUES (?,?,?,?) ON CONFLICT(project_id, device_id) DO UPDATE SET last_server_seq = excluded.last_server_seq, last_sync_at = excluded.last_sync_at')
      .run(projectId, deviceId, seq, nowIso());
  }

  cursor(projectId: string, deviceId: string): number | undefined {
    const r = this.q('SELECT last_server_seq FROM sync_cursors WHERE project_id = ? AND device_id = ?').get(projectId, deviceId) as {last_server_seq: number} | undefined;
    return r?.last_server_seq;
  }

  getMeta(key: string): string | undefined {
    return (this.q('SELECT value FROM meta WHERE key = ?').get(key) as {value: string} | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.q('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }
}
