/**
 * Synthetic old td databases for tests that must not depend on the shared fixtures: td's table
 * layout as it stood at schema 26/27 (the DDL td's migrations 1-26 leave behind, as found in real
 * td files), filled with rows the way older td builds wrote them: Go `time.String()` timestamps,
 * handoff lists bound as BLOBs, NULL session fields, an unsynced journal, and some FK orphans.
 */
import Database from 'better-sqlite3';
import {copyFileSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {tempDir} from '../helpers/td.js';

export const TD_V27_LAYOUT = `
CREATE TABLE issues (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT DEFAULT '', status TEXT NOT NULL DEFAULT 'open',
    type TEXT NOT NULL DEFAULT 'task', priority TEXT NOT NULL DEFAULT 'P2', points INTEGER DEFAULT 0,
    labels TEXT DEFAULT '', parent_id TEXT DEFAULT '', acceptance TEXT DEFAULT '', implementer_session TEXT DEFAULT '',
    reviewer_session TEXT DEFAULT '', created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, closed_at DATETIME, deleted_at DATETIME,
    minor INTEGER DEFAULT 0,
    created_branch TEXT DEFAULT '', creator_session TEXT DEFAULT '', sprint TEXT DEFAULT '',
    FOREIGN KEY (parent_id) REFERENCES issues(id)
);
CREATE TABLE handoffs (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, session_id TEXT NOT NULL, done TEXT DEFAULT '[]',
    remaining TEXT DEFAULT '[]', decisions TEXT DEFAULT '[]', uncertain TEXT DEFAULT '[]',
    timestamp DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, FOREIGN KEY (issue_id) REFERENCES issues(id));
CREATE TABLE git_snapshots (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, event TEXT NOT NULL, commit_sha TEXT NOT NULL,
    branch TEXT NOT NULL, dirty_files INTEGER DEFAULT 0, timestamp DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (issue_id) REFERENCES issues(id));
CREATE TABLE issue_files (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, file_path TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'implementation', linked_sha TEXT DEFAULT '',
    linked_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, FOREIGN KEY (issue_id) REFERENCES issues(id),
    UNIQUE(issue_id, file_path));
CREATE TABLE issue_dependencies (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, depends_on_id TEXT NOT NULL,
    relation_type TEXT NOT NULL DEFAULT 'depends_on', UNIQUE(issue_id, depends_on_id, relation_type),
    FOREIGN KEY (issue_id) REFERENCES issues(id), FOREIGN KEY (depends_on_id) REFERENCES issues(id));
CREATE TABLE work_sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL, session_id TEXT NOT NULL,
    started_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, ended_at DATETIME, start_sha TEXT DEFAULT '', end_sha TEXT DEFAULT '');
CREATE TABLE work_session_issues (id TEXT PRIMARY KEY, work_session_id TEXT NOT NULL, issue_id TEXT NOT NULL,
    tagged_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, UNIQUE(work_session_id, issue_id),
    FOREIGN KEY (work_session_id) REFERENCES work_sessions(id), FOREIGN KEY (issue_id) REFERENCES issues(id));
CREATE TABLE comments (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, session_id TEXT NOT NULL, text TEXT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, FOREIGN KEY (issue_id) REFERENCES issues(id));
CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT DEFAULT '', branch TEXT DEFAULT '', agent_type TEXT DEFAULT '',
    agent_pid INTEGER DEFAULT 0, context_id TEXT DEFAULT '', previous_session_id TEXT DEFAULT '',
    started_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, ended_at DATETIME, last_activity DATETIME);
CREATE TABLE schema_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX idx_issues_status ON issues(status);
CREATE INDEX idx_issues_priority ON issues(priority);
CREATE INDEX idx_issues_type ON issues(type);
CREATE INDEX idx_issues_parent ON issues(parent_id);
CREATE INDEX idx_issues_deleted ON issues(deleted_at);
CREATE INDEX idx_handoffs_issue ON handoffs(issue_id);
CREATE INDEX idx_git_snapshots_issue ON git_snapshots(issue_id);
CREATE INDEX idx_issue_files_issue ON issue_files(issue_id);
CREATE INDEX idx_comments_issue ON comments(issue_id);
CREATE INDEX idx_sessions_branch ON sessions(branch);
CREATE INDEX idx_sessions_branch_agent ON sessions(branch, agent_type, agent_pid);
CREATE TABLE issue_session_history (id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, session_id TEXT NOT NULL,
    action TEXT NOT NULL, created_at DATETIME DEFAULT CURRENT_TIMESTAMP, FOREIGN KEY (issue_id) REFERENCES issues(id));
CREATE INDEX idx_ish_issue ON issue_session_history(issue_id);
CREATE INDEX idx_ish_session ON issue_session_history(session_id);
CREATE INDEX idx_handoffs_timestamp ON handoffs(timestamp);
CREATE INDEX idx_issues_deleted_status ON issues(deleted_at, status);
CREATE INDEX idx_comments_created_at ON comments(created_at);
CREATE TABLE "logs" (id TEXT PRIMARY KEY, issue_id TEXT DEFAULT '', session_id TEXT NOT NULL, work_session_id TEXT DEFAULT '',
    message TEXT NOT NULL, type TEXT NOT NULL DEFAULT 'progress', timestamp DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX idx_logs_issue ON logs(issue_id);
CREATE INDEX idx_logs_work_session ON logs(work_session_id);
CREATE INDEX idx_logs_timestamp ON logs(timestamp);
CREATE TABLE sync_state (project_id TEXT PRIMARY KEY, last_pushed_action_id INTEGER DEFAULT 0,
    last_pulled_server_seq INTEGER DEFAULT 0, last_sync_at DATETIME, sync_disabled INTEGER DEFAULT 0);
CREATE TABLE sync_conflicts (id INTEGER PRIMARY KEY AUTOINCREMENT, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,
    server_seq INTEGER NOT NULL, local_data JSON, remote_data JSON, overwritten_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX idx_sync_conflicts_entity ON sync_conflicts(entity_type, entity_id);
CREATE INDEX idx_sync_conflicts_time ON sync_conflicts(overwritten_at);
CREATE INDEX idx_sync_conflicts_seq ON sync_conflicts(server_seq);
CREATE TABLE "board_issue_positions" (id TEXT PRIMARY KEY, board_id TEXT NOT NULL, issue_id TEXT NOT NULL,
    position INTEGER NOT NULL, added_at DATETIME DEFAULT CURRENT_TIMESTAMP, deleted_at DATETIME, UNIQUE(board_id, issue_id));
CREATE TABLE sync_history (id INTEGER PRIMARY KEY AUTOINCREMENT, direction TEXT NOT NULL, action_type TEXT NOT NULL,
    entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, server_seq INTEGER, device_id TEXT DEFAULT '',
    timestamp DATETIME DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX idx_sync_history_ts ON sync_history(timestamp);
CREATE TABLE "boards" (id TEXT PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE, last_viewed_at DATETIME,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    query TEXT NOT NULL DEFAULT '', is_builtin INTEGER NOT NULL DEFAULT 0, view_mode TEXT NOT NULL DEFAULT 'swimlanes');
CREATE TABLE "action_log" (id TEXT NOT NULL PRIMARY KEY, session_id TEXT NOT NULL, action_type TEXT NOT NULL,
    entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, previous_data TEXT DEFAULT '', new_data TEXT DEFAULT '',
    timestamp DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, undone INTEGER DEFAULT 0, synced_at DATETIME, server_seq INTEGER);
CREATE INDEX idx_action_log_session ON action_log(session_id);
CREATE INDEX idx_action_log_timestamp ON action_log(timestamp);
CREATE INDEX idx_action_log_entity_type ON action_log(entity_id, action_type);
`;

/**
 * td's layout at schema 20, before migrations 21-26: boards.name UNIQUE, board positions without
 * deleted_at and with a unique position index, work-session tags keyed by their pair (no id), a
 * nullable action_log.id, no sync_history.
 */
export const TD_V20_LAYOUT = TD_V27_LAYOUT.replace('name TEXT NOT NULL COLLATE NOCASE,', 'name TEXT NOT NULL COLLATE NOCASE UNIQUE,')
  .replace('added_at DATETIME DEFAULT CURRENT_TIMESTAMP, deleted_at DATETIME, UNIQUE(board_id, issue_id));', 'added_at DATETIME DEFAULT CURRENT_TIMESTAMP, UNIQUE(board_id, issue_id));\nCREATE UNIQUE INDEX idx_board_positions_position ON board_issue_positions(board_id, position);')
  .replace(
    /CREATE TABLE work_session_issues \([^;]*;/,
    'CREATE TABLE work_session_issues (work_session_id TEXT NOT NULL, issue_id TEXT NOT NULL, tagged_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (work_session_id, issue_id));',
  )
  .replace('CREATE TABLE "action_log" (id TEXT NOT NULL PRIMARY KEY,', 'CREATE TABLE "action_log" (id TEXT PRIMARY KEY,')
  .replace(/CREATE TABLE sync_history \([^;]*;\nCREATE INDEX idx_sync_history_ts ON sync_history\(timestamp\);/, '');

export interface LegacyOptions {
  version?: number;
  /** Leave recent rows only in the -wal file (td's old WAL mode, never checkpointed). */
  wal?: boolean;
  /** Extra SQL run after the rows (to plant a fault). */
  extraSql?: string;
}

/** Counts of what the builder wrote, for assertions. */
export const LEGACY_CONTENT = {
  issues: 4,
  orphanHandoffs: 1,
  orphanDependencies: 1,
  orphanParent: 'td-gone01',
  actionLog: 6,
  pending: 5,
};

/** A temp project whose `.todos/issues.db` is an old td database. */
export function legacyProject(options: LegacyOptions = {}): {dir: string; dbPath: string} {
  const dir = tempDir('td-legacy-');
  mkdirSync(join(dir, '.todos'));
  const dbPath = join(dir, '.todos', 'issues.db');
  // Build elsewhere and copy the files while the writer is still open, so a WAL keeps its frames.
  const buildDir = tempDir('td-legacy-build-');
  const buildPath = join(buildDir, 'issues.db');
  const db = new Database(buildPath);
  db.pragma('foreign_keys = OFF'); // td wrote these files with FK enforcement off (better-sqlite3 defaults to on)
  db.pragma(options.wal ? 'journal_mode = WAL' : 'journal_mode = DELETE');
  if (options.wal) db.pragma('wal_autocheckpoint = 0');
  db.pragma('synchronous = OFF'); // test data: no fsync per statement
  db.exec((options.version ?? 27) <= 20 ? TD_V20_LAYOUT : TD_V27_LAYOUT);
  db.prepare("INSERT INTO schema_info (key, value) VALUES ('version', ?)").run(String(options.version ?? 27));
  db.exec("INSERT INTO boards (id, name, query, is_builtin) VALUES ('bd-all-issues', 'All Issues', '', 1)");
  const goTime = (s: string) => `${s} -0800 PST m=+0.036937834`;
  const issue = db.prepare(
    'INSERT INTO issues (id, title, status, parent_id, implementer_session, reviewer_session, creator_session, created_at, updated_at, closed_at) VALUES (?,?,?,?,?,?,?,?,?,?)',
  );
  issue.run('td-aaa001', 'Epic', 'open', '', 'ses_a', '', 'ses_a', goTime('2026-02-03 20:53:53.519728'), goTime('2026-02-03 20:53:53.5'), null);
  issue.run('td-aaa002', 'Child', 'closed', 'td-aaa001', 'ses_a', 'ses_b', 'ses_a', goTime('2026-02-03 20:54:02.303421'), '2026-02-03 20:55:00', goTime('2026-02-03 21:00:00'));
  issue.run('td-aaa003', 'Dangling parent', 'in_progress', LEGACY_CONTENT.orphanParent, null, null, null, '2026-02-03T12:00:00Z', '2026-02-03 12:00:00.25-08:00', null);
  issue.run('td-aaa004', 'Deleted', 'open', '', '', '', '', '2026-02-04 08:00:00 +0000 +0000', '2026-02-04 08:00:00 +0000 UTC', null);
  db.exec("UPDATE issues SET deleted_at = '2026-02-05 09:00:00.1-08:00' WHERE id = 'td-aaa004'");
  const handoff = db.prepare('INSERT INTO handoffs (id, issue_id, session_id, done, remaining, decisions, uncertain, timestamp) VALUES (?,?,?,?,?,?,?,?)');
  handoff.run('ho-00000001', 'td-aaa002', 'ses_a', Buffer.from('["wrote it"]'), Buffer.from('null'), Buffer.from('[]'), Buffer.from('null'), goTime('2026-02-03 20:59:00.000001'));
  handoff.run('ho-00000002', 'td-missing', 'ses_a', Buffer.from('[]'), Buffer.from('[]'), Buffer.from('[]'), Buffer.from('[]'), goTime('2026-02-03 20:59:30'));
  db.prepare('INSERT INTO issue_dependencies (id, issue_id, depends_on_id) VALUES (?,?,?)').run('dep_aaaaaaaaaaaaaaaa', 'td-aaa002', 'td-aaa001');
  db.prepare('INSERT INTO issue_dependencies (id, issue_id, depends_on_id) VALUES (?,?,?)').run('dep_bbbbbbbbbbbbbbbb', 'td-aaa002', 'td-missing');
  db.prepare('INSERT INTO logs (id, issue_id, session_id, message, timestamp) VALUES (?,?,?,?,?)').run('lg-00000001', 'td-aaa002', 'ses_a', 'started', goTime('2026-02-03 20:55:00.5'));
  db.prepare('INSERT INTO sessions (id, name, branch, started_at, last_activity) VALUES (?,?,?,?,?)').run('ses_a', 'a', 'main', goTime('2026-02-03 20:42:47.618639'), goTime('2026-02-03 20:42:47.618639'));
  const action = db.prepare('INSERT INTO action_log (id, session_id, action_type, entity_type, entity_id, new_data, timestamp, undone, synced_at) VALUES (?,?,?,?,?,?,?,?,?)');
  action.run('al-00000001', 'ses_a', 'create', 'issue', 'td-aaa001', '{"id":"td-aaa001"}', goTime('2026-02-03 20:53:53.519728'), 0, null);
  action.run('al-00000002', 'ses_a', 'create', 'issue', 'td-aaa002', '{"id":"td-aaa002"}', '2026-02-03T20:54:02.303421Z', 0, null);
  action.run('al-00000003', 'ses_a', 'update', 'issue', 'td-aaa002', '{"id":"td-aaa002","status":"closed"}', '2026-02-03T21:00:00Z', 1, null);
  action.run('al-00000004', 'ses_a', 'handoff', 'handoff', 'ho-00000001', '{"done":"null"}', '2026-02-03T21:00:01Z', 0, null);
  action.run('al-00000005', 'sidecar', 'create', 'notes', 'nt-0000abcd', '{"title":"n"}', '2026-02-03T21:00:02Z', 0, null);
  action.run('al-00000006', 'ses_a', 'create', 'issue', 'td-aaa003', '{"id":"td-aaa003"}', '2026-02-03T21:00:03Z', 0, null);
  if (options.extraSql) db.exec(options.extraSql);
  if (options.wal) {
    copyFileSync(buildPath, dbPath);
    copyFileSync(`${buildPath}-wal`, `${dbPath}-wal`);
    db.close();
  } else {
    db.close();
    copyFileSync(buildPath, dbPath);
  }
  return {dir, dbPath};
}
