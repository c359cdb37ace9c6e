/**
 * The text td writes into GitHub: the managed block at the end of an issue body and the record
 * comments (logs, handoffs, comments, overflow). Markers are HTML comments (invisible when
 * rendered); structured data is JSON inside a `<details>` block with `<`, `>`, `&` and backticks
 * escaped, so the JSON can never close the comment, the HTML or the code fence around it.
 */

/** GitHub's limit for issue and comment bodies (characters). JS `.length` is a stricter count. */
export const BODY_LIMIT = 65_536;
/** GitHub's limit for issue titles. */
export const TITLE_LIMIT = 256;

export function normalizeText(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

/** JSON that is safe inside HTML, Markdown fences and HTML comments. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 1).replace(/[<>&`]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Cut at most `n` UTF-16 units without splitting a surrogate pair. */
export function cutAt(s: string, n: number): number {
  if (n >= s.length) return s.length;
  if (n <= 0) return 0;
  const code = s.charCodeAt(n - 1);
  return code >= 0xd800 && code <= 0xdbff ? n - 1 : n;
}

const DETAILS_OPEN = (summary: string) => `<details><summary>${summary}</summary>\n\n\`\`\`json\n`;
const DETAILS_CLOSE = '\n```\n\n</details>';

function details(summary: string, value: unknown): string {
  return `${DETAILS_OPEN(summary)}${safeJson(value)}${DETAILS_CLOSE}`;
}

/** Parse the JSON of the last `<details>` json block in `text` (undefined when absent or broken). */
function lastDetailsJson(text: string): unknown {
  const start = text.lastIndexOf('```json\n');
  if (start < 0) return undefined;
  const from = start + '```json\n'.length;
  const end = text.indexOf('\n```', from);
  if (end < 0) return undefined;
  try {
    return JSON.parse(text.slice(from, end));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Managed block in the issue body

export interface BlockFields {
  v: 1;
  /** td issue id. */
  id: string;
  /** The td issue row except `description` (which is the visible body text). */
  row: Record<string, unknown>;
  /** td ids this issue depends on (issue_dependencies, relation depends_on). */
  deps: string[];
  /** The GitHub title td wrote, when it differs from the td title (too long, or a plugin changed it). */
  shownTitle?: string;
  /** Hash of the description td wrote (a different visible text = a person's edit). */
  textHash?: string;
  /** Set when text did not fit the body: how many overflow comments hold the rest, per field. */
  overflow?: {description?: number; acceptance?: number};
}

export interface DepView {
  id: string;
  number?: number;
  closed?: boolean;
}

/** td ids are `td-` + hex, but imported or test ids may carry other safe characters. */
const BEGIN_RE = /<!-- td:begin ([A-Za-z0-9_.:-]+) -->/;

export function renderBlock(fields: BlockFields, deps: readonly DepView[] = []): string {
  const row = fields.row;
  const facts = [`td task \`${fields.id}\``];
  if (row.points) facts.push(`${row.points} points`);
  if (row.parent_id) facts.push(`parent \`${String(row.parent_id)}\``);
  if (row.sprint) facts.push(`sprint ${String(row.sprint)}`);
  if (row.due_date) facts.push(`due ${String(row.due_date)}`);
  const parts = [`<!-- td:begin ${fields.id} -->`, '---', `<sub>${facts.join(' · ')} · managed by td sync: edit these fields in td</sub>`];
  const acceptance = String(row.acceptance ?? '');
  // Shown for people only (the JSON below is what td reads); markers inside it are defused.
  if (acceptance) parts.push('', '**Acceptance criteria**', '', acceptance.replace(/<!--/g, '&lt;!--'));
  if (deps.length > 0) {
    parts.push('', '**Depends on**', '');
    for (const d of deps) parts.push(`- [${d.closed ? 'x' : ' '}] ${d.number ? `#${d.number} ` : ''}\`${d.id}\``);
  }
  parts.push('', details('td fields', fields), `<!-- td:end ${fields.id} -->`);
  return parts.join('\n');
}

export interface ParsedBody {
  /** The person-visible text outside the managed block (td's description). */
  text: string;
  /** td id from the begin marker. */
  tdId?: string;
  /** The block's fields; undefined when there is no block or it is mangled. */
  fields?: BlockFields;
  /** A begin marker exists but the block cannot be read whole. */
  mangled: boolean;
}

export function parseBody(body: string): ParsedBody {
  const norm = normalizeText(body);
  const m = BEGIN_RE.exec(norm);
  if (!m) return {text: norm, mangled: false};
  const tdId = m[1]!;
  const before = norm.slice(0, m.index).replace(/\n\n$/, '').replace(/\n$/, '');
  const endMarker = `<!-- td:end ${tdId} -->`;
  const endIdx = norm.lastIndexOf(endMarker);
  if (endIdx < m.index) return {text: before, tdId, mangled: true};
  const inner = norm.slice(m.index, endIdx);
  const after = norm.slice(endIdx + endMarker.length).replace(/^\n+/, '');
  const text = after ? (before ? `${before}\n\n${after}` : after) : before;
  const json = lastDetailsJson(inner) as BlockFields | undefined;
  const ok = json && typeof json === 'object' && json.id === tdId && typeof json.row === 'object' && json.row !== null && Array.isArray(json.deps);
  return ok ? {text, tdId, fields: json, mangled: false} : {text, tdId, mangled: true};
}

export function renderBody(text: string, block: string): string {
  return text ? `${text}\n\n${block}` : block;
}

/** Split long text into pieces whose escaped JSON fits a comment. */
export function chunkText(text: string, size = 20_000): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let n = cutAt(text.slice(i), size);
    while (n > 1 && safeJson(text.slice(i, i + n)).length > BODY_LIMIT - 2_000) n = cutAt(text.slice(i), Math.floor(n / 2));
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

export interface OverflowPart {
  field: 'description' | 'acceptance';
  part: number;
  text: string;
}

export interface FittedBody {
  body: string;
  fields: BlockFields;
  /** Text that did not fit, to be written as overflow comments. */
  overflow: OverflowPart[];
}

/**
 * Render the body, moving whatever does not fit GitHub's limit into overflow parts (nothing is
 * ever cut off): first the acceptance criteria, then the tail of the description.
 */
export function fitBody(text: string, fields: BlockFields, deps: readonly DepView[] = [], limit = BODY_LIMIT): FittedBody {
  const full = renderBody(text, renderBlock(fields, deps));
  if (full.length <= limit) return {body: full, fields: {...fields, overflow: undefined}, overflow: []};
  const overflow: OverflowPart[] = [];
  let f: BlockFields = {...fields, row: {...fields.row}};
  const acceptance = String(f.row.acceptance ?? '');
  const probe = (ff: BlockFields) => renderBlock({...ff, overflow: {description: 999, acceptance: 999}}, deps);
  if (probe(f).length > limit / 2 && acceptance) {
    const parts = chunkText(acceptance);
    parts.forEach((t, i) => overflow.push({field: 'acceptance', part: i + 1, text: t}));
    f.row.acceptance = '';
    f = {...f, overflow: {acceptance: parts.length}};
  }
  const block = probe(f);
  const room = Math.max(0, limit - block.length - 4);
  const head = text.slice(0, cutAt(text, room));
  const tail = text.slice(head.length);
  if (tail) {
    const parts = chunkText(tail);
    parts.forEach((t, i) => overflow.push({field: 'description', part: i + 1, text: t}));
    f = {...f, overflow: {...f.overflow, description: parts.length}};
  }
  return {body: renderBody(head, renderBlock(f, deps)), fields: f, overflow};
}

// ---------------------------------------------------------------------------------------------
// Record comments

export type RecordKind = 'log' | 'handoff' | 'comment' | 'overflow';

export interface ParsedComment {
  kind: RecordKind;
  /** td id of the record (lg-…, ho-…, cm-…), or `<issue>:<field>:<part>` for overflow. */
  id: string;
  issueId?: string;
  /** Text before the marker (what a person sees and may edit). */
  text: string;
  record?: Record<string, unknown>;
}

const COMMENT_RE = /<!-- td:(log|handoff|comment|overflow) ([A-Za-z0-9_.:-]+)(?: on ([A-Za-z0-9_.:-]+))? -->/g;

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string' && v.trim().startsWith('[')) {
    try {
      const p = JSON.parse(v);
      return Array.isArray(p) ? p.map(String) : [];
    } catch {
      return [];
    }
  }
  return [];
}

function visibleFor(kind: RecordKind, record: Record<string, unknown>): string {
  if (kind === 'comment') return String(record.text ?? '');
  if (kind === 'log') return `**td log · ${String(record.type ?? 'progress')}**\n\n${String(record.message ?? '')}`;
  if (kind === 'handoff') {
    const out = ['**td handoff**'];
    for (const k of ['done', 'remaining', 'decisions', 'uncertain']) {
      const items = list(record[k]);
      if (items.length) out.push('', `**${k[0]!.toUpperCase()}${k.slice(1)}**`, ...items.map((i) => `- ${i}`));
    }
    return out.join('\n');
  }
  return `*td: continuation of ${String(record.field)} (part ${String(record.part)})*`;
}

export function renderComment(kind: RecordKind, id: string, issueId: string, record: Record<string, unknown>, visible?: string): string {
  const text = visible ?? visibleFor(kind, record);
  const marker = `<!-- td:${kind} ${id} on ${issueId} -->`;
  return `${text}\n\n${marker}\n${details(`td ${kind} record`, record)}`;
}

export function parseComment(body: string): ParsedComment | undefined {
  const norm = normalizeText(body);
  let last: RegExpExecArray | undefined;
  for (const m of norm.matchAll(COMMENT_RE)) last = m as RegExpExecArray;
  if (!last) return undefined;
  const text = norm.slice(0, last.index).replace(/\n\n$/, '').replace(/\n$/, '');
  const rec = lastDetailsJson(norm.slice(last.index));
  return {
    kind: last[1] as RecordKind,
    id: last[2]!,
    issueId: last[3],
    text,
    record: rec && typeof rec === 'object' && !Array.isArray(rec) ? (rec as Record<string, unknown>) : undefined,
  };
}

export function overflowId(issueId: string, field: string, part: number): string {
  return `${issueId}:${field}:${part}`;
}
