/**
 * td's schema migrations 21 -> 38 (spec §2.1 and the "Migrations 27 to 38" table; 21-26 from
 * td's internal/db/migrations.go and schema.go), doing what td does, step by step. A database at version N runs N+1..38;
 * `schema_info.version` is written after each step, inside the step's own transaction (td
 * writes it right after the step; one transaction per step only makes a crash cleaner).
 *
 * Steps 21..26 are implemented too, so files from td builds at schema 20 onwards open. Older ones
 * are refused: migrations 2..20 (integer ids -> text ids, deterministic ids, repo-relative paths,
 * legacy journal rewrites) are not re-implemented here; a current td migrates them, after which
 * this CLI opens them.
 *
 * The caller (upgrade.ts) runs this under the write lock, after a byte-exact backup, and
 * restores that backup when a step throws.
 */
import type Database from 'better-sqlite3';
import {createHash} from 'node:crypto';
import {StoreError} from './errors.js';
import {canonicalTdTime, looksLikeGoTimeString} from './legacy-time.js';
import {SCHEMA_VERSION} from './schema.js';

/** Oldest schema version this CLI can migrate from (it runs td's migration 21 onwards). */
export const OLDEST_MIGRATABLE = 20;

type DB = Database.Database;

export interface StepResult {
  version: number;
  name: string;
  ms: number;
  /** What the step changed, when it is data (e.g. orphans removed, timestamps rewritten). */
  changes?: Record<string, number>;
}

interface Step {
  version: number;
  name: string;
  /** Runs the step; returns counts of data it changed. Steps without own transaction handling get one. */
  run(db: DB): Record<string, number> | void;
  /** The step manages its transaction itself (migration 30 must toggle foreign_keys outside one). */
  ownTransaction?: boolean;
}

const quoteIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;

function columnExists(db: DB, table: string, column: string): boolean {
  return (db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as Array<{name: string}>).some((c) => c.name === column);
}

function tableExists(db: DB, table: string): boolean {
  return !!db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?").get(table);
}

function setVersion(db: DB, version: number): void {
  db.prepare("INSERT OR REPLACE INTO schema_info (key, value) VALUES ('version', ?)").run(String(version));
}

// ---- migration 30: orphan clean-up and ON DELETE CASCADE rebuilds ----

interface Rebuild {
  table: string;
  ddl: string;
  columns: string[];
  indexes: string;
}

const ISSUES_23 = [
  'id', 'title', 'description', 'status', 'type', 'priority', 'points', 'labels', 'parent_id', 'acceptance',
  'implementer_session', 'reviewer_session', 'created_at', 'updated_at', 'closed_at', 'deleted_at', 'minor',
  'created_branch', 'creator_session', 'sprint', 'defer_until', 'due_date', 'defer_count',
];

/** td's rewrite order and DDL (internal/db/migration_fk_enforcement.go). */
const REBUILDS: Rebuild[] = [
  {
    table: 'issues',
    // No FOREIGN KEY on parent_id: '' is td's "no parent" sentinel. The DDL text (comments
    // included) is td's own, so sqlite_master reads as in a file td migrated.
    ddl: `CREATE TABLE issues_fknew (
		id TEXT PRIMARY KEY,
		title TEXT NOT NULL,
		description TEXT DEFAULT '',
		status TEXT NOT NULL DEFAULT 'open',
		type TEXT NOT NULL DEFAULT 'task',
		priority TEXT NOT NULL DEFAULT 'P2',
		points INTEGER DEFAULT 0,
		labels TEXT DEFAULT '',
		parent_id TEXT DEFAULT '',
		acceptance TEXT DEFAULT '',
		implementer_session TEXT DEFAULT '',
		reviewer_session TEXT DEFAULT '',
		created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
		updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
		closed_at DATETIME,
		deleted_at DATETIME,
		minor INTEGER DEFAULT 0,
		created_branch TEXT DEFAULT '',
		creator_session TEXT DEFAULT '',
		sprint TEXT DEFAULT '',
		defer_until TEXT,
		due_date TEXT,
		defer_count INTEGER DEFAULT 0
		-- NOTE: no FOREIGN KEY on parent_id; see migrateEnableFKEnforcement
		-- doc comment for rationale. '' is the "no parent" sentinel in td
		-- and SQLite would treat '' as a real FK value.
	)`,
    columns: ISSUES_23,
    indexes: `
		CREATE INDEX IF NOT EXISTS idx_issues_status ON issues(status);
		CREATE INDEX IF NOT EXISTS idx_issues_priority ON issues(priority);
		CREATE INDEX IF NOT EXISTS idx_issues_type ON issues(type);
		CREATE INDEX IF NOT EXISTS idx_issues_parent ON issues(parent_id);
		CREATE INDEX IF NOT EXISTS idx_issues_deleted ON issues(deleted_at);
		CREATE INDEX IF NOT EXISTS idx_issues_deleted_status ON issues(deleted_at, status);
		CREATE INDEX IF NOT EXISTS idx_issues_defer_until ON issues(defer_until);
		CREATE INDEX IF NOT EXISTS idx_issues_due_date ON issues(due_date);`,
  },
  {
    table: 'handoffs',
    ddl: `CREATE TABLE handoffs_fknew (
		id TEXT PRIMARY KEY,
		issue_id TEXT NOT NULL,
		session_id TEXT NOT NULL,
		done TEXT DEFAULT '[]',
		remaining TEXT DEFAULT '[]',
		decisions TEXT DEFAULT '[]',
		uncertain TEXT DEFAULT '[]',
		timestamp DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
		FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE
	)`,
    columns: ['id', 'issue_id', 'session_id', 'done', 'remaining', 'decisions', 'uncertain', 'timestamp'],
    indexes: `CREATE INDEX IF NOT EXISTS idx_handoffs_issue ON handoffs(issue_id);
		 CREATE INDEX IF NOT EXISTS idx_handoffs_timestamp ON handoffs(timestamp);`,
  },
  {
    table: 'git_snapshots',
    ddl: `CREATE TABLE git_snapshots_fknew (
		id TEXT PRIMARY KEY,
		issue_id TEXT NOT NULL,
		event TEXT NOT NULL,
		commit_sha TEXT NOT NULL,
		branch TEXT NOT NULL,
		dirty_files INTEGER DEFAULT 0,
		timestamp DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
		FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE
	)`,
    columns: ['id', 'issue_id', 'event', 'commit_sha', 'branch', 'dirty_files', 'timestamp'],
    indexes: 'CREATE INDEX IF NOT EXISTS idx_git_snapshots_issue ON git_snapshots(issue_id);',
  },
  {
    table: 'issue_files',
    ddl: `CREATE TABLE issue_files_fknew (
		id TEXT PRIMARY KEY,
		issue_id TEXT NOT NULL,
		file_path TEXT NOT NULL,
		role TEXT NOT NULL DEFAULT 'implementation',
		linked_sha TEXT DEFAULT '',
		linked_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
		UNIQUE(issue_id, file_path),
		FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE
	)`,
    columns: ['id', 'issue_id', 'file_path', 'role', 'linked_sha', 'linked_at'],
    indexes: 'CREATE INDEX IF NOT EXISTS idx_issue_files_issue ON issue_files(issue_id);',
  },
  {
    table: 'issue_dependencies',
    ddl: `CREATE TABLE issue_dependencies_fknew (
		id TEXT PRIMARY KEY,
		issue_id TEXT NOT NULL,
		depends_on_id TEXT NOT NULL,
		relation_type TEXT NOT NULL DEFAULT 'depends_on',
		UNIQUE(issue_id, depends_on_id, relation_type),
		FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE,
		FOREIGN KEY (depends_on_id) REFERENCES issues(id) ON DELETE CASCADE
	)`,
    columns: ['id', 'issue_id', 'depends_on_id', 'relation_type'],
    indexes: '',
  },
  {
    table: 'work_session_issues',
    ddl: `CREATE TABLE work_session_issues_fknew (
		id TEXT PRIMARY KEY,
		work_session_id TEXT NOT NULL,
		issue_id TEXT NOT NULL,
		tagged_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
		UNIQUE(work_session_id, issue_id),
		FOREIGN KEY (work_session_id) REFERENCES work_sessions(id) ON DELETE CASCADE,
		FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE
	)`,
    columns: ['id', 'work_session_id', 'issue_id', 'tagged_at'],
    indexes: '',
  },
  {
    table: 'comments',
    ddl: `CREATE TABLE comments_fknew (
		id TEXT PRIMARY KEY,
		issue_id TEXT NOT NULL,
		session_id TEXT NOT NULL,
		text TEXT NOT NULL,
		created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
		FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE
	)`,
    columns: ['id', 'issue_id', 'session_id', 'text', 'created_at'],
    indexes: `CREATE INDEX IF NOT EXISTS idx_comments_issue ON comments(issue_id);
		 CREATE INDEX IF NOT EXISTS idx_comments_created_at ON comments(created_at);`,
  },
  {
    table: 'issue_session_history',
    ddl: `CREATE TABLE issue_session_history_fknew (
		id TEXT PRIMARY KEY,
		issue_id TEXT NOT NULL,
		session_id TEXT NOT NULL,
		action TEXT NOT NULL,
		created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
		FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE
	)`,
    columns: ['id', 'issue_id', 'session_id', 'action', 'created_at'],
    indexes: `CREATE INDEX IF NOT EXISTS idx_ish_issue ON issue_session_history(issue_id);
		 CREATE INDEX IF NOT EXISTS idx_ish_session ON issue_session_history(session_id);`,
  },
  {
    table: 'board_issue_positions',
    ddl: `CREATE TABLE board_issue_positions_fknew (
		id TEXT PRIMARY KEY,
		board_id TEXT NOT NULL,
		issue_id TEXT NOT NULL,
		position INTEGER NOT NULL,
		added_at DATETIME DEFAULT CURRENT_TIMESTAMP,
		deleted_at DATETIME,
		UNIQUE(board_id, issue_id),
		FOREIGN KEY (board_id) REFERENCES boards(id) ON DELETE CASCADE,
		FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE
	)`,
    columns: ['id', 'board_id', 'issue_id', 'position', 'added_at', 'deleted_at'],
    indexes: '',
  },
];

function cleanOrphans(db: DB): Record<string, number> {
  const run = (sql: string) => db.prepare(sql).run().changes;
  const out: Record<string, number> = {};
  out.parent_id_cleared = run(`UPDATE issues SET parent_id = '' WHERE parent_id != '' AND parent_id NOT IN (SELECT id FROM issues)`);
  out.handoffs = run('DELETE FROM handoffs WHERE issue_id NOT IN (SELECT id FROM issues)');
  out.git_snapshots = run('DELETE FROM git_snapshots WHERE issue_id NOT IN (SELECT id FROM issues)');
  out.issue_dependencies = run('DELETE FROM issue_dependencies WHERE issue_id NOT IN (SELECT id FROM issues) OR depends_on_id NOT IN (SELECT id FROM issues)');
  if (tableExists(db, 'issue_session_history')) out.issue_session_history = run('DELETE FROM issue_session_history WHERE issue_id NOT IN (SELECT id FROM issues)');
  out.issue_files = run('DELETE FROM issue_files WHERE issue_id NOT IN (SELECT id FROM issues)');
  out.comments = run('DELETE FROM comments WHERE issue_id NOT IN (SELECT id FROM issues)');
  out.work_session_issues = run('DELETE FROM work_session_issues WHERE issue_id NOT IN (SELECT id FROM issues) OR work_session_id NOT IN (SELECT id FROM work_sessions)');
  if (tableExists(db, 'board_issue_positions')) {
    out.board_issue_positions = run('DELETE FROM board_issue_positions WHERE issue_id NOT IN (SELECT id FROM issues) OR board_id NOT IN (SELECT id FROM boards)');
  }
  return out;
}

function rebuild(db: DB, r: Rebuild): void {
  const columns = r.table === 'board_issue_positions' && !columnExists(db, r.table, 'deleted_at') ? r.columns.filter((c) => c !== 'deleted_at') : r.columns;
  const list = columns.join(', ');
  db.exec(`DROP TABLE IF EXISTS ${r.table}_fknew`);
  db.exec(r.ddl);
  db.exec(`INSERT INTO ${r.table}_fknew (${list}) SELECT ${list} FROM ${r.table}`);
  db.exec(`DROP TABLE ${r.table}`);
  db.exec(`ALTER TABLE ${r.table}_fknew RENAME TO ${r.table}`);
  if (r.indexes) db.exec(r.indexes);
}

function migration30(db: DB): Record<string, number> {
  const previous = db.pragma('foreign_keys', {simple: true}) as number;
  db.pragma('foreign_keys = OFF'); // cannot change inside a transaction
  try {
    return db.transaction(() => {
      const removed = cleanOrphans(db);
      for (const r of REBUILDS) if (tableExists(db, r.table)) rebuild(db, r);
      const violations = db.pragma('foreign_key_check') as Array<{table: string; rowid: number | null; parent: string; fkid: number}>;
      if (violations.length > 0) {
        const shown = violations.slice(0, 5).map((v) => `${v.table} row ${v.rowid ?? '?'} -> ${v.parent}`).join(', ');
        throw new Error(`foreign_key_check found ${violations.length} violation(s) after the orphan clean-up (${shown}${violations.length > 5 ? ', ...' : ''})`);
      }
      setVersion(db, 30);
      return removed;
    }).immediate();
  } finally {
    if (previous) db.pragma('foreign_keys = ON');
  }
}

// ---- migration 36: Go time.String() values -> canonical layout ----

function migration36(db: DB): Record<string, number> {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'").all() as Array<{name: string}>).map((r) => r.name);
  const out: Record<string, number> = {};
  for (const table of tables) {
    const cols = (db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as Array<{name: string; type: string}>)
      .filter((c) => ['DATE', 'DATETIME', 'TIMESTAMP'].includes(c.type.trim().toUpperCase()))
      .map((c) => c.name);
    for (const col of cols) {
      const qt = quoteIdent(table);
      const qc = quoteIdent(col);
      const rows = db.prepare(`SELECT rowid AS r, CAST(${qc} AS TEXT) AS v FROM ${qt} WHERE ${qc} IS NOT NULL AND ${qc} != ''`).all() as Array<{r: number | bigint; v: string}>;
      const update = db.prepare(`UPDATE ${qt} SET ${qc} = ? WHERE rowid = ?`);
      let n = 0;
      for (const {r, v} of rows) {
        if (!looksLikeGoTimeString(v)) continue;
        const canonical = canonicalTdTime(v);
        if (canonical === undefined) continue; // unparsable values stay as they are
        update.run(canonical, r);
        n++;
      }
      if (n > 0) out[`${table}.${col}`] = n;
    }
  }
  return out;
}

// ---- migrations 24 and 26: table rebuilds from td's older layouts ----

/** td's `WsiID`: `wsi_` + first 16 hex of SHA-256(`<work_session_id>|<issue_id>`). */
const wsiId = (ws: string, issue: string) => `wsi_${createHash('sha256').update(`${ws}|${issue}`).digest('hex').slice(0, 16)}`;

function migration24(db: DB): Record<string, number> | void {
  if (!tableExists(db, 'work_session_issues') || columnExists(db, 'work_session_issues', 'id')) return;
  db.exec('DROP TABLE IF EXISTS work_session_issues_new');
  db.exec(`CREATE TABLE work_session_issues_new (
		id TEXT PRIMARY KEY,
		work_session_id TEXT NOT NULL,
		issue_id TEXT NOT NULL,
		tagged_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
		UNIQUE(work_session_id, issue_id)
	)`);
  const rows = db.prepare('SELECT work_session_id, issue_id, tagged_at FROM work_session_issues').all() as Array<{work_session_id: string; issue_id: string; tagged_at: unknown}>;
  const insert = db.prepare('INSERT INTO work_session_issues_new (id, work_session_id, issue_id, tagged_at) VALUES (?, ?, ?, ?)');
  for (const r of rows) insert.run(wsiId(r.work_session_id, r.issue_id), r.work_session_id, r.issue_id, r.tagged_at);
  db.exec('DROP TABLE work_session_issues');
  db.exec('ALTER TABLE work_session_issues_new RENAME TO work_session_issues');
  return {ids_added: rows.length};
}

function migration26(db: DB): Record<string, number> | void {
  if (!tableExists(db, 'action_log')) return;
  const fixed = db.prepare("UPDATE action_log SET id = 'al-' || lower(hex(randomblob(4))) WHERE id IS NULL OR id = ''").run().changes;
  db.exec('DROP TABLE IF EXISTS action_log_new');
  db.exec(`CREATE TABLE action_log_new (
		id TEXT NOT NULL PRIMARY KEY,
		session_id TEXT NOT NULL,
		action_type TEXT NOT NULL,
		entity_type TEXT NOT NULL,
		entity_id TEXT NOT NULL,
		previous_data TEXT DEFAULT '',
		new_data TEXT DEFAULT '',
		timestamp DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
		undone INTEGER DEFAULT 0,
		synced_at DATETIME,
		server_seq INTEGER
	)`);
  // td copies in scan (rowid) order, so the push order survives (rowids are renumbered densely).
  db.exec('INSERT INTO action_log_new SELECT id, session_id, action_type, entity_type, entity_id, previous_data, new_data, timestamp, undone, synced_at, server_seq FROM action_log');
  db.exec('DROP TABLE action_log');
  db.exec('ALTER TABLE action_log_new RENAME TO action_log');
  db.exec(`
CREATE INDEX IF NOT EXISTS idx_action_log_session ON action_log(session_id);
CREATE INDEX IF NOT EXISTS idx_action_log_timestamp ON action_log(timestamp);
CREATE INDEX IF NOT EXISTS idx_action_log_entity_type ON action_log(entity_id, action_type);
`);
  return {null_ids_fixed: fixed};
}

/** td's steps 21..38, in order. */
export const MIGRATIONS: readonly Step[] = Object.freeze([
  {
    version: 21,
    name: 'sync_history table',
    run: (db) => {
      db.exec(`
CREATE TABLE IF NOT EXISTS sync_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    direction TEXT NOT NULL,
    action_type TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    server_seq INTEGER,
    device_id TEXT DEFAULT '',
    timestamp DATETIME DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_sync_history_ts ON sync_history(timestamp);
`);
    },
  },
  {
    version: 22,
    name: 'sparse board positions',
    run: (db) => {
      db.exec('DROP INDEX IF EXISTS idx_board_positions_position');
      return {positions: db.prepare('UPDATE board_issue_positions SET position = position * 65536').run().changes};
    },
  },
  {
    version: 23,
    name: 'boards name not unique',
    run: (db) => {
      db.exec(`
CREATE TABLE boards_new (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE,
    last_viewed_at DATETIME,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    query TEXT NOT NULL DEFAULT '',
    is_builtin INTEGER NOT NULL DEFAULT 0,
    view_mode TEXT NOT NULL DEFAULT 'swimlanes'
);
INSERT INTO boards_new SELECT * FROM boards;
DROP TABLE boards;
ALTER TABLE boards_new RENAME TO boards;
`);
    },
  },
  {version: 24, name: 'work_session_issue ids', run: migration24},
  {
    version: 25,
    name: 'board position soft delete',
    run: (db) => {
      if (!columnExists(db, 'board_issue_positions', 'deleted_at')) db.exec('ALTER TABLE board_issue_positions ADD COLUMN deleted_at DATETIME');
    },
  },
  {version: 26, name: 'action_log NOT NULL id', run: migration26},
  {
    version: 27,
    name: 'null session fields',
    run: (db) => ({
      implementer_session: db.prepare("UPDATE issues SET implementer_session = '' WHERE implementer_session IS NULL").run().changes,
      reviewer_session: db.prepare("UPDATE issues SET reviewer_session = '' WHERE reviewer_session IS NULL").run().changes,
      creator_session: db.prepare("UPDATE issues SET creator_session = '' WHERE creator_session IS NULL").run().changes,
    }),
  },
  {
    version: 28,
    name: 'notes table',
    run: (db) => {
      db.exec(`
CREATE TABLE IF NOT EXISTS notes (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    pinned INTEGER DEFAULT 0,
    archived INTEGER DEFAULT 0,
    deleted_at TEXT
);
CREATE INDEX IF NOT EXISTS idx_notes_updated ON notes(updated_at DESC);
CREATE INDEX IF NOT EXISTS idx_notes_deleted ON notes(deleted_at);`);
    },
  },
  {
    version: 29,
    name: 'defer columns',
    run: (db) => {
      if (columnExists(db, 'issues', 'defer_until')) return; // td skips the whole step, indexes included
      db.exec(`
ALTER TABLE issues ADD COLUMN defer_until TEXT;
ALTER TABLE issues ADD COLUMN due_date TEXT;
ALTER TABLE issues ADD COLUMN defer_count INTEGER DEFAULT 0;
CREATE INDEX IF NOT EXISTS idx_issues_defer_until ON issues(defer_until);
CREATE INDEX IF NOT EXISTS idx_issues_due_date ON issues(due_date);`);
    },
  },
  {version: 30, name: 'foreign-key rebuild', run: migration30, ownTransaction: true},
  {
    version: 31,
    name: 'review attestations',
    run: (db) => {
      if (!columnExists(db, 'issues', 'reviewed_at')) db.exec('ALTER TABLE issues ADD COLUMN reviewed_at DATETIME');
      if (!columnExists(db, 'issues', 'review_requested_by_session')) db.exec("ALTER TABLE issues ADD COLUMN review_requested_by_session TEXT DEFAULT ''");
      if (!columnExists(db, 'issues', 'closed_by_session')) db.exec("ALTER TABLE issues ADD COLUMN closed_by_session TEXT DEFAULT ''");
      db.exec(`
CREATE TABLE IF NOT EXISTS issue_reviews (
    id TEXT PRIMARY KEY,
    issue_id TEXT NOT NULL,
    reviewer_session TEXT NOT NULL,
    decision TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    requested_by_session TEXT DEFAULT '',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    superseded_at DATETIME,
    FOREIGN KEY (issue_id) REFERENCES issues(id)
);
CREATE INDEX IF NOT EXISTS idx_issue_reviews_issue_id ON issue_reviews(issue_id);
CREATE INDEX IF NOT EXISTS idx_issue_reviews_active ON issue_reviews(issue_id) WHERE superseded_at IS NULL;`);
      // closed issues with a reviewer but no closer: the reviewer closed them (reviewed_at stays NULL)
      const closedBy = db
        .prepare(
          `UPDATE issues SET closed_by_session = reviewer_session
            WHERE status = 'closed' AND reviewer_session != '' AND (closed_by_session IS NULL OR closed_by_session = '')`,
        )
        .run().changes;
      return {closed_by_session: closedBy};
    },
  },
  {
    version: 32,
    name: 'self_review column',
    run: (db) => {
      if (!columnExists(db, 'issue_reviews', 'self_review')) db.exec('ALTER TABLE issue_reviews ADD COLUMN self_review INTEGER NOT NULL DEFAULT 0');
    },
  },
  {
    version: 33,
    name: 'session match_context_id',
    run: (db) => {
      if (!columnExists(db, 'sessions', 'match_context_id')) db.exec("ALTER TABLE sessions ADD COLUMN match_context_id TEXT DEFAULT ''");
      db.exec(`
DROP INDEX IF EXISTS idx_sessions_branch_agent;
CREATE INDEX IF NOT EXISTS idx_sessions_branch_agent ON sessions(branch, agent_type, agent_pid, match_context_id);`);
    },
  },
  {
    version: 34,
    name: 'worktree identity',
    run: (db) => {
      for (const table of ['sessions', 'work_sessions']) {
        for (const column of ['worktree_id', 'worktree_root', 'repo_root']) {
          if (!columnExists(db, table, column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} TEXT DEFAULT ''`);
        }
      }
      db.exec(`
DROP INDEX IF EXISTS idx_sessions_branch_agent;
CREATE INDEX IF NOT EXISTS idx_sessions_branch_agent ON sessions(branch, agent_type, agent_pid, match_context_id, worktree_id);`);
    },
  },
  {
    version: 35,
    name: 'session_state table',
    run: (db) => {
      db.exec(`
CREATE TABLE IF NOT EXISTS session_state (
    session_id TEXT NOT NULL,
    worktree_id TEXT DEFAULT '',
    focused_issue_id TEXT DEFAULT '',
    active_work_session_id TEXT DEFAULT '',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY(session_id, worktree_id)
);`);
    },
  },
  {version: 36, name: 'canonical timestamps', run: migration36},
  {
    version: 37,
    name: 'reviewed_by column',
    run: (db) => {
      if (!columnExists(db, 'issue_reviews', 'reviewed_by')) db.exec("ALTER TABLE issue_reviews ADD COLUMN reviewed_by TEXT NOT NULL DEFAULT ''");
    },
  },
  {
    version: 38,
    name: 'sync_skipped_events table',
    run: (db) => {
      db.exec(`
CREATE TABLE IF NOT EXISTS sync_skipped_events (
    server_seq INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL DEFAULT '',
    action_type TEXT NOT NULL DEFAULT '',
    entity_type TEXT NOT NULL DEFAULT '',
    entity_id TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    payload JSON,
    skipped_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_sync_skipped_time ON sync_skipped_events(skipped_at);
CREATE INDEX IF NOT EXISTS idx_sync_skipped_reason ON sync_skipped_events(reason);`);
    },
  },
] satisfies Step[]);

/** Test seam: a hook run just before a step (lets tests make a given step fail). Not for production use. */
export interface MigrateOptions {
  beforeStep?: (version: number, db: DB) => void;
}

/**
 * Run every step above `from`, in order. Throws a StoreError naming the failing step; steps
 * already run stay committed (the caller restores the backup).
 */
export function migrate(db: DB, from: number, dbPath: string, options: MigrateOptions = {}): StepResult[] {
  if (from >= SCHEMA_VERSION) return [];
  if (from < OLDEST_MIGRATABLE) {
    throw new StoreError(
      'database_error',
      `database ${dbPath} is at td schema ${from}, older than ${OLDEST_MIGRATABLE}, which this CLI cannot migrate: open the project once with a current Go td (it migrates the file to ${SCHEMA_VERSION}), then retry`,
    );
  }
  db.exec("CREATE TABLE IF NOT EXISTS schema_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const results: StepResult[] = [];
  for (const step of MIGRATIONS) {
    if (step.version <= from) continue;
    const started = performance.now();
    let changes: Record<string, number> | void;
    try {
      options.beforeStep?.(step.version, db);
      if (step.ownTransaction) {
        changes = step.run(db);
      } else {
        changes = db
          .transaction(() => {
            const c = step.run(db);
            setVersion(db, step.version);
            return c;
          })
          .immediate();
      }
    } catch (e) {
      const cause = (e as Error).message ?? String(e);
      throw new StoreError('database_error', `migration ${step.version} (${step.name}) failed: ${cause}`, {cause: e});
    }
    const result: StepResult = {version: step.version, name: step.name, ms: Math.round((performance.now() - started) * 100) / 100};
    if (changes && Object.values(changes).some((n) => n > 0)) result.changes = Object.fromEntries(Object.entries(changes).filter(([, n]) => n > 0));
    results.push(result);
  }
  return results;
}
