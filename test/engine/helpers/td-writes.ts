/**
 * Writes td makes, reproduced with direct SQL: a row change plus the action_log row td journals for
 * it (spec §4.3), with td's payload shapes (issue JSON with labels as an array, minor as a bool,
 * empty optional keys omitted). Table and payload carry the same time strings.
 */
import {randomBytes} from 'node:crypto';
import {deterministicId} from 'td-sync-sdk';
import type {Store} from '../../../packages/td-sync-cli/src/store/index.js';

export type Row = Record<string, unknown>;

const hex = (n: number) => randomBytes(n).toString('hex');

const OPTIONAL = ['description', 'parent_id', 'acceptance', 'sprint', 'review_requested_by_session', 'closed_by_session', 'created_branch', 'defer_until', 'due_date', 'reviewed_at', 'closed_at', 'deleted_at'];

/** td's issue JSON (§3.2) from a row. */
export function issueJson(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (k === 'labels') {
      if (v) out.labels = String(v).split(',');
      continue;
    }
    if (k === 'minor') {
      out.minor = v === 1 || v === true;
      continue;
    }
    if (OPTIONAL.includes(k) && (v === '' || v === null || v === undefined)) continue;
    out[k] = v;
  }
  return out;
}

export class TdWriter {
  /** Each write advances this clock by 1 s (deterministic, distinct times). */
  private t: number;
  constructor(readonly store: Store, readonly session = `ses_${hex(3)}`, start = Date.UTC(2026, 2, 1, 10, 0, 0)) {
    this.t = start;
  }

  now(): Date {
    this.t += 1000;
    return new Date(this.t);
  }

  /** The clock without advancing it (a sync run's clock, so "since the last sync" means writer time). */
  current(): Date {
    return new Date(this.t);
  }

  get db(): Store['db'] {
    return this.store.db;
  }

  journal(action: string, entityType: string, entityId: string, prev: Row | '' | null, next: Row | '' | null, when = this.now()): number {
    const r = this.db
      .prepare('INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, previous_data, new_data, timestamp, undone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)')
      .run(`al-${hex(4)}`, this.session, action, entityType, entityId, prev ? JSON.stringify(prev) : '', next ? JSON.stringify(next) : '', when.toISOString());
    return Number(r.lastInsertRowid);
  }

  issue(id: string): Row | undefined {
    return this.db.prepare('SELECT * FROM issues WHERE id = ?').get(id) as Row | undefined;
  }

  createIssue(fields: Row = {}): string {
    const id = (fields.id as string) ?? `td-${hex(3)}`;
    const when = this.now();
    const ts = when.toISOString();
    const row: Row = {id, title: `Task ${id}`, status: 'open', type: 'task', priority: 'P2', points: 0, labels: '', created_at: ts, updated_at: ts, minor: 0, ...fields};
    const cols = Object.keys(row);
    this.db.prepare(`INSERT INTO issues (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c] as never));
    this.journal('create', 'issue', id, '', issueJson(this.issue(id)!), when);
    return id;
  }

  updateIssue(id: string, changes: Row, action = 'update'): void {
    const before = this.issue(id)!;
    const when = this.now();
    const set: Row = {...changes, updated_at: when.toISOString()};
    const cols = Object.keys(set);
    this.db.prepare(`UPDATE issues SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...cols.map((c) => set[c] as never), id);
    this.journal(action, 'issue', id, issueJson(before), issueJson(this.issue(id)!), when);
  }

  deleteIssue(id: string): void {
    const before = this.issue(id)!;
    const when = this.now();
    this.db.prepare('UPDATE issues SET deleted_at = ? WHERE id = ?').run(when.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '+00:00'), id);
    this.journal('delete', 'issue', id, issueJson(before), '', when);
  }

  restoreIssue(id: string): void {
    const before = this.issue(id)!;
    const when = this.now();
    this.db.prepare('UPDATE issues SET deleted_at = NULL, updated_at = ? WHERE id = ?').run(when.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '+00:00'), id);
    this.journal('restore', 'issue', id, issueJson(before), issueJson(this.issue(id)!), when);
  }

  addLog(issueId: string, message: string): string {
    const id = `lg-${hex(4)}`;
    const when = this.now();
    const row = {id, issue_id: issueId, session_id: this.session, work_session_id: '', message, type: 'progress', timestamp: when.toISOString()};
    this.db.prepare('INSERT INTO logs (id, issue_id, session_id, work_session_id, message, type, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)').run(...Object.values(row));
    this.journal('create', 'logs', id, '', row, when);
    return id;
  }

  addComment(issueId: string, text: string): string {
    const id = `cm-${hex(4)}`;
    const when = this.now();
    const row = {id, issue_id: issueId, session_id: this.session, text, created_at: when.toISOString()};
    this.db.prepare('INSERT INTO comments (id, issue_id, session_id, text, created_at) VALUES (?, ?, ?, ?, ?)').run(...Object.values(row));
    this.journal('create', 'comments', id, '', row, when);
    return id;
  }

  /** `td dep add a b` (a depends on b). Returns false when it would close a direct cycle or exists. */
  addDep(a: string, b: string): boolean {
    const id = deterministicId.dependency(a, b);
    if (a === b || this.db.prepare('SELECT 1 FROM issue_dependencies WHERE id = ? OR (issue_id = ? AND depends_on_id = ?)').get(id, b, a)) return false;
    const row = {id, issue_id: a, depends_on_id: b, relation_type: 'depends_on'};
    this.db.prepare('INSERT INTO issue_dependencies (id, issue_id, depends_on_id, relation_type) VALUES (?, ?, ?, ?)').run(...Object.values(row));
    this.journal('add_dependency', 'issue_dependencies', id, '', row);
    return true;
  }

  addHandoff(issueId: string, done: string[]): string {
    const id = `ho-${hex(4)}`;
    const when = this.now();
    const ts = when.toISOString().replace(/\.\d+Z$/, 'Z');
    const row = {id, issue_id: issueId, session_id: this.session, done: JSON.stringify(done), remaining: '[]', decisions: '[]', uncertain: '[]', timestamp: ts};
    this.db.prepare('INSERT INTO handoffs (id, issue_id, session_id, done, remaining, decisions, uncertain, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(...Object.values(row));
    this.journal('handoff', 'handoff', id, '', row, when);
    return id;
  }

  board(id: string): Row | undefined {
    const b = this.db.prepare('SELECT id, name, query, is_builtin, view_mode, last_viewed_at, created_at, updated_at FROM boards WHERE id = ?').get(id) as Row | undefined;
    if (!b) return undefined;
    const out: Row = {...b, is_builtin: b.is_builtin === 1};
    if (out.last_viewed_at === null) delete out.last_viewed_at;
    return out;
  }

  createBoard(name: string): string {
    const id = `bd-${hex(4)}`;
    const when = this.now();
    const ts = when.toISOString();
    this.db.prepare("INSERT INTO boards (id, name, query, is_builtin, view_mode, created_at, updated_at) VALUES (?, ?, '', 0, 'swimlanes', ?, ?)").run(id, name, ts, ts);
    this.journal('board_create', 'board', id, '', this.board(id)!, when);
    return id;
  }

  editBoard(id: string, name: string): void {
    const before = this.board(id)!;
    const when = this.now();
    this.db.prepare('UPDATE boards SET name = ?, updated_at = ? WHERE id = ?').run(name, when.toISOString(), id);
    this.journal('board_update', 'board', id, before, this.board(id)!, when);
  }

  setPosition(boardId: string, issueId: string, position: number): void {
    const id = deterministicId.boardPosition(boardId, issueId);
    const when = this.now();
    const row = {id, board_id: boardId, issue_id: issueId, position, added_at: when.toISOString().replace(/\.\d+Z$/, 'Z')};
    this.db.prepare('INSERT OR REPLACE INTO board_issue_positions (id, board_id, issue_id, position, added_at) VALUES (?, ?, ?, ?, ?)').run(...Object.values(row));
    this.journal('board_set_position', 'board_issue_positions', id, '', row, when);
  }

  unposition(boardId: string, issueId: string): boolean {
    const id = deterministicId.boardPosition(boardId, issueId);
    const row = this.db.prepare('SELECT id, board_id, issue_id, position FROM board_issue_positions WHERE id = ? AND deleted_at IS NULL').get(id) as Row | undefined;
    if (!row) return false;
    const when = this.now();
    this.db.prepare('UPDATE board_issue_positions SET deleted_at = ? WHERE id = ?').run(when.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '+00:00'), id);
    this.journal('board_unposition', 'board_issue_positions', id, row, '', when);
    return true;
  }

  deleteBoard(id: string): void {
    const before = this.board(id);
    if (!before) return;
    for (const p of this.db.prepare('SELECT issue_id FROM board_issue_positions WHERE board_id = ? AND deleted_at IS NULL').all(id) as Array<{issue_id: string}>) this.unposition(id, p.issue_id);
    this.db.prepare('DELETE FROM boards WHERE id = ?').run(id);
    this.journal('board_delete', 'board', id, before, '');
  }

  removeDep(a: string, b: string): boolean {
    const id = deterministicId.dependency(a, b);
    const row = this.db.prepare('SELECT * FROM issue_dependencies WHERE id = ?').get(id) as Row | undefined;
    if (!row) return false;
    this.db.prepare('DELETE FROM issue_dependencies WHERE id = ?').run(id);
    this.journal('remove_dependency', 'issue_dependencies', id, row, '');
    return true;
  }
}

/** Rows of the synced task tables, sorted, for convergence comparisons. */
export function taskTables(store: Store): Record<string, Row[]> {
  const out: Record<string, Row[]> = {};
  for (const t of ['issues', 'logs', 'comments', 'issue_dependencies', 'handoffs', 'boards', 'board_issue_positions']) {
    // The built-in board is created by each project's init (its own timestamps), never synced.
    out[t] = store.db.prepare(`SELECT * FROM ${t} ${t === 'boards' ? 'WHERE is_builtin = 0' : ''} ORDER BY id`).all() as Row[];
  }
  return out;
}
