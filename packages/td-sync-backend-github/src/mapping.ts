/**
 * td issue <-> GitHub issue, as pure functions. Outbound: a td row becomes a draft (the object
 * plugins see in the `mapEvent` hook). Inbound: a GitHub issue (plus the last block td could read)
 * becomes the td row it stands for. Push and pull use the same view function, so what td wrote
 * reads back as exactly what td had: no echo, no phantom change.
 */
import {createHash} from 'node:crypto';
import type {JsonObject} from 'td-sync-sdk';
import type {LabelScheme} from './labels.js';
import {TITLE_LIMIT, cutAt, normalizeText, type BlockFields, type ParsedBody} from './markers.js';

/** What the backend writes for one td issue; plugins may change any field in `mapEvent`. */
export interface IssueDraft extends JsonObject {
  kind: 'issue';
  tdId: string;
  /** GitHub title (cut to 256 characters after the hook; the full title stays in the block). */
  title: string;
  /** The visible body text (td's description). */
  text: string;
  /** The td row kept in the managed block (everything but the description). */
  row: JsonObject;
  /** td-owned labels the issue should carry (the managed label included). */
  labels: string[];
  state: 'OPEN' | 'CLOSED';
  stateReason: 'COMPLETED' | 'NOT_PLANNED' | null;
  /** td id of the parent ('' = none): becomes the GitHub parent (sub-issue). */
  parentTdId: string;
  /** td ids this issue depends on. */
  deps: string[];
}

/** What the backend writes for one log, handoff or comment. */
export interface RecordDraft extends JsonObject {
  kind: 'log' | 'handoff' | 'comment';
  tdId: string;
  issueTdId: string;
  record: JsonObject;
  /** Visible text above the structured block (undefined = the default rendering). */
  text?: string;
}

export function issueDraft(row: JsonObject, deps: readonly string[], labels: LabelScheme): IssueDraft {
  const {description, ...rest} = row;
  const deleted = row.deleted_at !== undefined && row.deleted_at !== null && row.deleted_at !== '';
  const closed = row.status === 'closed';
  const state = deleted || closed ? 'CLOSED' : 'OPEN';
  const wanted = labels.forIssue({status: state === 'OPEN' ? row.status : undefined, priority: row.priority, type: row.type});
  return {
    kind: 'issue',
    tdId: String(row.id),
    title: String(row.title ?? ''),
    text: normalizeText(String(description ?? '')),
    row: rest as JsonObject,
    labels: wanted,
    state,
    stateReason: deleted ? 'NOT_PLANNED' : closed ? 'COMPLETED' : null,
    parentTdId: String(row.parent_id ?? ''),
    deps: [...deps],
  };
}

/** GitHub's title for a draft: never empty, at most 256 characters. */
export function shownTitle(title: string): string {
  const t = title.replace(/\s+/g, ' ').trim() || '(untitled td task)';
  if (t.length <= TITLE_LIMIT) return t;
  return `${t.slice(0, cutAt(t, TITLE_LIMIT - 1))}…`;
}

/** The block fields for a draft. */
export function blockFor(draft: IssueDraft, shown: string): BlockFields {
  const row = {...draft.row, title: String(draft.row.title ?? draft.title)};
  const f: BlockFields = {v: 1, id: draft.tdId, row, deps: [...draft.deps].sort(), textHash: hashText(draft.text)};
  if (shown !== row.title) f.shownTitle = shown;
  return f;
}

/** The GitHub issue as the backend reads it. */
export interface RemoteIssue {
  id: string;
  number: number;
  title: string;
  body: string;
  state: 'OPEN' | 'CLOSED';
  stateReason?: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt?: string | null;
  author?: {login: string} | null;
  labels?: {nodes: {id: string; name: string}[]} | null;
  parent?: {id: string; number?: number} | null;
  repository?: {nameWithOwner: string};
}

export interface ViewInputs {
  remote: RemoteIssue;
  parsed: ParsedBody;
  /** The block as last read when the current one is missing or mangled. */
  fallback?: BlockFields;
  /** td id for an issue without a readable block. */
  tdId: string;
  labels: LabelScheme;
  /** td-owned label names seen last time (to tell a person's newly added label). */
  previousLabels?: string[];
  /** Whether GitHub showed a parent last time (only a seen removal clears td's parent). */
  previousParent?: string | null;
  /** td id of the GitHub parent, when it is a td issue. */
  parentTdId?: string;
  /** Overflow text re-assembled from comments. */
  overflow?: {description?: string; acceptance?: string};
}

const VISIBLE = ['title', 'description', 'status', 'priority', 'type', 'parent_id', 'closed_at', 'deleted_at'] as const;

/** The td row a GitHub issue stands for. */
export function viewOf(i: ViewInputs): {row: JsonObject; deps: string[]; block?: BlockFields} {
  const block = i.parsed.fields ?? i.fallback;
  const r = i.remote;
  const base: JsonObject = block
    ? {...block.row}
    : {
        id: i.tdId,
        title: r.title,
        status: 'open',
        type: 'task',
        priority: 'P2',
        points: 0,
        labels: [],
        parent_id: '',
        acceptance: '',
        implementer_session: '',
        creator_session: '',
        reviewer_session: '',
        created_at: r.createdAt,
        updated_at: r.updatedAt,
        minor: false,
        defer_count: 0,
      };
  base.id = i.tdId;
  if (i.overflow?.acceptance !== undefined && block?.overflow?.acceptance) base.acceptance = i.overflow.acceptance;
  const row: JsonObject = {...base};
  const shown = block ? (block.shownTitle ?? String(block.row.title ?? '')) : undefined;
  if (shown === undefined || normalizeText(r.title) !== shown) row.title = normalizeText(r.title);
  row.description = i.parsed.text + (block?.overflow?.description ? (i.overflow?.description ?? '') : '');
  const names = (r.labels?.nodes ?? []).map((l) => l.name);
  const fromLabels = i.labels.read(names, i.previousLabels);
  if (fromLabels.priority) row.priority = fromLabels.priority;
  if (fromLabels.type) row.type = fromLabels.type;
  if (r.state === 'CLOSED') {
    if (r.stateReason === 'NOT_PLANNED') {
      if (!row.deleted_at) row.deleted_at = r.closedAt ?? r.updatedAt;
    } else {
      row.deleted_at = base.deleted_at ?? undefined;
      if (row.deleted_at === undefined) delete row.deleted_at;
      if (row.status !== 'closed') {
        row.status = 'closed';
        row.closed_at = r.closedAt ?? r.updatedAt;
      }
    }
  } else {
    if (row.deleted_at) delete row.deleted_at;
    if (fromLabels.status) row.status = fromLabels.status;
    else if (row.status === 'closed') row.status = 'open';
    // Reopened on GitHub: the close time goes (td's reopen clears it too); td's own rows keep theirs.
    if (base.status === 'closed' && row.status !== 'closed') delete row.closed_at;
  }
  if (r.parent && i.parentTdId) row.parent_id = i.parentTdId;
  else if (!r.parent && i.previousParent) row.parent_id = '';
  if (row.status === 'open') row.implementer_session = '';
  // A change a person made on GitHub is stamped with GitHub's time, the same on every device.
  const textEdited = block?.textHash !== undefined && hashText(String(row.description)) !== block.textHash;
  if (textEdited || VISIBLE.some((k) => k !== 'description' && !sameValue(row[k], base[k]))) {
    row.updated_at = r.updatedAt;
  }
  return {row, deps: [...(block?.deps ?? [])].sort(), block};
}

export function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v === undefined || v === null || v === '' ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return norm(a) === norm(b);
}

/** Keys whose values differ between two td rows (absent, null and '' are the same). */
export function changedKeys(before: JsonObject, after: JsonObject): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => k !== 'id' && !sameValue(before[k], after[k])).sort();
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** td id for an issue made on GitHub: derived from its node id, so every device picks the same. */
export function importedIssueId(repoKey: string, nodeId: string): string {
  return `td-${sha(`${repoKey}|${nodeId}`).slice(0, 6)}`;
}

export function importedCommentId(nodeId: string): string {
  return `cm-${sha(`github-comment|${nodeId}`).slice(0, 8)}`;
}

/** A stable 48-bit number for a pulled change (the same on every device that pulls it). */
export function syntheticActionId(...parts: string[]): number {
  return Number.parseInt(sha(parts.join('|')).slice(0, 12), 16);
}

/** The device id pulled GitHub changes carry (never equal to a real td device id by chance). */
export function remoteDeviceId(target: string): string {
  return sha(`github-remote|${target}`).slice(0, 32);
}

/**
 * GitHub times have one-second resolution; a change stamped 12:00:05Z happened somewhere in that
 * second. Stamp it at the second's end so a same-second local write made before it does not
 * outrank it in last-writer-wins (push compares with the same rule).
 */
export function remoteStamp(githubTime: string): string {
  const t = Date.parse(githubTime);
  if (!Number.isFinite(t)) return githubTime;
  return t % 1000 === 0 ? new Date(t + 999).toISOString() : new Date(t).toISOString();
}

export function hashText(s: string): string {
  return sha(normalizeText(s)).slice(0, 16);
}
