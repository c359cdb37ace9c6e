/**
 * Everything the backend remembers per sync target, in the host's TargetState. Links and intents
 * are written with `set` (durable at once: they guard against duplicates after a crash);
 * snapshots with `stage` (committed with the cursor or the acks they belong to).
 *
 *   repo                     {id, nameWithOwner}                      the repository node
 *   labels                   {name: id}                               td-owned label ids (cache)
 *   overridden:<tdId>        OverriddenChange                         a person's change td's newer push overwrote
 *   attached:<tdId>          [name]                                   non-td labels td itself put on the issue
 *   issue:<tdId>             {nodeId, number}                         td issue -> GitHub issue
 *   node:<nodeId>            tdId                                     GitHub issue -> td issue
 *   snap:<nodeId>            IssueSnapshot                            last state this target saw
 *   rec:<recordId>           {nodeId, issueNode}                      td log/handoff/comment -> comment
 *   intent:issue:<tdId>      {at, title}                              about to create an issue
 *   intent:rec:<recordId>    {at, issueNode}                          about to create a comment
 *   deferred:deps            [{issue, dep, type}]                     pulled deps waiting for an end
 *   pace                     [epoch ms]                               recent content creations
 */
import type {JsonObject, TargetState} from 'td-sync-sdk';
import type {BlockFields, RecordKind} from './markers.js';

export interface IssueLink {
  nodeId: string;
  number: number;
}

export interface CommentSeen {
  kind: RecordKind | 'ui';
  /** td id of the record (for UI comments: the imported cm- id). */
  id: string;
  hash: string;
}

export interface IssueSnapshot {
  tdId: string;
  nodeId: string;
  number: number;
  updatedAt: string;
  /** The td row this issue stood for (description included). */
  view: JsonObject;
  deps: string[];
  /** td-owned labels seen. */
  labels: string[];
  parentNode: string | null;
  /** GitHub title seen. */
  title: string;
  block?: BlockFields;
  /** Comment node id -> what it was. */
  comments: Record<string, CommentSeen>;
  /** Length of the visible body text (the rest of the description lives in overflow comments). */
  headLength?: number;
  /** Hash of the issue as the last pull page showed it (see pull.ts). */
  fingerprint?: string;
  /** Node ids of overflow comments, in order, per field. */
  overflow?: {description?: string[]; acceptance?: string[]};
}

/**
 * A person's change on GitHub that td's newer change to the same field overwrote during a push.
 * The next pull hands it to the engine as an update stamped with the person's time, so the
 * engine's conflict detection (and onConflict) decides, exactly as for a person's newer change.
 */
export interface OverriddenChange {
  /** The event's stamp: the person's change time, but never after td's write that overwrote it. */
  at: string;
  /** The person's values, per td field. */
  fields: JsonObject;
  /** The td row as this target last saw it (the change's previous data). */
  previous: JsonObject;
}

export interface Intent {
  /** Server time (or local, when unknown) the intent was recorded. */
  at: string;
  title?: string;
  issueNode?: string;
}

export interface DeferredDep {
  issue: string;
  dep: string;
  type: string;
  at: string;
}

export class BackendState {
  constructor(readonly raw: TargetState) {}

  issueLink(tdId: string): IssueLink | undefined {
    return this.raw.get<IssueLink>(`issue:${tdId}`);
  }

  tdIdOf(nodeId: string): string | undefined {
    return this.raw.get<string>(`node:${nodeId}`);
  }

  /** Durable: a created issue must never be forgotten. */
  linkIssue(tdId: string, link: IssueLink, durable = true): void {
    const put = durable ? this.raw.set.bind(this.raw) : this.raw.stage.bind(this.raw);
    put(`issue:${tdId}`, link);
    put(`node:${link.nodeId}`, tdId);
    if (durable) this.raw.delete(`intent:issue:${tdId}`);
  }

  snapshot(nodeId: string): IssueSnapshot | undefined {
    return this.raw.get<IssueSnapshot>(`snap:${nodeId}`);
  }

  stageSnapshot(s: IssueSnapshot): void {
    this.raw.stage(`snap:${s.nodeId}`, s);
  }

  recordLink(recordId: string): {nodeId: string; issueNode: string} | undefined {
    return this.raw.get(`rec:${recordId}`);
  }

  linkRecord(recordId: string, nodeId: string, issueNode: string, durable = true): void {
    (durable ? this.raw.set.bind(this.raw) : this.raw.stage.bind(this.raw))(`rec:${recordId}`, {nodeId, issueNode});
    if (durable) this.raw.delete(`intent:rec:${recordId}`);
  }

  unlinkRecord(recordId: string): void {
    this.raw.delete(`rec:${recordId}`);
  }

  intendIssue(tdId: string, intent: Intent): void {
    this.raw.set(`intent:issue:${tdId}`, intent);
  }

  intendRecord(recordId: string, intent: Intent): void {
    this.raw.set(`intent:rec:${recordId}`, intent);
  }

  issueIntents(): {tdId: string; intent: Intent}[] {
    return this.raw.keys('intent:issue:').map((k) => ({tdId: k.slice('intent:issue:'.length), intent: this.raw.get<Intent>(k)!})).filter((x) => x.intent);
  }

  recordIntents(): {recordId: string; intent: Intent}[] {
    return this.raw.keys('intent:rec:').map((k) => ({recordId: k.slice('intent:rec:'.length), intent: this.raw.get<Intent>(k)!})).filter((x) => x.intent);
  }

  clearIssueIntent(tdId: string): void {
    this.raw.delete(`intent:issue:${tdId}`);
  }

  clearRecordIntent(recordId: string): void {
    this.raw.delete(`intent:rec:${recordId}`);
  }

  labels(): Record<string, string> {
    return this.raw.get<Record<string, string>>('labels') ?? {};
  }

  setLabels(map: Record<string, string>): void {
    this.raw.set('labels', map);
  }

  stageOverridden(tdId: string, change: OverriddenChange): void {
    this.raw.stage(`overridden:${tdId}`, change);
  }

  overridden(): {tdId: string; change: OverriddenChange}[] {
    return this.raw.keys('overridden:').map((k) => ({tdId: k.slice('overridden:'.length), change: this.raw.get<OverriddenChange>(k)!})).filter((x) => x.change);
  }

  /** Handed to the engine: staged, so it is dropped together with the cursor the engine commits. */
  dropOverridden(tdId: string): void {
    this.raw.stage(`overridden:${tdId}`, undefined);
  }

  /** Non-td labels td attached to this issue (only these may td take off again). */
  attached(tdId: string): string[] {
    return this.raw.get<string[]>(`attached:${tdId}`) ?? [];
  }

  setAttached(tdId: string, names: string[]): void {
    if (names.length === 0 && this.raw.get(`attached:${tdId}`) === undefined) return;
    this.raw.set(`attached:${tdId}`, [...new Set(names)].sort());
  }

  repo(): {id: string; nameWithOwner: string} | undefined {
    return this.raw.get('repo');
  }

  setRepo(repo: {id: string; nameWithOwner: string}): void {
    this.raw.set('repo', repo);
  }

  deferredDeps(): DeferredDep[] {
    return this.raw.get<DeferredDep[]>('deferred:deps') ?? [];
  }

  stageDeferredDeps(list: DeferredDep[]): void {
    this.raw.stage('deferred:deps', list);
  }

  paceHistory(): number[] {
    return this.raw.get<number[]>('pace') ?? [];
  }

  setPaceHistory(h: number[]): void {
    this.raw.set('pace', h);
  }
}
