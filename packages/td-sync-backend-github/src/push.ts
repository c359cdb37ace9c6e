/**
 * Push: td events -> GitHub writes, in phases so one request carries many mutations:
 *   0. replay creation intents left by a crash (listing scan; never the search API)
 *   1. fold the batch into one desired state per td issue (through the `mapEvent` hook)
 *   2. ensure td-owned labels (created once, cached)
 *   3. create missing issues (intent first, td id in the body; parents before children)
 *   4. update linked issues field by field against the last state seen (a field only a person
 *      changed on GitHub is left alone; a person's labels and text outside the block never move)
 *   5. post logs, handoffs and comments (one comment each, intent first) and overflow text
 * Every created issue/comment is linked durably the moment GitHub answers; snapshots are staged
 * so they commit with the acks. Content-creating mutations are never retried blindly.
 */
import {unwrapIssue, type BackendContext, type JsonObject, type PushAck, type PushRejection, type PushResult, type RunContext, type SyncEvent} from 'td-sync-sdk';
import {SELECT, type MutationSpec} from './documents.js';
import type {LabelScheme} from './labels.js';
import type {OverriddenChange} from './state.js';
import {blockFor, hashText, issueDraft, remoteStamp, sameValue, shownTitle, viewOf, type IssueDraft, type RecordDraft, type RemoteIssue} from './mapping.js';
import {BODY_LIMIT, fitBody, normalizeText, overflowId, parseBody, parseComment, renderComment, type DepView, type OverflowPart, type RecordKind} from './markers.js';
import type {AliasOutcome, Remote} from './remote.js';
import type {BackendState, IssueSnapshot} from './state.js';

interface Target {
  tdId: string;
  events: SyncEvent[];
  row: JsonObject;
  draft: IssueDraft;
  deps: string[];
  /** Set once GitHub has the issue. */
  nodeId?: string;
  current?: RemoteIssue;
  failed?: string;
}

/** Ids td writes into markers (td's own are `td-`/`lg-`/`cm-`/`ho-` + hex). */
const SAFE_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

const RECORD_ENTITIES: Record<string, RecordKind> = {logs: 'log', handoffs: 'handoff', comments: 'comment'};

function depKey(dep: string, type: string): string {
  return type && type !== 'depends_on' ? `${dep}|${type}` : dep;
}

export class Pusher {
  private readonly acks: PushAck[] = [];
  private readonly rejections: PushRejection[] = [];
  private readonly snaps = new Map<string, IssueSnapshot>();
  /** Ids of the existing non-td labels the drafts of this push name (see Remote.existingTeamLabels). */
  private teamIds: Record<string, string> = {};

  constructor(
    private readonly ctx: BackendContext,
    private readonly remote: Remote,
    private readonly state: BackendState,
    private readonly scheme: LabelScheme,
    private readonly run: RunContext,
  ) {}

  private now(): string {
    return (this.remote.client.serverDate ?? this.ctx.now()).toISOString();
  }

  private reject(events: readonly SyncEvent[], reason: string, message: string, retryable: boolean): void {
    for (const e of events) this.rejections.push({clientActionId: e.clientActionId, reason, message, retryable});
  }

  async push(events: readonly SyncEvent[]): Promise<PushResult> {
    const targets = new Map<string, Target>();
    const rows = new Map<string, {row: JsonObject | null; events: SyncEvent[]}>();
    const depOps = new Map<string, {ops: {key: string; add: boolean}[]; events: SyncEvent[]}>();
    const records: SyncEvent[] = [];

    for (const e of events) {
      if (!SAFE_ID.test(e.entityId)) {
        this.reject([e], 'invalid', `id ${JSON.stringify(e.entityId)} cannot be carried in a GitHub marker`, false);
        continue;
      }
      if (e.entityType === 'issues') {
        const prior = rows.get(e.entityId);
        const known = prior?.row ?? this.knownRow(e.entityId) ?? unwrapIssue(e.payload.previousData);
        let row: JsonObject | null;
        if (e.actionType === 'soft_delete' || e.actionType === 'delete') row = known ? {...known, deleted_at: e.clientTimestamp} : null;
        else if (e.actionType === 'restore') {
          row = unwrapIssue(e.payload.newData) ?? (known ? {...known} : null);
          if (row) delete row.deleted_at;
        } else row = unwrapIssue(e.payload.newData);
        const entry = prior ?? {row: null, events: []};
        if (row) entry.row = {...row, id: e.entityId};
        entry.events.push(e);
        rows.set(e.entityId, entry);
      } else if (e.entityType === 'issue_dependencies') {
        const data = e.payload.newData ?? e.payload.previousData ?? {};
        const issue = String(data.issue_id ?? '');
        const dep = String(data.depends_on_id ?? '');
        if (!issue || !dep) {
          this.reject([e], 'invalid', 'dependency event without issue_id/depends_on_id', false);
          continue;
        }
        const entry = depOps.get(issue) ?? {ops: [], events: []};
        entry.ops.push({key: depKey(dep, String(data.relation_type ?? 'depends_on')), add: e.actionType === 'create' || e.actionType === 'update' || e.actionType === 'restore'});
        entry.events.push(e);
        depOps.set(issue, entry);
      } else if (RECORD_ENTITIES[e.entityType]) records.push(e);
      else this.reject([e], 'unsupported', `the GitHub backend does not carry ${e.entityType}`, false);
    }

    await this.replayIntents();

    // 1. desired state per issue
    for (const tdId of new Set([...rows.keys(), ...depOps.keys()])) {
      const r = rows.get(tdId);
      const d = depOps.get(tdId);
      const evs = [...(r?.events ?? []), ...(d?.events ?? [])].sort((a, b) => a.clientActionId - b.clientActionId);
      const link = this.state.issueLink(tdId);
      const snap = link ? this.snapshot(link.nodeId) : undefined;
      const row = r?.row ?? snap?.view;
      if (!row) {
        this.reject(evs, r ? 'invalid' : 'orphan', r ? `issue ${tdId}: event carries no row` : `issue ${tdId} was never synced to GitHub`, false);
        continue;
      }
      const deps = new Set(snap?.deps ?? []);
      for (const op of d?.ops ?? []) op.add ? deps.add(op.key) : deps.delete(op.key);
      const draft0 = issueDraft(row, [...deps].sort(), this.scheme);
      const draft = (await this.ctx.hooks.mapEvent.promise(draft0, evs[evs.length - 1]!, this.run)) as IssueDraft;
      targets.set(tdId, {tdId, events: evs, row, draft: {...draft0, ...draft}, deps: [...deps].sort(), nodeId: link?.nodeId});
    }

    if (targets.size > 0) {
      // td-owned labels are created when missing; other names a mapEvent tap adds are looked up below.
      const labelNames = [...targets.values()].flatMap((t) => t.draft.labels).filter((n) => this.scheme.isOwned(n));
      await this.remote.ensureLabels(labelNames);
      // Labels outside the prefix (a mapEvent tap's team labels) are attached when the repository
      // already has them; td never creates them.
      this.teamIds = await this.remote.existingTeamLabels([...targets.values()].flatMap((t) => t.draft.labels).filter((n) => !this.scheme.isOwned(n)));
      const linked = [...targets.values()].filter((t) => t.nodeId);
      if (linked.length > 0) {
        const current = await this.remote.issuesById(linked.map((t) => t.nodeId!));
        for (const t of linked) {
          t.current = current.get(t.nodeId!);
          const home = t.current?.repository?.nameWithOwner;
          if (home && home.toLowerCase() !== this.remote.config.repo.toLowerCase()) t.current = undefined; // transferred away
          if (!t.current) {
            // Deleted or transferred on GitHub: keep td's task, stop mirroring it.
            this.reject(t.events, 'remote_missing', `GitHub issue for ${t.tdId} no longer exists (deleted or transferred)`, false);
            targets.delete(t.tdId);
          }
        }
      }
      const toCreate = [...targets.values()].filter((t) => !t.nodeId);
      const toUpdate = [...targets.values()].filter((t) => t.nodeId && t.current);
      await this.createIssues(toCreate);
      await this.updateIssues(toUpdate);
      for (const t of targets.values()) {
        if (t.failed) this.reject(t.events, 'transient', t.failed, true);
        else for (const e of t.events) this.acks.push({clientActionId: e.clientActionId, remoteSeq: t.current?.number});
      }
    }

    await this.pushRecords(records);
    for (const s of this.snaps.values()) this.state.stageSnapshot(s);
    return {acks: this.acks, rejections: this.rejections};
  }

  private knownRow(tdId: string): JsonObject | undefined {
    const link = this.state.issueLink(tdId);
    return link ? this.snapshot(link.nodeId)?.view : undefined;
  }

  private snapshot(nodeId: string): IssueSnapshot | undefined {
    return this.snaps.get(nodeId) ?? this.state.snapshot(nodeId);
  }

  // ---------------------------------------------------------------------------------------------
  // crash recovery

  /**
   * Intents left by a run that died between "GitHub created it" and "td recorded it". Issues:
   * list managed issues updated since the oldest intent (a creation is an update) and adopt any
   * whose body carries the td id. Comments: list the issue's comments for the record marker.
   * Only what is not found is created again.
   */
  async replayIntents(): Promise<{adopted: number; cleared: number}> {
    let adopted = 0;
    let cleared = 0;
    const issues = this.state.issueIntents().filter(({tdId}) => !this.state.issueLink(tdId));
    if (issues.length > 0) {
      const oldest = Math.min(...issues.map((i) => Date.parse(i.intent.at) || 0));
      const found = await this.scanForIssues(new Set(issues.map((i) => i.tdId)), new Date(oldest - 10 * 60_000));
      for (const {tdId} of issues) {
        const issue = found.get(tdId);
        if (issue) {
          this.state.linkIssue(tdId, {nodeId: issue.id, number: issue.number});
          adopted++;
        } else {
          this.state.clearIssueIntent(tdId);
          cleared++;
        }
      }
    }
    for (const {tdId} of this.state.issueIntents()) if (this.state.issueLink(tdId)) this.state.clearIssueIntent(tdId);
    const recs = this.state.recordIntents().filter(({recordId}) => !this.state.recordLink(recordId));
    const byIssue = new Map<string, string[]>();
    for (const r of recs) {
      if (!r.intent.issueNode) {
        this.state.clearRecordIntent(r.recordId);
        continue;
      }
      byIssue.set(r.intent.issueNode, [...(byIssue.get(r.intent.issueNode) ?? []), r.recordId]);
    }
    for (const [issueNode, ids] of byIssue) {
      const comments = await this.remote.allComments(issueNode);
      const byMarker = new Map<string, string>();
      for (const c of comments) {
        const p = parseComment(c.body);
        if (p) byMarker.set(p.id, c.id);
      }
      for (const id of ids) {
        const nodeId = byMarker.get(id);
        if (nodeId) {
          this.state.linkRecord(id, nodeId, issueNode);
          adopted++;
        } else {
          this.state.clearRecordIntent(id);
          cleared++;
        }
      }
    }
    for (const {recordId} of this.state.recordIntents()) if (this.state.recordLink(recordId)) this.state.clearRecordIntent(recordId);
    if (adopted + cleared > 0) this.ctx.logger.info(`github: reconciled ${adopted + cleared} interrupted write(s): ${adopted} found on GitHub, ${cleared} to redo`);
    return {adopted, cleared};
  }

  private async scanForIssues(want: Set<string>, since: Date): Promise<Map<string, RemoteIssue>> {
    const {SCAN_ISSUES} = await import('./documents.js');
    const found = new Map<string, RemoteIssue>();
    let after: string | null = null;
    for (;;) {
      type Page = {repository: {issues: {pageInfo: {hasNextPage: boolean; endCursor: string | null}; nodes: RemoteIssue[]}} | null};
      const data: Page = await this.remote.client.query<Page>(SCAN_ISSUES, {
        owner: this.remote.config.owner,
        name: this.remote.config.name,
        after,
        since: since.toISOString(),
        labels: [this.scheme.managed],
      });
      const conn = data.repository?.issues;
      for (const issue of conn?.nodes ?? []) {
        const id = parseBody(issue.body).tdId;
        if (id && want.has(id) && !found.has(id)) found.set(id, issue);
      }
      if (found.size === want.size || !conn?.pageInfo.hasNextPage) break;
      const oldest = conn.nodes[conn.nodes.length - 1];
      if (oldest && Date.parse(oldest.createdAt) < since.getTime()) break;
      after = conn.pageInfo.endCursor;
    }
    return found;
  }

  // ---------------------------------------------------------------------------------------------
  // issues

  private depViews(deps: readonly string[]): DepView[] {
    return deps.map((key) => {
      const id = key.split('|')[0]!;
      const link = this.state.issueLink(id);
      const snap = link ? this.snapshot(link.nodeId) : undefined;
      return {id, number: link?.number, closed: snap ? snap.view.status === 'closed' : undefined};
    });
  }

  private labelIds(names: readonly string[]): string[] {
    const map = this.state.labels();
    return names.map((n) => map[n]).filter((x): x is string => Boolean(x));
  }

  /** The draft's non-td labels that exist in the repository (the only ones td may attach). */
  private teamLabels(d: IssueDraft): string[] {
    return [...new Set(d.labels.filter((n) => !this.scheme.isOwned(n) && this.teamIds[n]))];
  }

  private async createIssues(list: Target[]): Promise<void> {
    const repo = await this.remote.repo();
    let pending = list;
    while (pending.length > 0) {
      const inBatch = new Set(pending.map((t) => t.tdId));
      // Parents first: a child waits while its parent is still to be created in this batch.
      const round = pending.filter((t) => !(t.draft.parentTdId && inBatch.has(t.draft.parentTdId) && t.draft.parentTdId !== t.tdId));
      const ready = round.length > 0 ? round : pending;
      const specs: MutationSpec[] = [];
      const fitted = ready.map((t) => {
        const shown = shownTitle(t.draft.title);
        const fit = fitBody(t.draft.text, blockFor(t.draft, shown), this.depViews(t.deps));
        // No parentIssueId here: a parent GitHub refuses (100 children, depth) would refuse the
        // whole creation. The parent link follows in the update round, where a refusal is harmless.
        const input: Record<string, unknown> = {repositoryId: repo.id, title: shown, body: fit.body, labelIds: [...this.labelIds(t.draft.labels), ...this.teamLabels(t.draft).map((n) => this.teamIds[n]!)]};
        specs.push({field: 'createIssue', inputType: 'CreateIssueInput', input, selection: SELECT.issue});
        return fit;
      });
      // Intent first, durable: after a crash the next run looks for these ids before creating.
      const at = this.now();
      for (const t of ready) this.state.intendIssue(t.tdId, {at, title: t.draft.title});
      await this.remote.mutate(specs, (i, o) => {
        const t = ready[i]!;
        const issue = (o.data as {issue?: RemoteIssue} | undefined)?.issue;
        if (o.ok && issue) {
          this.state.linkIssue(t.tdId, {nodeId: issue.id, number: issue.number});
          this.state.setAttached(t.tdId, this.teamLabels(t.draft));
          t.nodeId = issue.id;
          t.current = issue;
          this.remember(t, issue, fitted[i]!.overflow.length > 0 ? fitted[i]!.overflow : []);
        } else {
          t.failed = `creating the GitHub issue failed: ${o.error?.message ?? 'unknown'}`;
        }
      });
      pending = pending.filter((t) => !ready.includes(t));
    }
    // Created issues may still need a state change, a parent link or overflow comments.
    await this.updateIssues(list.filter((t) => t.nodeId && t.current && !t.failed));
  }

  private readonly overflowWanted = new Map<string, OverflowPart[]>();

  /** Per td issue: the non-td labels td will have attached after this update, and the ones it adds now. */
  private readonly overriddenPerson = new Map<string, OverriddenChange>();

  private readonly attachPlan = new Map<string, {names: string[]; added: string[]}>();

  /** Fields where GitHub keeps a person's newer value (td's snapshot keeps the old one, so pull brings it in). */
  private readonly keptPerson = new Map<string, Set<string>>();

  private remember(t: Target, issue: RemoteIssue, overflow: OverflowPart[]): void {
    this.overflowWanted.set(t.tdId, overflow);
    const prev = this.snapshot(issue.id);
    const parsed = parseBody(issue.body);
    const ovText = (field: 'description' | 'acceptance') => {
      const parts = overflow.filter((p) => p.field === field);
      return parts.length ? parts.map((p) => p.text).join('') : undefined;
    };
    const view = viewOf({
      remote: issue,
      parsed,
      tdId: t.tdId,
      labels: this.scheme,
      previousLabels: prev?.labels,
      previousParent: prev?.parentNode,
      parentTdId: issue.parent ? this.state.tdIdOf(issue.parent.id) : undefined,
      overflow: {description: ovText('description'), acceptance: ovText('acceptance')},
    });
    const kept = this.keptPerson.get(t.tdId);
    const base = prev?.view;
    if (kept && kept.size > 0 && base) for (const k of kept) view.row[k] = base[k];
    this.snaps.set(issue.id, {
      tdId: t.tdId,
      nodeId: issue.id,
      number: issue.number,
      // A kept person's change must still reach td on the next pull: do not let it look seen.
      updatedAt: kept && kept.size > 0 ? '' : issue.updatedAt,
      view: view.row,
      deps: view.deps,
      labels: kept && kept.size > 0 && prev ? prev.labels : (issue.labels?.nodes ?? []).map((l) => l.name).filter((n) => this.scheme.isOwned(n)).sort(),
      parentNode: issue.parent?.id ?? null,
      title: normalizeText(issue.title),
      block: view.block,
      comments: prev?.comments ?? {},
      overflow: prev?.overflow,
      headLength: parsed.text.length,
    });
  }

  private async updateIssues(list: Target[]): Promise<void> {
    if (list.length === 0) return;
    const specs: MutationSpec[] = [];
    const owner: Target[] = [];
    const after = new Map<string, RemoteIssue>();
    const add = (t: Target, spec: MutationSpec) => {
      specs.push(spec);
      owner.push(t);
    };
    for (const t of list) {
      const cur = t.current!;
      const snap = this.snapshot(cur.id);
      const base = snap?.view;
      const d = t.draft;
      const next: RemoteIssue = {...cur, labels: {nodes: [...(cur.labels?.nodes ?? [])]}};
      const kept = new Set<string>();
      this.keptPerson.set(t.tdId, kept);
      // Both sides changed a field since the last sync: the later change wins (the engine's
      // last-writer-wins by time), so td and GitHub agree; a person's newer value then reaches td
      // on pull as an update, where the engine's conflict detection and onConflict see it.
      const lastStamp = Date.parse(t.events[t.events.length - 1]?.clientTimestamp ?? '');
      const remoteNewer = Number.isFinite(lastStamp) && Date.parse(remoteStamp(cur.updatedAt)) > lastStamp;
      const personWins = (personChanged: boolean, tdChanged: boolean) => personChanged && (!tdChanged || remoteNewer);
      // title
      const shown = shownTitle(d.title);
      const tdChangedTitle = !snap || shown !== snap.title;
      const personChangedTitle = Boolean(snap) && normalizeText(cur.title) !== snap!.title;
      const title = personWins(personChangedTitle, tdChangedTitle) ? normalizeText(cur.title) : shown;
      if (title !== shown) kept.add('title');
      // A person's change td's newer one overwrites here: handed to the engine on the next pull
      // (see BackendState.overridden) so onConflict sees it, as it sees a person's newer change.
      const overridden: JsonObject = {};
      if (base && personChangedTitle && tdChangedTitle && !remoteNewer) overridden.title = normalizeText(cur.title);
      // text outside the block
      const parsed = parseBody(cur.body);
      const tdChangedText = !base || normalizeText(d.text) !== String(base.description ?? '');
      const headLen = snap?.headLength;
      const personText = parsed.text + (snap?.block?.overflow?.description && base ? String(base.description ?? '').slice(headLen ?? 0) : '');
      const personChangedText = Boolean(base) && personText !== String(base!.description ?? '');
      const text = personWins(personChangedText, tdChangedText) ? personText : d.text;
      if (personWins(personChangedText, tdChangedText)) kept.add('description');
      else if (personChangedText && tdChangedText) overridden.description = personText;
      // Fields td keeps in labels and the issue state, each merged on its own (a close by one side
      // and a delete by the other are different fields: both survive).
      const curView = viewOf({
        remote: cur,
        parsed,
        fallback: snap?.block,
        tdId: t.tdId,
        labels: this.scheme,
        previousLabels: snap?.labels,
        previousParent: snap?.parentNode,
        parentTdId: cur.parent ? this.state.tdIdOf(cur.parent.id) : undefined,
      }).row;
      const merged: JsonObject = {...d.row};
      for (const f of ['status', 'closed_at', 'deleted_at', 'priority', 'type']) {
        const personChanged = Boolean(base) && !sameValue(curView[f], base![f]);
        const tdChanged = !base || !sameValue(d.row[f], base[f]);
        if (personChanged && tdChanged && !personWins(personChanged, tdChanged) && !sameValue(curView[f], d.row[f])) overridden[f] = curView[f] ?? null;
        if (!personWins(personChanged, tdChanged)) continue;
        kept.add(f);
        if (curView[f] === undefined) delete merged[f];
        else merged[f] = curView[f];
      }
      const deleted = Boolean(merged.deleted_at);
      const closed = merged.status === 'closed';
      const kindOf = (n: string) => this.scheme.classify(n)?.kind;
      const target = new Set<string>([this.scheme.managed, ...d.labels.filter((n) => this.scheme.isOwned(n))]);
      const replaceKind = (kind: 'status' | 'priority' | 'type', name: string | undefined) => {
        for (const n of [...target]) if (kindOf(n) === kind) target.delete(n);
        if (name) target.add(name);
      };
      if (kept.has('priority')) replaceKind('priority', this.scheme.priority(String(merged.priority ?? '')));
      if (kept.has('type')) replaceKind('type', this.scheme.type(String(merged.type ?? '')));
      if (kept.has('status') || kept.has('deleted_at')) replaceKind('status', deleted || closed ? undefined : this.scheme.status(String(merged.status ?? '')));
      await this.remote.ensureLabels([...target]);
      const curOwned = (cur.labels?.nodes ?? []).filter((l) => this.scheme.isOwned(l.name));
      const toAdd = [...target].filter((n) => !curOwned.some((l) => l.name === n));
      const toRemove = curOwned.filter((l) => !target.has(l.name));
      // Non-td labels: add what the draft names and the issue lacks, unless td attached it before
      // and a person took it off since; take off only what td attached and the draft dropped.
      const curNames = new Set((cur.labels?.nodes ?? []).map((l) => l.name));
      const attached = this.state.attached(t.tdId);
      const draftTeam = new Set(d.labels.filter((n) => !this.scheme.isOwned(n)));
      const teamAdd = this.teamLabels(d).filter((n) => !curNames.has(n) && !attached.includes(n));
      const teamRemove = (cur.labels?.nodes ?? []).filter((l) => !this.scheme.isOwned(l.name) && attached.includes(l.name) && !draftTeam.has(l.name));
      this.attachPlan.set(t.tdId, {names: [...attached.filter((n) => draftTeam.has(n)), ...teamAdd], added: teamAdd});
      if (toAdd.length + teamAdd.length > 0) {
        const labelIds = [...this.labelIds(toAdd), ...teamAdd.map((n) => this.teamIds[n]!)];
        add(t, {field: 'addLabelsToLabelable', inputType: 'AddLabelsToLabelableInput', input: {labelableId: cur.id, labelIds}, selection: SELECT.labelable});
      }
      if (toRemove.length + teamRemove.length > 0) {
        add(t, {field: 'removeLabelsFromLabelable', inputType: 'RemoveLabelsFromLabelableInput', input: {labelableId: cur.id, labelIds: [...toRemove, ...teamRemove].map((l) => l.id)}, selection: SELECT.labelable});
      }
      const map = this.state.labels();
      next.labels = {
        nodes: [
          ...(cur.labels?.nodes ?? []).filter((l) => !toRemove.includes(l) && !teamRemove.includes(l)),
          ...toAdd.map((n) => ({id: map[n] ?? n, name: n})),
          ...teamAdd.map((n) => ({id: this.teamIds[n]!, name: n})),
        ],
      };
      // state
      const curClosedAs = cur.state === 'OPEN' ? 'OPEN' : cur.stateReason === 'NOT_PLANNED' ? 'NOT_PLANNED' : 'COMPLETED';
      const want = deleted ? 'NOT_PLANNED' : closed ? 'COMPLETED' : 'OPEN';
      if (want !== curClosedAs) {
        if (cur.state === 'CLOSED') add(t, {field: 'reopenIssue', inputType: 'ReopenIssueInput', input: {issueId: cur.id}, selection: SELECT.issueStamp});
        if (want !== 'OPEN') add(t, {field: 'closeIssue', inputType: 'CloseIssueInput', input: {issueId: cur.id, stateReason: want}, selection: SELECT.issueStamp});
        next.state = want === 'OPEN' ? 'OPEN' : 'CLOSED';
        next.stateReason = want === 'OPEN' ? 'REOPENED' : want;
        next.closedAt = want === 'OPEN' ? null : next.closedAt ?? this.now();
      }
      // parent (epics -> sub-issues)
      const wantParent = d.parentTdId ? this.state.issueLink(d.parentTdId)?.nodeId ?? null : null;
      const curParent = cur.parent?.id ?? null;
      const baseParent = snap ? snap.parentNode : undefined;
      const personMovedParent = baseParent !== undefined && curParent !== baseParent;
      const tdMovedParent = baseParent === undefined || wantParent !== baseParent;
      const keepParent = personWins(personMovedParent, tdMovedParent);
      if (keepParent) kept.add('parent_id');
      if (wantParent !== curParent && !keepParent) {
        if (wantParent && (!d.parentTdId || wantParent !== cur.id)) {
          add(t, {field: 'addSubIssue', inputType: 'AddSubIssueInput', input: {issueId: wantParent, subIssueId: cur.id, replaceParent: true}, selection: SELECT.subIssue});
          next.parent = {id: wantParent};
        } else if (!wantParent && curParent && d.parentTdId === '') {
          add(t, {field: 'removeSubIssue', inputType: 'RemoveSubIssueInput', input: {issueId: curParent, subIssueId: cur.id}, selection: SELECT.subIssue});
          next.parent = null;
        }
      }
      // The block carries the row as it now stands on GitHub: td's values, except the fields
      // where a newer change on GitHub was kept (so the block never contradicts the labels).
      const row: JsonObject = {...merged, title: title === shown ? d.row.title ?? d.title : title};
      if (kept.has('parent_id')) {
        if (curView.parent_id === undefined) delete row.parent_id;
        else row.parent_id = curView.parent_id;
      }
      const draftForBlock: IssueDraft = {...d, text, row};
      const fit = fitBody(text, blockFor(draftForBlock, title), this.depViews(t.deps));
      this.overflowWanted.set(t.tdId, fit.overflow);
      if (title !== cur.title || fit.body !== normalizeText(cur.body)) {
        const input: Record<string, unknown> = {id: cur.id};
        if (title !== cur.title) input.title = title;
        if (fit.body !== normalizeText(cur.body)) input.body = fit.body;
        add(t, {field: 'updateIssue', inputType: 'UpdateIssueInput', input, selection: SELECT.issueStamp});
        next.title = title;
        next.body = fit.body;
      }
      after.set(t.tdId, next);
      if (base && Object.keys(overridden).length > 0) {
        // Stamped before td's first write in this push: GitHub now shows td's value, so the
        // engine's default (last writer wins) must keep it too; only a tap can choose the person's.
        const firstTd = Date.parse(t.events[0]?.clientTimestamp ?? '');
        const person = Date.parse(remoteStamp(cur.updatedAt));
        const at = Number.isFinite(firstTd) ? Math.min(person, firstTd - 1) : person;
        this.overriddenPerson.set(t.tdId, {at: new Date(at).toISOString(), fields: overridden, previous: base});
      }
    }
    const stamps = new Map<string, string>();
    let labelsGone = false;
    await this.remote.mutate(specs, (i, o) => {
      this.noteOutcome(owner[i]!, specs[i]!, o, stamps, () => (labelsGone = true));
      // A refused parent link: GitHub keeps the old parent (td keeps its own in the block).
      if (!o.ok && (specs[i]!.field === 'addSubIssue' || specs[i]!.field === 'removeSubIssue')) {
        const n = after.get(owner[i]!.tdId);
        if (n) n.parent = owner[i]!.current?.parent ?? null;
      }
    });
    if (labelsGone) {
      // A person deleted a td label: list again, recreate, and add once more (adding is idempotent).
      this.remote.invalidateLabels();
      const retry = specs.map((s, i) => ({s, t: owner[i]!})).filter(({s, t}) => s.field === 'addLabelsToLabelable' && t.failed?.includes('label'));
      const names = retry.flatMap(({t}) => t.draft.labels);
      await this.remote.ensureLabels(names.filter((n) => this.scheme.isOwned(n)));
      // A team label may be the one deleted: forget its id, leave it off this time, and ask again next run.
      const teamNames = [...new Set(retry.flatMap(({t}) => this.attachPlan.get(t.tdId)?.added ?? []))];
      this.remote.forgetTeamLabels(teamNames);
      for (const {t} of retry) {
        const plan = this.attachPlan.get(t.tdId);
        if (plan) this.attachPlan.set(t.tdId, {names: plan.names.filter((n) => !plan.added.includes(n)), added: []});
        const n = after.get(t.tdId)!;
        n.labels = {nodes: n.labels!.nodes.filter((l) => this.scheme.isOwned(l.name) || !teamNames.includes(l.name))};
      }
      const specs2 = retry.map(({s, t}) => {
        t.failed = undefined;
        const want = after.get(t.tdId)!.labels!.nodes.map((l) => l.name).filter((n) => this.scheme.isOwned(n));
        return {...s, input: {...s.input, labelIds: this.labelIds(want)}};
      });
      const owners2 = retry.map(({t}) => t);
      await this.remote.mutate(specs2, (i, o) => this.noteOutcome(owners2[i]!, specs2[i]!, o, stamps, () => {}));
      const map = this.state.labels();
      for (const t of owners2) {
        const n = after.get(t.tdId)!;
        n.labels = {nodes: n.labels!.nodes.map((l) => ({id: map[l.name] ?? l.id, name: l.name}))};
      }
    }
    for (const t of list) {
      if (t.failed) continue;
      const plan = this.attachPlan.get(t.tdId);
      if (plan) this.state.setAttached(t.tdId, plan.names);
      const lost = this.overriddenPerson.get(t.tdId);
      if (lost) this.state.stageOverridden(t.tdId, lost);
      const next = after.get(t.tdId)!;
      next.updatedAt = stamps.get(t.tdId) ?? next.updatedAt;
      t.current = next;
      this.remember(t, next, this.overflowWanted.get(t.tdId) ?? []);
    }
  }

  private noteOutcome(t: Target, spec: MutationSpec, o: AliasOutcome, stamps: Map<string, string>, labelsGone: () => void): void {
    if (o.ok) {
      const v = o.data as Record<string, {updatedAt?: string} | undefined>;
      const stamp = v?.issue?.updatedAt ?? v?.labelable?.updatedAt ?? v?.subIssue?.updatedAt;
      if (stamp && (!stamps.get(t.tdId) || stamp > stamps.get(t.tdId)!)) stamps.set(t.tdId, stamp);
      return;
    }
    const msg = o.error?.message ?? 'unknown error';
    if (spec.field === 'addLabelsToLabelable' && (o.error?.type === 'NOT_FOUND' || /label/i.test(msg))) {
      t.failed = `label missing on GitHub: ${msg}`;
      labelsGone();
      return;
    }
    if (spec.field === 'addSubIssue' || spec.field === 'removeSubIssue') {
      // The parent stays in the managed block; GitHub's cap (100 children) or depth may refuse it.
      this.ctx.logger.warn(`github: could not link ${t.tdId} to its parent on GitHub: ${msg}`);
      return;
    }
    t.failed = `${spec.field} failed on GitHub: ${msg}`;
  }

  // ---------------------------------------------------------------------------------------------
  // logs, handoffs, comments, overflow text

  private issueNodeFor(tdId: string): string | undefined {
    return this.state.issueLink(tdId)?.nodeId;
  }

  private snapFor(nodeId: string): IssueSnapshot | undefined {
    const s = this.snapshot(nodeId);
    if (s && !this.snaps.has(nodeId)) this.snaps.set(nodeId, s);
    return s;
  }

  private async pushRecords(records: SyncEvent[]): Promise<void> {
    type Job = {events: SyncEvent[]; recordId: string; issueNode: string; kind: RecordKind | 'overflow'; body?: string; op: 'create' | 'update' | 'delete'};
    const jobs: Job[] = [];
    for (const e of records) {
      const kind = RECORD_ENTITIES[e.entityType]!;
      const data = (e.payload.newData ?? e.payload.previousData ?? {}) as JsonObject;
      const issueTdId = String(data.issue_id ?? '');
      const link = this.state.recordLink(e.entityId);
      const issueNode = link?.issueNode ?? (issueTdId ? this.issueNodeFor(issueTdId) : undefined);
      if (e.actionType === 'soft_delete' || e.actionType === 'delete') {
        if (!link) this.acks.push({clientActionId: e.clientActionId});
        else jobs.push({events: [e], recordId: e.entityId, issueNode: link.issueNode, kind, op: 'delete'});
        continue;
      }
      if (!issueNode) {
        const pendingIssue = this.rejections.some((r) => r.retryable) || this.state.issueIntents().some((i) => i.tdId === issueTdId);
        this.reject([e], pendingIssue ? 'transient' : 'orphan', issueTdId ? `issue ${issueTdId} is not on GitHub yet` : `${e.entityType} ${e.entityId} belongs to no issue`, pendingIssue);
        continue;
      }
      if (link && e.actionType === 'create') {
        this.acks.push({clientActionId: e.clientActionId});
        continue;
      }
      const record = {...data, id: e.entityId};
      const draft0: RecordDraft = {kind: kind as RecordDraft['kind'], tdId: e.entityId, issueTdId, record};
      const draft = (await this.ctx.hooks.mapEvent.promise(draft0, e, this.run)) as RecordDraft;
      let body = renderComment(kind, e.entityId, issueTdId, draft.record ?? record, draft.text);
      if (body.length > BODY_LIMIT) body = renderComment(kind, e.entityId, issueTdId, draft.record ?? record, '*td: text too long to show; the full record is below*');
      if (body.length > BODY_LIMIT) {
        this.reject([e], 'invalid', `${e.entityType} ${e.entityId} is larger than a GitHub comment (65,536 characters)`, false);
        continue;
      }
      jobs.push({events: [e], recordId: e.entityId, issueNode, kind, body, op: link ? 'update' : 'create'});
    }
    // overflow text of issue bodies
    for (const [tdId, parts] of this.overflowWanted) {
      const issueNode = this.issueNodeFor(tdId);
      if (!issueNode) continue;
      const snap = this.snapFor(issueNode);
      for (const field of ['description', 'acceptance'] as const) {
        const mine = parts.filter((p) => p.field === field);
        mine.forEach((p) => {
          const id = overflowId(tdId, field, p.part);
          const body = renderComment('overflow', id, tdId, {field, part: p.part, text: p.text});
          const link = this.state.recordLink(id);
          const seen = link ? snap?.comments[link.nodeId] : undefined;
          if (!link) jobs.push({events: [], recordId: id, issueNode, kind: 'overflow', body, op: 'create'});
          else if (!seen || seen.hash !== hashText(body)) jobs.push({events: [], recordId: id, issueNode, kind: 'overflow', body, op: 'update'});
        });
        // Parts no longer needed (the text shrank): every linked part beyond the new count.
        for (const key of this.state.raw.keys(`rec:${overflowId(tdId, field, 0).slice(0, -1)}`)) {
          const id = key.slice('rec:'.length);
          if (Number(id.split(':').pop()) > mine.length) jobs.push({events: [], recordId: id, issueNode, kind: 'overflow', op: 'delete'});
        }
      }
    }
    if (jobs.length === 0) return;
    const specs: MutationSpec[] = jobs.map((j) =>
      j.op === 'create'
        ? {field: 'addComment', inputType: 'AddCommentInput', input: {subjectId: j.issueNode, body: j.body}, selection: SELECT.comment}
        : j.op === 'update'
          ? {field: 'updateIssueComment', inputType: 'UpdateIssueCommentInput', input: {id: this.state.recordLink(j.recordId)!.nodeId, body: j.body}, selection: SELECT.updatedComment}
          : {field: 'deleteIssueComment', inputType: 'DeleteIssueCommentInput', input: {id: this.state.recordLink(j.recordId)!.nodeId}, selection: SELECT.none},
    );
    const at = this.now();
    for (const j of jobs) if (j.op === 'create') this.state.intendRecord(j.recordId, {at, issueNode: j.issueNode});
    await this.remote.mutate(specs, (i, o) => {
      const j = jobs[i]!;
      const snap = this.snapFor(j.issueNode);
      if (o.ok) {
        const node = (o.data as {commentEdge?: {node?: {id: string}}; issueComment?: {id: string}}).commentEdge?.node ?? (o.data as {issueComment?: {id: string}}).issueComment;
        if (j.op === 'create' && node) this.state.linkRecord(j.recordId, node.id, j.issueNode);
        const nodeId = node?.id ?? this.state.recordLink(j.recordId)?.nodeId;
        if (j.op === 'delete') {
          const l = this.state.recordLink(j.recordId);
          if (l && snap) delete snap.comments[l.nodeId];
          this.state.unlinkRecord(j.recordId);
        } else if (snap && nodeId) {
          snap.comments[nodeId] = {kind: j.kind, id: j.recordId, hash: hashText(j.body ?? '')};
        }
        if (snap && j.kind === 'overflow') {
          const [, field] = j.recordId.split(':');
          const list = (snap.overflow ??= {});
          const f = field as 'description' | 'acceptance';
          const ids = new Set(list[f] ?? []);
          if (j.op === 'delete') {
            for (const x of [...ids]) if (!snap.comments[x]) ids.delete(x);
          } else if (nodeId) ids.add(nodeId);
          list[f] = [...ids];
        }
        for (const e of j.events) this.acks.push({clientActionId: e.clientActionId});
      } else {
        const limited = /too quickly|rate limit|NOT_SENT/i.test(`${o.error?.message} ${o.error?.type}`);
        const gone = o.error?.type === 'NOT_FOUND';
        if (gone && j.op !== 'create') this.state.unlinkRecord(j.recordId);
        if (gone && j.op === 'delete') for (const e of j.events) this.acks.push({clientActionId: e.clientActionId});
        else if (gone) this.reject(j.events, 'remote_missing', `${specs[i]!.field} failed: the GitHub issue or comment no longer exists`, false);
        else this.reject(j.events, limited ? 'rate_limited' : 'transient', `${specs[i]!.field} failed: ${o.error?.message ?? 'unknown'}`, true);
      }
    });
  }
}
