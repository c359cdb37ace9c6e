import {GitHubError, unprocessable} from './errors.js';
import {nodeId} from './ids.js';
import {codePoints, type EmulatorLimits} from './limits.js';

/**
 * The emulator's state: users, repositories, issues, comments and labels, and every change to them.
 * GraphQL mutations and the "person in the web UI" both go through these methods, so the limits of
 * spec §4.1 and the `updatedAt` rules apply to both the same way.
 *
 * Timestamps are whole epoch seconds (GitHub's one-second resolution).
 *
 * updatedAt rules (spec §4.4, partly unverified on github.com): an issue's `updatedAt` moves to
 * "now" when its title, body, state or state reason, labels, comments (new, edited, deleted),
 * parent or sub-issues change, or when it is transferred. A write that changes nothing (same title,
 * adding a label it already has) does not bump it. Renaming, recolouring or deleting a label does
 * not touch the issues that carry it.
 */
export interface User {
  __typename: 'User';
  id: string;
  dbId: number;
  login: string;
  createdAt: number;
}

export interface Repo {
  __typename: 'Repository';
  id: string;
  dbId: number;
  owner: User;
  name: string;
  isPrivate: boolean;
  createdAt: number;
  updatedAt: number;
  nextNumber: number;
  labels: Label[];
  issues: Issue[];
}

export interface Label {
  __typename: 'Label';
  id: string;
  dbId: number;
  repo: Repo;
  name: string;
  color: string;
  description: string | null;
  createdAt: number;
  updatedAt: number;
  deleted: boolean;
}

export type StateReason = 'COMPLETED' | 'NOT_PLANNED' | 'DUPLICATE' | 'REOPENED';

export interface Issue {
  __typename: 'Issue';
  id: string;
  dbId: number;
  repo: Repo;
  number: number;
  title: string;
  body: string;
  state: 'OPEN' | 'CLOSED';
  stateReason: StateReason | null;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  lastEditedAt: number | null;
  author: User;
  editor: User | null;
  labels: Label[];
  assignees: User[];
  comments: Comment[];
  parent: Issue | null;
  subIssues: Issue[];
  deleted: boolean;
}

export interface Comment {
  __typename: 'IssueComment';
  id: string;
  dbId: number;
  issue: Issue;
  body: string;
  author: User;
  editor: User | null;
  createdAt: number;
  updatedAt: number;
  lastEditedAt: number | null;
  deleted: boolean;
}

export type NodeRecord = User | Repo | Label | Issue | Comment;

const COLOR = /^[0-9a-fA-F]{6}$/;

export class GitHubModel {
  readonly users = new Map<string, User>();
  private readonly repos = new Map<string, Repo>();
  private readonly nodes = new Map<string, NodeRecord>();
  /** Global id sequences: monotonic with gaps, as on github.com. Comments start above 2^31. */
  private seq = {user: 583_231, repo: 912_000_000, issue: 1_900_000_000, comment: 2_600_000_000, label: 7_100_000_000};

  constructor(
    private readonly limits: EmulatorLimits,
    private readonly now: () => number,
    private readonly random: () => number,
    /** Milliseconds on the same clock (for search lag). */
    readonly nowMs: () => number = () => now() * 1000,
  ) {}

  private next(kind: keyof GitHubModel['seq']): number {
    this.seq[kind] += 1 + Math.floor(this.random() * 7);
    return this.seq[kind];
  }

  // ---- lookups -------------------------------------------------------------------------------

  user(login: string): User {
    let u = this.users.get(login.toLowerCase());
    if (!u) {
      const dbId = this.next('user');
      u = {__typename: 'User', id: nodeId('User', dbId), dbId, login, createdAt: this.now()};
      this.users.set(login.toLowerCase(), u);
      this.nodes.set(u.id, u);
    }
    return u;
  }

  findUser(login: string): User | undefined {
    return this.users.get(login.toLowerCase());
  }

  repo(nameWithOwner: string): Repo | undefined {
    return this.repos.get(nameWithOwner.toLowerCase());
  }

  requireRepo(nameWithOwner: string): Repo {
    const r = this.repo(nameWithOwner);
    if (!r) throw new Error(`No repository ${nameWithOwner} in the emulator: create it first with createRepo("${nameWithOwner}")`);
    return r;
  }

  allRepos(): Repo[] {
    return [...this.repos.values()];
  }

  node(id: string): NodeRecord | undefined {
    const n = this.nodes.get(id);
    if (!n) return undefined;
    if ((n.__typename === 'Issue' || n.__typename === 'IssueComment' || n.__typename === 'Label') && n.deleted) return undefined;
    if (n.__typename === 'IssueComment' && n.issue.deleted) return undefined;
    return n;
  }

  issue(repo: Repo, number: number): Issue | undefined {
    return repo.issues.find(i => i.number === number && !i.deleted);
  }

  requireIssue(repo: Repo, number: number): Issue {
    const i = this.issue(repo, number);
    if (!i) throw new Error(`No issue #${number} in ${repoName(repo)}`);
    return i;
  }

  labelByName(repo: Repo, name: string): Label | undefined {
    const key = name.toLowerCase();
    return repo.labels.find(l => !l.deleted && l.name.toLowerCase() === key);
  }

  liveLabels(repo: Repo): Label[] {
    return repo.labels.filter(l => !l.deleted);
  }

  liveIssues(repo: Repo): Issue[] {
    return repo.issues.filter(i => !i.deleted);
  }

  liveComments(issue: Issue): Comment[] {
    return issue.comments.filter(c => !c.deleted);
  }

  // ---- repositories and labels --------------------------------------------------------------

  createRepo(nameWithOwner: string, opts: {isPrivate?: boolean} = {}): Repo {
    const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(nameWithOwner);
    if (!m) throw new Error(`createRepo("${nameWithOwner}"): give "owner/name"`);
    if (this.repo(nameWithOwner)) throw new Error(`createRepo("${nameWithOwner}"): the repository already exists`);
    const dbId = this.next('repo');
    const now = this.now();
    const r: Repo = {
      __typename: 'Repository',
      id: nodeId('Repository', dbId),
      dbId,
      owner: this.user(m[1]!),
      name: m[2]!,
      isPrivate: opts.isPrivate ?? true,
      createdAt: now,
      updatedAt: now,
      nextNumber: 1,
      labels: [],
      issues: [],
    };
    this.repos.set(nameWithOwner.toLowerCase(), r);
    this.nodes.set(r.id, r);
    return r;
  }

  private checkLabelFields(repo: Repo, f: {name?: string; color?: string; description?: string | null}, self?: Label): void {
    if (f.name !== undefined) {
      if (f.name.trim() === '') throw unprocessable("Name can't be blank");
      if (codePoints(f.name) > this.limits.labelNameMax) throw unprocessable(`Name is too long (maximum is ${this.limits.labelNameMax} characters)`);
      const clash = this.labelByName(repo, f.name);
      if (clash && clash !== self) throw unprocessable('Name has already been taken');
    }
    if (f.color !== undefined && !COLOR.test(f.color)) throw unprocessable('Color is invalid');
    if (f.description != null && codePoints(f.description) > this.limits.labelDescriptionMax) {
      throw unprocessable(`Description is too long (maximum is ${this.limits.labelDescriptionMax} characters)`);
    }
  }

  createLabel(repo: Repo, f: {name: string; color: string; description?: string | null}): Label {
    this.checkLabelFields(repo, f);
    const dbId = this.next('label');
    const now = this.now();
    const l: Label = {
      __typename: 'Label',
      id: nodeId('Label', repo.dbId, dbId),
      dbId,
      repo,
      name: f.name,
      color: f.color.toLowerCase(),
      description: f.description ?? null,
      createdAt: now,
      updatedAt: now,
      deleted: false,
    };
    repo.labels.push(l);
    this.nodes.set(l.id, l);
    return l;
  }

  updateLabel(label: Label, f: {name?: string | null; color?: string | null; description?: string | null}): Label {
    const patch = {
      name: f.name ?? undefined,
      color: f.color ?? undefined,
      description: f.description === undefined ? undefined : f.description,
    };
    this.checkLabelFields(label.repo, patch, label);
    let changed = false;
    if (patch.name !== undefined && patch.name !== label.name) ((label.name = patch.name), (changed = true));
    if (patch.color !== undefined && patch.color.toLowerCase() !== label.color) ((label.color = patch.color.toLowerCase()), (changed = true));
    if (patch.description !== undefined && patch.description !== label.description) ((label.description = patch.description), (changed = true));
    if (changed) label.updatedAt = this.now();
    return label;
  }

  /** Deleting a label strips it from every issue without touching their `updatedAt`. */
  deleteLabel(label: Label): void {
    label.deleted = true;
    for (const i of label.repo.issues) i.labels = i.labels.filter(l => l !== label);
  }

  // ---- issues --------------------------------------------------------------------------------

  private checkTitle(title: string): void {
    if (title.trim() === '') throw unprocessable("Title can't be blank");
    if (codePoints(title) > this.limits.titleMax) throw unprocessable(`Title is too long (maximum is ${this.limits.titleMax} characters)`);
  }

  private checkBody(body: string): void {
    if (codePoints(body) > this.limits.bodyMax) throw unprocessable(`Body is too long (maximum is ${this.limits.bodyMax} characters)`);
  }

  private checkLabelCount(n: number): void {
    if (n > this.limits.labelsPerIssue) throw unprocessable(`Issues cannot have more than ${this.limits.labelsPerIssue} labels`);
  }

  private touch(...issues: Issue[]): void {
    const now = this.now();
    for (const i of issues) i.updatedAt = now;
  }

  createIssue(repo: Repo, f: {title: string; body?: string | null; labels?: Label[]; assignees?: User[]; parent?: Issue | null}, actor: User): Issue {
    this.checkTitle(f.title);
    this.checkBody(f.body ?? '');
    const labels = uniq(f.labels ?? []);
    this.checkLabelCount(labels.length);
    if (f.parent) this.checkSubIssue(f.parent, null, false);
    const dbId = this.next('issue');
    const now = this.now();
    const issue: Issue = {
      __typename: 'Issue',
      id: nodeId('Issue', repo.dbId, dbId),
      dbId,
      repo,
      number: repo.nextNumber++,
      title: f.title,
      body: f.body ?? '',
      state: 'OPEN',
      stateReason: null,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      lastEditedAt: null,
      author: actor,
      editor: null,
      labels,
      assignees: uniq(f.assignees ?? []).slice(0, 10),
      comments: [],
      parent: null,
      subIssues: [],
      deleted: false,
    };
    repo.issues.push(issue);
    this.nodes.set(issue.id, issue);
    if (f.parent) this.linkSubIssue(f.parent, issue);
    return issue;
  }

  /** Title/body edits; `state` as updateIssue takes it (CLOSED closes as COMPLETED); `labels` replaces. */
  updateIssue(issue: Issue, f: {title?: string | null; body?: string | null; state?: 'OPEN' | 'CLOSED' | null; labels?: Label[] | null; assignees?: User[] | null}, actor: User): Issue {
    if (f.title != null) this.checkTitle(f.title);
    if (f.body != null) this.checkBody(f.body);
    if (f.labels != null) this.checkLabelCount(uniq(f.labels).length);
    let changed = false;
    const now = this.now();
    if (f.title != null && f.title !== issue.title) ((issue.title = f.title), (changed = true));
    if (f.body != null && f.body !== issue.body) {
      issue.body = f.body;
      issue.lastEditedAt = now;
      issue.editor = actor;
      changed = true;
    }
    if (f.labels != null) {
      const next = uniq(f.labels);
      if (!sameSet(next, issue.labels)) ((issue.labels = next), (changed = true));
    }
    if (f.assignees != null) {
      const next = uniq(f.assignees).slice(0, 10);
      if (!sameSet(next, issue.assignees)) ((issue.assignees = next), (changed = true));
    }
    if (changed) this.touch(issue);
    if (f.state === 'CLOSED') this.closeIssue(issue, 'COMPLETED');
    if (f.state === 'OPEN') this.reopenIssue(issue);
    return issue;
  }

  closeIssue(issue: Issue, reason: 'COMPLETED' | 'NOT_PLANNED' | 'DUPLICATE' = 'COMPLETED'): Issue {
    if (issue.state === 'CLOSED' && issue.stateReason === reason) return issue;
    if (issue.state !== 'CLOSED') issue.closedAt = this.now();
    issue.state = 'CLOSED';
    issue.stateReason = reason;
    this.touch(issue);
    return issue;
  }

  reopenIssue(issue: Issue): Issue {
    if (issue.state === 'OPEN') return issue;
    issue.state = 'OPEN';
    issue.stateReason = 'REOPENED';
    issue.closedAt = null;
    this.touch(issue);
    return issue;
  }

  addLabels(issue: Issue, labels: Label[]): Issue {
    const next = uniq([...issue.labels, ...labels]);
    this.checkLabelCount(next.length);
    if (next.length !== issue.labels.length) {
      issue.labels = next;
      this.touch(issue);
    }
    return issue;
  }

  removeLabels(issue: Issue, labels: Label[]): Issue {
    const next = issue.labels.filter(l => !labels.includes(l));
    if (next.length !== issue.labels.length) {
      issue.labels = next;
      this.touch(issue);
    }
    return issue;
  }

  /** GitHub keeps at most 10 assignees; extra ones are dropped. */
  setAssignees(issue: Issue, assignees: User[]): Issue {
    const next = uniq(assignees).slice(0, 10);
    if (!sameSet(next, issue.assignees)) {
      issue.assignees = next;
      this.touch(issue);
    }
    return issue;
  }

  deleteIssue(issue: Issue): void {
    issue.deleted = true;
    if (issue.parent) issue.parent.subIssues = issue.parent.subIssues.filter(s => s !== issue);
    for (const child of issue.subIssues) child.parent = null;
    issue.subIssues = [];
    issue.parent = null;
  }

  /** Moves the issue (same node id) to another repository under a new number; labels follow by name when they exist there. */
  transferIssue(issue: Issue, to: Repo, createLabelsIfMissing = false): Issue {
    if (issue.repo === to) return issue;
    const from = issue.repo;
    from.issues = from.issues.filter(i => i !== issue);
    issue.labels = issue.labels.flatMap(l => {
      const there = this.labelByName(to, l.name) ?? (createLabelsIfMissing ? this.createLabel(to, {name: l.name, color: l.color, description: l.description}) : undefined);
      return there ? [there] : [];
    });
    issue.repo = to;
    issue.number = to.nextNumber++;
    to.issues.push(issue);
    this.touch(issue);
    return issue;
  }

  // ---- comments ------------------------------------------------------------------------------

  addComment(issue: Issue, body: string, actor: User): Comment {
    if (body.trim() === '') throw unprocessable("Body can't be blank");
    this.checkBody(body);
    const dbId = this.next('comment');
    const now = this.now();
    const c: Comment = {
      __typename: 'IssueComment',
      id: nodeId('IssueComment', issue.repo.dbId, dbId),
      dbId,
      issue,
      body,
      author: actor,
      editor: null,
      createdAt: now,
      updatedAt: now,
      lastEditedAt: null,
      deleted: false,
    };
    issue.comments.push(c);
    this.nodes.set(c.id, c);
    this.touch(issue);
    return c;
  }

  updateComment(c: Comment, body: string, actor: User): Comment {
    if (body.trim() === '') throw unprocessable("Body can't be blank");
    this.checkBody(body);
    if (body === c.body) return c;
    const now = this.now();
    c.body = body;
    c.updatedAt = now;
    c.lastEditedAt = now;
    c.editor = actor;
    this.touch(c.issue);
    return c;
  }

  deleteComment(c: Comment): void {
    c.deleted = true;
    this.touch(c.issue);
  }

  // ---- sub-issues ----------------------------------------------------------------------------

  private depthBelow(issue: Issue): number {
    return issue.subIssues.reduce((d, s) => Math.max(d, 1 + this.depthBelow(s)), 0);
  }

  private checkSubIssue(parent: Issue, child: Issue | null, replaceParent: boolean): void {
    if (child === parent) throw unprocessable('An issue cannot be a sub-issue of itself');
    if (child && parent.subIssues.includes(child)) throw unprocessable('Issue may not contain duplicate sub-issues');
    if (child?.parent && !replaceParent) throw unprocessable('Sub issue may only have one parent');
    if (parent.subIssues.length >= this.limits.subIssuesPerParent) {
      throw unprocessable(`Parent cannot have more than ${this.limits.subIssuesPerParent} sub-issues`);
    }
    for (let a: Issue | null = parent; a; a = a.parent) {
      if (a === child) throw unprocessable('Sub issue cannot be an ancestor of its parent');
    }
    let depthAbove = 1;
    for (let a = parent.parent; a; a = a.parent) depthAbove++;
    if (depthAbove + 1 + (child ? this.depthBelow(child) : 0) > this.limits.subIssueDepth) {
      throw unprocessable(`Sub issue exceeds the maximum nesting depth of ${this.limits.subIssueDepth} levels`);
    }
  }

  private linkSubIssue(parent: Issue, child: Issue): void {
    const old = child.parent;
    if (old) old.subIssues = old.subIssues.filter(s => s !== child);
    child.parent = parent;
    parent.subIssues.push(child);
    this.touch(...[parent, child, ...(old ? [old] : [])]);
  }

  addSubIssue(parent: Issue, child: Issue, replaceParent: boolean): void {
    this.checkSubIssue(parent, child, replaceParent);
    this.linkSubIssue(parent, child);
  }

  /** Move `child` right after `after` or right before `before` among the parent's sub-issues. */
  reprioritizeSubIssue(parent: Issue, child: Issue, anchor: {after?: Issue; before?: Issue}): void {
    const other = anchor.after ?? anchor.before;
    if (child.parent !== parent || !other || other.parent !== parent) throw unprocessable('Sub issue is not a sub-issue of this issue');
    if (other === child) return;
    const list = parent.subIssues.filter(s => s !== child);
    const at = list.indexOf(other) + (anchor.after ? 1 : 0);
    list.splice(at, 0, child);
    if (list.every((s, i) => s === parent.subIssues[i])) return;
    parent.subIssues = list;
    this.touch(parent);
  }

  removeSubIssue(parent: Issue, child: Issue): void {
    if (child.parent !== parent) throw new GitHubError('NOT_FOUND', 'Sub issue is not a sub-issue of this issue');
    parent.subIssues = parent.subIssues.filter(s => s !== child);
    child.parent = null;
    this.touch(parent, child);
  }
}

export function repoName(r: Repo): string {
  return `${r.owner.login}/${r.name}`;
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function sameSet<T>(a: T[], b: T[]): boolean {
  return a.length === b.length && a.every(x => b.includes(x));
}
