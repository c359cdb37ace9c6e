/**
 * Helpers for the store suites: the real td fixture databases (copied, never opened in place),
 * byte hashes of a database and its side files, and td's v38 DDL as the spec writes it.
 */
import Database from 'better-sqlite3';
import {createHash} from 'node:crypto';
import {copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {REPO, tempDir} from '../helpers/td.js';

/** `../shared/fixtures` relative to the repository (absent in a user's clone). */
export const FIXTURES = resolve(REPO, '../shared/fixtures/td-databases');
export const SPEC = resolve(REPO, '../shared/spec/td-data-model-and-sync-engine.md');

export const fixturesPresent = () => existsSync(FIXTURES);

export const FIXTURE_NAMES = ['v27-marcus-nightshift', 'v29-tetrabit-llmfit', 'v30-pjsvis-oxibonsai'] as const;

export const SIDE = ['-wal', '-shm', '-journal'];

/** A temp project `<dir>/.todos/issues.db` holding a copy of the fixture (and its side files). */
export function fixtureProject(name: string): {dir: string; dbPath: string} {
  const dir = tempDir('td-fx-');
  mkdirSync(join(dir, '.todos'));
  const dbPath = join(dir, '.todos', 'issues.db');
  const src = join(FIXTURES, `${name}.db`);
  copyFileSync(src, dbPath);
  for (const s of SIDE) if (existsSync(src + s)) copyFileSync(src + s, dbPath + s);
  return {dir, dbPath};
}

/** A second, independent copy opened read-only: the "before" picture. */
export function openOriginal(name: string): Database.Database {
  const {dbPath} = fixtureProject(name);
  return new Database(dbPath, {readonly: true, fileMustExist: true});
}

/** sha256 of the database file and of each side file present (absent ones are listed as absent). */
export function hashFiles(dbPath: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of ['', ...SIDE]) {
    const p = dbPath + s;
    out[s || 'db'] = existsSync(p) ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'absent';
  }
  return out;
}

/** Files in a folder (to see which backups/side files exist). */
export const filesIn = (dir: string) => readdirSync(dir).sort();

/** td's v38 DDL exactly as spec Appendix A writes it (read from the spec when present). */
export function specV38Ddl(): string {
  if (existsSync(SPEC)) {
    const text = readFileSync(SPEC, 'utf8');
    const start = text.indexOf('## Appendix A');
    const block = /```sql\n([\s\S]*?)```/.exec(text.slice(start));
    if (start >= 0 && block) return block[1]!;
  }
  return SPEC_V38_COPY;
}

/** Columns, foreign keys and indexes of every table (order-insensitive), for schema comparisons. */
export function schemaShape(db: Database.Database, tables?: string[]) {
  const names = tables ?? (db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'td_sync_%' ORDER BY name").all() as Array<{name: string}>).map((r) => r.name);
  const shape: Record<string, {columns: string[]; foreignKeys: string[]; indexes: string[]}> = {};
  for (const t of names) {
    const columns = (db.prepare(`PRAGMA table_info("${t}")`).all() as Array<{name: string; type: string; notnull: number; dflt_value: string | null; pk: number}>)
      .map((c) => `${c.name} ${c.type} nn=${c.notnull} default=${c.dflt_value} pk=${c.pk}`)
      .sort();
    const foreignKeys = (db.prepare(`PRAGMA foreign_key_list("${t}")`).all() as Array<{from: string; table: string; to: string; on_delete: string}>)
      .map((f) => `${f.from} -> ${f.table}(${f.to}) on delete ${f.on_delete}`)
      .sort();
    const indexes = (db.prepare(`PRAGMA index_list("${t}")`).all() as Array<{name: string; unique: number; origin: string; partial: number}>)
      .map((i) => {
        const cols = (db.prepare(`PRAGMA index_xinfo("${i.name}")`).all() as Array<{name: string | null; desc: number; key: number}>)
          .filter((c) => c.key)
          .map((c) => `${c.name}${c.desc ? ' desc' : ''}`);
        // autoindex names depend on constraint order; name them by their columns
        const name = i.origin === 'c' ? i.name : `${i.origin}:unique`;
        return `${name}(${cols.join(',')}) unique=${i.unique} partial=${i.partial}`;
      })
      .sort();
    shape[t] = {columns, foreignKeys, indexes};
  }
  return shape;
}

/** Appendix A of the spec, for clones without ../shared (kept verbatim). */
const SPEC_V38_COPY = `
CREATE TABLE schema_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE issues (
  id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT DEFAULT '',
  status TEXT NOT NULL DEFAULT 'open', type TEXT NOT NULL DEFAULT 'task',
  priority TEXT NOT NULL DEFAULT 'P2', points INTEGER DEFAULT 0, labels TEXT DEFAULT '',
  parent_id TEXT DEFAULT '', acceptance TEXT DEFAULT '', implementer_session TEXT DEFAULT '',
  reviewer_session TEXT DEFAULT '', created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, closed_at DATETIME, deleted_at DATETIME,
  minor INTEGER DEFAULT 0, created_branch TEXT DEFAULT '', creator_session TEXT DEFAULT '',
  sprint TEXT DEFAULT '', defer_until TEXT, due_date TEXT, defer_count INTEGER DEFAULT 0,
  reviewed_at DATETIME, review_requested_by_session TEXT DEFAULT '', closed_by_session TEXT DEFAULT '');
CREATE TABLE logs (id TEXT PRIMARY KEY, issue_id TEXT DEFAULT '', session_id TEXT NOT NULL,
  work_session_id TEXT DEFAULT '', message TEXT NOT NULL, type TEXT NOT NULL DEFAULT 'progress',
  timestamp DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE comments (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, session_id TEXT NOT NULL,
  text TEXT NOT NULL, created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE);
CREATE TABLE handoffs (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, session_id TEXT NOT NULL,
  done TEXT DEFAULT '[]', remaining TEXT DEFAULT '[]', decisions TEXT DEFAULT '[]',
  uncertain TEXT DEFAULT '[]', timestamp DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE);
CREATE TABLE git_snapshots (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, event TEXT NOT NULL,
  commit_sha TEXT NOT NULL, branch TEXT NOT NULL, dirty_files INTEGER DEFAULT 0,
  timestamp DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE);
CREATE TABLE issue_files (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, file_path TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'implementation', linked_sha TEXT DEFAULT '',
  linked_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, UNIQUE(issue_id, file_path),
  FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE);
CREATE TABLE issue_dependencies (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL,
  depends_on_id TEXT NOT NULL, relation_type TEXT NOT NULL DEFAULT 'depends_on',
  UNIQUE(issue_id, depends_on_id, relation_type),
  FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE,
  FOREIGN KEY (depends_on_id) REFERENCES issues(id) ON DELETE CASCADE);
CREATE TABLE work_sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL, session_id TEXT NOT NULL,
  worktree_id TEXT DEFAULT '', worktree_root TEXT DEFAULT '', repo_root TEXT DEFAULT '',
  started_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, ended_at DATETIME,
  start_sha TEXT DEFAULT '', end_sha TEXT DEFAULT '');
CREATE TABLE work_session_issues (id TEXT PRIMARY KEY, work_session_id TEXT NOT NULL,
  issue_id TEXT NOT NULL, tagged_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE(work_session_id, issue_id),
  FOREIGN KEY (work_session_id) REFERENCES work_sessions(id) ON DELETE CASCADE,
  FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE);
CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT DEFAULT '', branch TEXT DEFAULT '',
  agent_type TEXT DEFAULT '', agent_pid INTEGER DEFAULT 0, context_id TEXT DEFAULT '',
  match_context_id TEXT DEFAULT '', worktree_id TEXT DEFAULT '', worktree_root TEXT DEFAULT '',
  repo_root TEXT DEFAULT '', previous_session_id TEXT DEFAULT '',
  started_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, ended_at DATETIME, last_activity DATETIME);
CREATE TABLE session_state (session_id TEXT NOT NULL, worktree_id TEXT DEFAULT '',
  focused_issue_id TEXT DEFAULT '', active_work_session_id TEXT DEFAULT '',
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY(session_id, worktree_id));
CREATE TABLE issue_session_history (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL,
  session_id TEXT NOT NULL, action TEXT NOT NULL, created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE);
CREATE TABLE boards (id TEXT PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE, last_viewed_at DATETIME,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, query TEXT NOT NULL DEFAULT '',
  is_builtin INTEGER NOT NULL DEFAULT 0, view_mode TEXT NOT NULL DEFAULT 'swimlanes');
CREATE TABLE board_issue_positions (id TEXT PRIMARY KEY, board_id TEXT NOT NULL,
  issue_id TEXT NOT NULL, position INTEGER NOT NULL, added_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  deleted_at DATETIME, UNIQUE(board_id, issue_id),
  FOREIGN KEY (board_id) REFERENCES boards(id) ON DELETE CASCADE,
  FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE);
CREATE TABLE issue_reviews (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL,
  reviewer_session TEXT NOT NULL, decision TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '',
  requested_by_session TEXT DEFAULT '', created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  superseded_at DATETIME, self_review INTEGER NOT NULL DEFAULT 0, reviewed_by TEXT NOT NULL DEFAULT '',
  FOREIGN KEY (issue_id) REFERENCES issues(id));
CREATE TABLE notes (id TEXT PRIMARY KEY, title TEXT NOT NULL, content TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, pinned INTEGER DEFAULT 0,
  archived INTEGER DEFAULT 0, deleted_at TEXT);
CREATE TABLE action_log (id TEXT NOT NULL PRIMARY KEY, session_id TEXT NOT NULL,
  action_type TEXT NOT NULL, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,
  previous_data TEXT DEFAULT '', new_data TEXT DEFAULT '',
  timestamp DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, undone INTEGER DEFAULT 0,
  synced_at DATETIME, server_seq INTEGER);
CREATE TABLE sync_state (project_id TEXT PRIMARY KEY, last_pushed_action_id INTEGER DEFAULT 0,
  last_pulled_server_seq INTEGER DEFAULT 0, last_sync_at DATETIME, sync_disabled INTEGER DEFAULT 0);
CREATE TABLE sync_conflicts (id INTEGER PRIMARY KEY AUTOINCREMENT, entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL, server_seq INTEGER NOT NULL, local_data JSON, remote_data JSON,
  overwritten_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE sync_history (id INTEGER PRIMARY KEY AUTOINCREMENT, direction TEXT NOT NULL,
  action_type TEXT NOT NULL, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, server_seq INTEGER,
  device_id TEXT DEFAULT '', timestamp DATETIME DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE sync_skipped_events (server_seq INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL DEFAULT '', action_type TEXT NOT NULL DEFAULT '',
  entity_type TEXT NOT NULL DEFAULT '', entity_id TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '', payload JSON, skipped_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);

CREATE INDEX idx_issues_status ON issues(status);
CREATE INDEX idx_issues_priority ON issues(priority);
CREATE INDEX idx_issues_type ON issues(type);
CREATE INDEX idx_issues_parent ON issues(parent_id);
CREATE INDEX idx_issues_deleted ON issues(deleted_at);
CREATE INDEX idx_issues_deleted_status ON issues(deleted_at, status);
CREATE INDEX idx_issues_defer_until ON issues(defer_until);
CREATE INDEX idx_issues_due_date ON issues(due_date);
CREATE INDEX idx_logs_issue ON logs(issue_id);
CREATE INDEX idx_logs_work_session ON logs(work_session_id);
CREATE INDEX idx_logs_timestamp ON logs(timestamp);
CREATE INDEX idx_comments_issue ON comments(issue_id);
CREATE INDEX idx_comments_created_at ON comments(created_at);
CREATE INDEX idx_handoffs_issue ON handoffs(issue_id);
CREATE INDEX idx_handoffs_timestamp ON handoffs(timestamp);
CREATE INDEX idx_git_snapshots_issue ON git_snapshots(issue_id);
CREATE INDEX idx_issue_files_issue ON issue_files(issue_id);
CREATE INDEX idx_ish_issue ON issue_session_history(issue_id);
CREATE INDEX idx_ish_session ON issue_session_history(session_id);
CREATE INDEX idx_issue_reviews_issue_id ON issue_reviews(issue_id);
CREATE INDEX idx_issue_reviews_active ON issue_reviews(issue_id) WHERE superseded_at IS NULL;
CREATE INDEX idx_sessions_branch ON sessions(branch);
CREATE INDEX idx_sessions_branch_agent ON sessions(branch, agent_type, agent_pid, match_context_id, worktree_id);
CREATE INDEX idx_notes_updated ON notes(updated_at DESC);
CREATE INDEX idx_notes_deleted ON notes(deleted_at);
CREATE INDEX idx_action_log_session ON action_log(session_id);
CREATE INDEX idx_action_log_timestamp ON action_log(timestamp);
CREATE INDEX idx_action_log_entity_type ON action_log(entity_id, action_type);
CREATE INDEX idx_sync_conflicts_entity ON sync_conflicts(entity_type, entity_id);
CREATE INDEX idx_sync_conflicts_time ON sync_conflicts(overwritten_at);
CREATE INDEX idx_sync_conflicts_seq ON sync_conflicts(server_seq);
CREATE INDEX idx_sync_history_ts ON sync_history(timestamp);
CREATE INDEX idx_sync_skipped_time ON sync_skipped_events(skipped_at);
CREATE INDEX idx_sync_skipped_reason ON sync_skipped_events(reason);

INSERT INTO boards (id, name, query, is_builtin) VALUES ('bd-all-issues', 'All Issues', '', 1);
INSERT INTO schema_info (key, value) VALUES ('version', '38');
`;
