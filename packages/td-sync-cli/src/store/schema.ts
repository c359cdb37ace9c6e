/**
 * td's schema version 38, as a fresh `td init` creates it (spec Appendix A). Kept verbatim so a
 * database created here is byte-for-byte what td expects; our own bookkeeping tables (prefixed
 * `td_sync_`) are separate and ignored by td.
 */
export const SCHEMA_VERSION = 38;

export const V38_DDL = `
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

/**
 * Bookkeeping of this CLI, per sync target (a target is \`<backend>:<remote>\`). td never reads
 * these tables; td's own sync tables (sync_state, action_log.synced_at...) are kept for the http
 * target only, so a project td synced goes on syncing.
 */
export const TD_SYNC_DDL = `
CREATE TABLE IF NOT EXISTS td_sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS td_sync_targets (
  target TEXT PRIMARY KEY, backend TEXT NOT NULL, remote TEXT NOT NULL,
  cursor TEXT, last_push_at TEXT, last_pull_at TEXT, last_sync_at TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
CREATE TABLE IF NOT EXISTS td_sync_acks (
  target TEXT NOT NULL, action_rowid INTEGER NOT NULL, remote_seq TEXT,
  acked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  PRIMARY KEY (target, action_rowid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS td_sync_backend_state (
  target TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (target, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS td_sync_skipped (
  id INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL, remote_seq TEXT,
  device_id TEXT NOT NULL DEFAULT '', action_type TEXT NOT NULL DEFAULT '',
  entity_type TEXT NOT NULL DEFAULT '', entity_id TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', payload TEXT,
  skipped_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
CREATE INDEX IF NOT EXISTS idx_td_sync_skipped_target ON td_sync_skipped(target, reason);
CREATE TABLE IF NOT EXISTS td_sync_conflicts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL, entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL, remote_seq TEXT, resolution TEXT NOT NULL, resolved_by TEXT NOT NULL DEFAULT 'default',
  local_data TEXT, remote_data TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
CREATE INDEX IF NOT EXISTS idx_td_sync_conflicts_entity ON td_sync_conflicts(entity_type, entity_id);
`;
