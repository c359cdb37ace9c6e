/**
 * Pull: one page of GitHub issues changed since the watermark (minus an overlap), oldest change
 * first, each diffed against the last state this target saw. Differences become td events
 * (through the `mapRemote` hook); td's own writes read back equal to their snapshot, so nothing is
 * echoed. Snapshots and links are staged: they commit with the page's cursor.
 */
import {deterministicId, type BackendContext, type CanonicalAction, type EntityType, type JsonObject, type PullRequest, type PullResult, type RunContext, type SyncEvent} from 'td-sync-sdk';
import type {GitHubConfig} from './config.js';
import {decodeCursor, encodeCursor, maxTime, nextCursor, sinceFor} from './cursor.js';
import {PULL_PAGE} from './documents.js';
import type {LabelScheme} from './labels.js';
import {changedKeys, hashText, remoteStamp, importedCommentId, importedIssueId, remoteDeviceId, syntheticActionId, viewOf, type RemoteIssue} from './mapping.js';
import {normalizeText, parseBody, parseComment} from './markers.js';
import type {Remote, RemoteComment} from './remote.js';
import type {BackendState, CommentSeen, DeferredDep, IssueSnapshot} from './state.js';

interface PageIssue extends RemoteIssue {
  comments: {totalCount: number; pageInfo: {hasNextPage: boolean; endCursor: string | null}; nodes: RemoteComment[]};
}

type Page = {repository: {issues: {pageInfo: {hasNextPage: boolean; endCursor: string | null}; nodes: PageIssue[]}} | null};

/** Everything a page shows of an issue, hashed: the cheap "did anything change" test. */
function fingerprint(issue: PageIssue): string {
  return hashText(JSON.stringify([issue.title, issue.body, issue.state, issue.stateReason, issue.parent?.id ?? null, (issue.labels?.nodes ?? []).map((l) => l.name).sort(), issue.comments.totalCount, issue.comments.nodes.map((c) => [c.id, c.updatedAt, hashText(c.body)])]));
}

const ENTITY_OF: Record<string, EntityType> = {log: 'logs', handoff: 'handoffs', comment: 'comments'};

export class Puller {
  private readonly device: string;
  /** The GitHub object each event came from (what `mapRemote` taps see as `remote`). */
  private readonly origin = new WeakMap<SyncEvent, unknown>();
  private readonly fingerprints = new Map<string, string>();

  constructor(
    private readonly ctx: BackendContext,
    private readonly remote: Remote,
    private readonly state: BackendState,
    private readonly scheme: LabelScheme,
    private readonly config: GitHubConfig,
    private readonly run: RunContext,
  ) {
    this.device = remoteDeviceId(ctx.target);
  }

  private event(actionType: CanonicalAction, entityType: EntityType, entityId: string, newData: JsonObject | null, previousData: JsonObject | null, stamp: string, why: string): SyncEvent {
    return {
      clientActionId: syntheticActionId(this.ctx.target, entityType, entityId, stamp, why),
      deviceId: this.device,
      sessionId: 'github',
      actionType,
      entityType,
      entityId,
      payload: {schemaVersion: 1, newData, previousData},
      clientTimestamp: remoteStamp(stamp),
      sourceAction: why,
      remoteSeq: stamp,
    };
  }

  async pull(request: PullRequest): Promise<PullResult> {
    const cursor = decodeCursor(request.cursor);
    // When a full scan is due is a schedule, not a watermark: the host clock decides it.
    const since = sinceFor(cursor, this.config.overlapSeconds, this.config.reconcileHours, this.ctx.now());
    const first = Math.max(1, Math.min(this.config.pageSize, request.limit || this.config.pageSize));
    const data = await this.remote.client.query<Page>(PULL_PAGE, {
      owner: this.config.owner,
      name: this.config.name,
      first,
      after: cursor.a ?? null,
      since,
      labels: this.config.import === 'all' ? null : [this.config.managedLabel],
    });
    const conn = data.repository?.issues;
    if (!data.repository) throw new Error(`repository ${this.config.repo} not found`);
    const issues = conn?.nodes ?? [];
    const out = {issues: [] as SyncEvent[], deps: [] as SyncEvent[], records: [] as SyncEvent[]};
    let pageMax: string | null = null;
    const deferred = [...this.state.deferredDeps()];
    for (const issue of issues) {
      pageMax = maxTime(pageMax, issue.updatedAt);
      const snap = this.state.snapshot(issue.id);
      // updatedAt has one-second resolution: equal stamps are not proof of equal content.
      const fp = fingerprint(issue);
      if (snap && snap.updatedAt === issue.updatedAt && snap.fingerprint === fp) continue;
      this.fingerprints.set(issue.id, fp);
      await this.issueEvents(issue, snap, out, deferred);
    }
    // Dependencies whose other end was not known yet: emit once it is.
    const still: DeferredDep[] = [];
    for (const d of deferred) {
      if (this.state.issueLink(d.dep)) out.deps.push(this.depEvent('create', d.issue, d.dep, d.type, d.at));
      else still.push(d);
    }
    if (still.length !== this.state.deferredDeps().length || deferred.length !== still.length) this.state.stageDeferredDeps(still);
    // A person's changes td's newer push overwrote: the engine decides them (onConflict).
    if (!cursor.a) {
      for (const {tdId, change} of this.state.overridden()) {
        const ev = this.event('update', 'issues', tdId, {...change.previous, ...change.fields}, change.previous, change.at, 'update_overwritten');
        out.issues.push({...ev, clientTimestamp: change.at}); // exact: not rounded to a second's end
        this.state.dropOverridden(tdId);
      }
    }
    const events: SyncEvent[] = [];
    for (const e of [...out.issues, ...out.deps, ...out.records]) {
      const mapped = await this.ctx.hooks.mapRemote.promise(e, this.origin.get(e) ?? null, this.run);
      if (mapped) events.push(mapped);
    }
    const hasNext = Boolean(conn?.pageInfo.hasNextPage);
    const serverTime = this.remote.client.serverDate?.toISOString() ?? null;
    const next = nextCursor(cursor, since, pageMax, conn?.pageInfo.endCursor ?? null, hasNext, serverTime);
    const fullScanStart = cursor.a ? cursor.rs ?? null : since === null ? this.ctx.now().toISOString() : null;
    if (hasNext) next.rs = fullScanStart;
    else if (fullScanStart) next.r = fullScanStart;
    return {events, cursor: encodeCursor(next), hasMore: hasNext};
  }

  private depEvent(action: 'create' | 'delete', issue: string, dep: string, type: string, stamp: string): SyncEvent {
    const id = deterministicId.dependency(issue, dep, type);
    const row = {id, issue_id: issue, depends_on_id: dep, relation_type: type};
    return this.event(action, 'issue_dependencies', id, action === 'create' ? row : null, action === 'delete' ? row : null, stamp, action === 'create' ? 'add_dependency' : 'remove_dependency');
  }

  private tdIdFor(issue: RemoteIssue, blockId: string | undefined): {tdId?: string; imported: boolean} {
    const linked = this.state.tdIdOf(issue.id);
    if (linked) return {tdId: linked, imported: false};
    if (blockId) {
      const other = this.state.issueLink(blockId);
      // A block copied into another issue by hand does not make that issue the same task.
      if (!other || other.nodeId === issue.id) return {tdId: blockId, imported: false};
    }
    if (this.config.import === 'none') return {imported: false};
    const repoKey = this.state.repo()?.id ?? this.config.repo;
    return {tdId: importedIssueId(repoKey, issue.id), imported: true};
  }

  private async issueEvents(issue: PageIssue, snap: IssueSnapshot | undefined, out: {issues: SyncEvent[]; deps: SyncEvent[]; records: SyncEvent[]}, deferred: DeferredDep[]): Promise<void> {
    const parsed = parseBody(issue.body);
    const {tdId} = this.tdIdFor(issue, parsed.tdId);
    if (!tdId) return;
    let linkedBefore = this.state.issueLink(tdId);
    if (!linkedBefore && this.state.issueIntents().some((i) => i.tdId === tdId) && parsed.tdId === tdId) {
      // This device created it but died (or GitHub failed to answer) before recording it: adopt.
      linkedBefore = {nodeId: issue.id, number: issue.number};
      this.state.linkIssue(tdId, linkedBefore);
    }
    const fullComments = issue.comments.pageInfo.hasNextPage ? await this.remote.allComments(issue.id, issue.comments) : issue.comments.nodes;
    // overflow text, re-assembled in part order
    const parts: Record<string, {part: number; text: string}[]> = {};
    for (const c of fullComments) {
      const p = parseComment(c.body);
      if (p?.kind === 'overflow' && p.issueId === tdId && p.record) {
        const field = String(p.record.field);
        (parts[field] ??= []).push({part: Number(p.record.part), text: String(p.record.text ?? '')});
      }
    }
    const joined = (f: string) => (parts[f] ? parts[f].sort((a, b) => a.part - b.part).map((p) => p.text).join('') : undefined);
    const view = viewOf({
      remote: issue,
      parsed: parsed.tdId === tdId ? parsed : {...parsed, fields: undefined, mangled: Boolean(parsed.tdId)},
      fallback: snap?.block,
      tdId,
      labels: this.scheme,
      previousLabels: snap?.labels,
      previousParent: snap?.parentNode,
      parentTdId: issue.parent ? this.state.tdIdOf(issue.parent.id) : undefined,
      overflow: {description: joined('description'), acceptance: joined('acceptance')},
    });
    const mark = (list: SyncEvent[], from: number, remote: unknown) => list.slice(from).forEach((e) => this.origin.set(e, remote));
    const counts = {i: out.issues.length, d: out.deps.length, r: out.records.length};
    try {
      this.emit(issue, snap, out, deferred, view, tdId, linkedBefore !== undefined, fullComments, parsed.text.length);
    } finally {
      mark(out.issues, counts.i, issue);
      mark(out.deps, counts.d, issue);
      mark(out.records, counts.r, issue);
    }
  }

  private emit(
    issue: PageIssue,
    snap: IssueSnapshot | undefined,
    out: {issues: SyncEvent[]; deps: SyncEvent[]; records: SyncEvent[]},
    deferred: DeferredDep[],
    view: ReturnType<typeof viewOf>,
    tdId: string,
    wasLinked: boolean,
    fullComments: RemoteComment[],
    headLength: number,
  ): void {
    const stamp = issue.updatedAt;
    const linkedBefore = wasLinked;
    if (!snap) {
      // Never seen by this target. If this device created it (linked, snapshot lost in a crash),
      // its td row is the source: re-creating would replace the row and its children.
      if (!linkedBefore) out.issues.push(this.event('create', 'issues', tdId, view.row, null, stamp, 'create'));
    } else if (changedKeys(snap.view, view.row).length > 0) {
      out.issues.push(this.event('update', 'issues', tdId, view.row, snap.view, stamp, 'update'));
    }
    if (!linkedBefore) this.state.linkIssue(tdId, {nodeId: issue.id, number: issue.number}, false);
    // dependencies
    const before = new Set(snap ? snap.deps : linkedBefore ? view.deps : []);
    const now = new Set(view.deps);
    for (const key of now) {
      if (before.has(key)) continue;
      const [dep, type = 'depends_on'] = key.split('|') as [string, string?];
      if (this.state.issueLink(dep)) out.deps.push(this.depEvent('create', tdId, dep, type, stamp));
      else deferred.push({issue: tdId, dep, type, at: stamp});
    }
    for (const key of before) {
      if (now.has(key)) continue;
      const [dep, type = 'depends_on'] = key.split('|') as [string, string?];
      out.deps.push(this.depEvent('delete', tdId, dep, type, stamp));
    }
    // comments
    const seen: Record<string, CommentSeen> = {};
    const old = snap?.comments ?? {};
    for (const c of fullComments) {
      const hash = hashText(c.body);
      const prev = old[c.id];
      const p = parseComment(c.body);
      if (prev) {
        seen[c.id] = {...prev, hash};
        if (prev.hash === hash) continue;
        if (prev.kind === 'comment' || prev.kind === 'ui') {
          const text = prev.kind === 'ui' ? normalizeText(c.body) : p?.text ?? normalizeText(c.body);
          const prevText = p?.record?.text;
          if (prev.kind === 'ui' || text !== prevText) {
            out.records.push(this.event('update', 'comments', prev.id, {id: prev.id, issue_id: tdId, text}, {id: prev.id, issue_id: tdId}, c.updatedAt, 'update'));
          }
        }
        continue;
      }
      if (p && p.kind !== 'overflow') {
        seen[c.id] = {kind: p.kind, id: p.id, hash};
        if (this.state.recordLink(p.id) || !p.record) continue; // written by this target
        if (this.state.recordIntents().some((r) => r.recordId === p.id)) {
          this.state.linkRecord(p.id, c.id, issue.id); // ours, written just before a crash: adopt
          continue;
        }
        const record: JsonObject = {...p.record, id: p.id, issue_id: tdId};
        if (p.kind === 'comment' && p.text !== String(p.record.text ?? '')) record.text = p.text;
        this.state.linkRecord(p.id, c.id, issue.id, false);
        out.records.push(this.event('create', ENTITY_OF[p.kind]!, p.id, record, null, c.createdAt, p.kind === 'handoff' ? 'handoff' : 'create'));
      } else if (p?.kind === 'overflow') {
        seen[c.id] = {kind: 'overflow', id: p.id, hash};
      } else {
        // A comment a person wrote on GitHub becomes a td comment (same id on every device).
        const id = importedCommentId(c.id);
        seen[c.id] = {kind: 'ui', id, hash};
        if (this.state.recordLink(id)) continue;
        this.state.linkRecord(id, c.id, issue.id, false);
        out.records.push(
          this.event('create', 'comments', id, {id, issue_id: tdId, session_id: `github:${c.author?.login ?? 'ghost'}`, text: normalizeText(c.body), created_at: c.createdAt}, null, c.createdAt, 'create'),
        );
      }
    }
    for (const [nodeId, prev] of Object.entries(old)) {
      if (seen[nodeId]) continue;
      // Deleted on GitHub: td comments follow; logs and handoffs are td's history and stay.
      if (prev.kind === 'ui' || prev.kind === 'comment') {
        out.records.push(this.event('delete', 'comments', prev.id, null, {id: prev.id, issue_id: tdId}, issue.updatedAt, 'delete'));
        this.state.raw.delete(`rec:${prev.id}`);
      }
    }
    this.state.stageSnapshot({
      tdId,
      nodeId: issue.id,
      number: issue.number,
      updatedAt: issue.updatedAt,
      view: view.row,
      deps: view.deps,
      labels: (issue.labels?.nodes ?? []).map((l) => l.name).filter((n) => this.scheme.isOwned(n)).sort(),
      parentNode: issue.parent?.id ?? null,
      title: normalizeText(issue.title),
      block: view.block,
      comments: seen,
      headLength,
      overflow: snap?.overflow,
      fingerprint: this.fingerprints.get(issue.id),
    });
  }
}
