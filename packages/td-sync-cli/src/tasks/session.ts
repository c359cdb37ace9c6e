/**
 * td sessions (spec §2.3 sessions, internal/session): a `ses_` id found by identity (git branch +
 * agent fingerprint + pid + TD_CONTEXT_ID + worktree id) or created. `TD_SESSION_ID` pins an
 * explicit identity. Local only: sessions are never journaled.
 *
 * Difference from td: the agent fingerprint walks /proc (Linux) instead of running `ps`, and the
 * branch is read from `.git/HEAD` instead of running git, to keep start-up cheap.
 */
import type Database from 'better-sqlite3';
import {createHash} from 'node:crypto';
import {existsSync, readFileSync, realpathSync, statSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {newId} from '../store/ids.js';
import {sqliteTime} from '../store/time.js';

export interface Session {
  id: string;
  branch: string;
  agentType: string;
  /** `wt_…` of the checkout this process runs in (scope of focus in session_state). */
  worktreeId: string;
  isNew: boolean;
}

const AGENT_PATTERNS: Array<[string, string]> = [
  ['claude', 'claude-code'], ['cursor', 'cursor'], ['codex', 'codex'], ['windsurf', 'windsurf'],
  ['zed', 'zed'], ['aider', 'aider'], ['copilot', 'copilot'], ['gemini', 'gemini'],
];
const TERMINAL_VARS = ['TERM_SESSION_ID', 'TMUX_PANE', 'STY', 'WINDOWID', 'KONSOLE_DBUS_SESSION', 'GNOME_TERMINAL_SCREEN'];

const sanitize = (s: string) => s.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 32);

function procInfo(pid: number): {name: string; ppid: number} | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const name = stat.slice(open + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    return {name, ppid};
  } catch {
    return undefined;
  }
}

/** td's agent fingerprint: `explicit_<id>`, `<agent>_<pid>`, `terminal` or `unknown`. */
export function agentFingerprint(env: NodeJS.ProcessEnv): {agentType: string; pid: number} {
  if (env.TD_SESSION_ID) return {agentType: `explicit_${sanitize(env.TD_SESSION_ID)}`, pid: 0};
  if (env.CURSOR_AGENT) return {agentType: `cursor_${process.ppid}`, pid: process.ppid};
  let pid = process.ppid;
  for (let depth = 0; depth < 15 && process.platform === 'linux'; depth++) {
    const info = procInfo(pid);
    if (!info) break;
    const lower = info.name.toLowerCase();
    const hit = AGENT_PATTERNS.find(([p]) => lower.includes(p));
    if (hit) return {agentType: `${hit[1]}_${pid}`, pid};
    if (info.ppid <= 1) break;
    pid = info.ppid;
  }
  if (TERMINAL_VARS.some((v) => env[v])) return {agentType: 'terminal', pid: 0};
  return {agentType: 'unknown', pid: 0};
}

/** The checkout root holding `.git` (file or folder) at or above `dir`. */
export function gitTopLevel(dir: string): string | undefined {
  let d = resolve(dir);
  for (;;) {
    if (existsSync(join(d, '.git'))) return d;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/** The current branch (`default` outside git, `detached-<sha8>` on a detached HEAD). */
export function currentBranch(dir: string): string {
  const top = gitTopLevel(dir);
  if (!top) return 'default';
  try {
    let gitDir = join(top, '.git');
    if (statSync(gitDir).isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitDir, 'utf8'));
      if (!m) return 'default';
      gitDir = resolve(top, m[1].trim());
    }
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    const ref = /^ref:\s*refs\/heads\/(.+)$/.exec(head);
    if (ref) return ref[1];
    if (/^[0-9a-f]{40}$/.test(head)) return `detached-${head.slice(0, 8)}`;
  } catch {
    /* unreadable git metadata: td falls back too */
  }
  return 'default';
}

function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** Look up this process's session or create one (td's session.GetOrCreate). */
export function getOrCreateSession(db: Database.Database, projectRoot: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), now = new Date()): Session {
  const branch = currentBranch(cwd);
  const fp = agentFingerprint(env);
  const worktreeRoot = canonical(gitTopLevel(cwd) ?? cwd);
  const worktreeId = `wt_${createHash('sha256').update(worktreeRoot).digest('hex').slice(0, 12)}`;
  const matchContext = env.TD_CONTEXT_ID ?? '';
  const row = db
    .prepare(
      `SELECT id, worktree_id FROM sessions WHERE branch = ? AND agent_type = ? AND agent_pid = ? AND COALESCE(match_context_id, '') = ?
         AND (COALESCE(worktree_id, '') = ? OR COALESCE(worktree_id, '') = '')
       ORDER BY CASE WHEN worktree_id = ? THEN 0 ELSE 1 END, COALESCE(last_activity, started_at) DESC LIMIT 1`,
    )
    .get(branch, fp.agentType, fp.pid, matchContext, worktreeId, worktreeId) as {id: string; worktree_id: string | null} | undefined;
  if (row) {
    if (!row.worktree_id) {
      db.prepare('UPDATE sessions SET worktree_id = ?, worktree_root = ?, repo_root = ? WHERE id = ?').run(worktreeId, worktreeRoot, canonical(projectRoot), row.id);
    }
    db.prepare('UPDATE sessions SET last_activity = ? WHERE id = ?').run(sqliteTime(now), row.id);
    return {id: row.id, branch, agentType: fp.agentType, worktreeId, isNew: false};
  }
  const id = newId.session();
  const contextId = env.TD_SESSION_ID ? `explicit:${env.TD_SESSION_ID}` : `proc:ppid=${process.ppid}`;
  db.prepare(
    `INSERT INTO sessions (id, name, branch, agent_type, agent_pid, context_id, match_context_id, worktree_id, worktree_root, repo_root, previous_session_id, started_at, last_activity)
     VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`,
  ).run(id, branch, fp.agentType, fp.pid, contextId, matchContext, worktreeId, worktreeRoot, canonical(projectRoot), sqliteTime(now), sqliteTime(now));
  return {id, branch, agentType: fp.agentType, worktreeId, isNew: true};
}

/** The branch recorded as `created_branch` (td: git state's branch; empty outside git). */
export function createdBranch(cwd = process.cwd()): string {
  const b = currentBranch(cwd);
  return b === 'default' && !gitTopLevel(cwd) ? '' : b;
}

/** td's focus (session_state, local only, never journaled). */
export function setFocus(db: Database.Database, session: Session, issueId: string, now: Date): void {
  db.prepare(
    `INSERT INTO session_state (session_id, worktree_id, focused_issue_id, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(session_id, worktree_id) DO UPDATE SET focused_issue_id = excluded.focused_issue_id, updated_at = excluded.updated_at`,
  ).run(session.id, session.worktreeId, issueId, sqliteTime(now));
}

export function getFocus(db: Database.Database, session: Session): string | undefined {
  const r = db.prepare("SELECT focused_issue_id AS f FROM session_state WHERE session_id = ? AND worktree_id IN (?, '') AND focused_issue_id != '' ORDER BY worktree_id DESC LIMIT 1").get(session.id, session.worktreeId) as {f: string} | undefined;
  return r?.f;
}

/** Clear focus when it points at `issueId` (td's clearFocusIfNeeded after review/approve/close). */
export function clearFocusIfNeeded(db: Database.Database, session: Session, issueId: string, now: Date): void {
  db.prepare("UPDATE session_state SET focused_issue_id = '', updated_at = ? WHERE session_id = ? AND focused_issue_id = ?").run(sqliteTime(now), session.id, issueId);
}
