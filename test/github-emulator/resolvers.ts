import {getNamedType, type GraphQLFieldResolver, type GraphQLResolveInfo} from 'graphql';
import {isoSeconds, parseDateTime} from './clock.js';
import {paginate, type PageArgs, type SortKey} from './connection.js';
import type {RequestContext} from './context.js';
import {GitHubError, HttpAbort, httpBodies, notFoundNode} from './errors.js';
import {repoName, type Comment, type Issue, type Label, type NodeRecord, type Repo, type User} from './model.js';

/**
 * Field resolvers for the subset of GitHub's schema the sync uses. Everything else in the schema
 * still validates; an unimplemented field resolves to its record property, an empty connection
 * (after GitHub's pagination checks), `true` for `viewerCan*`, or null.
 */
type Resolver = (src: any, args: any, ctx: RequestContext, info: GraphQLResolveInfo) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

const HOST = 'https://github.com';

// ---- access -------------------------------------------------------------------------------------

function fineGrained(ctx: RequestContext): boolean {
  return ctx.token.permissions !== undefined;
}

const notAccessible = (ctx: RequestContext) =>
  new GitHubError('FORBIDDEN', ctx.token.kind === 'app' ? 'Resource not accessible by integration' : 'Resource not accessible by personal access token');

export function canRead(ctx: RequestContext, repo: Repo): boolean {
  if (!repo.isPrivate) return true;
  if (fineGrained(ctx)) return true;
  return ctx.token.scopes.includes('repo');
}

function requireWrite(ctx: RequestContext, repo: Repo): void {
  if (fineGrained(ctx)) {
    if (ctx.token.permissions?.issues !== 'write') throw notAccessible(ctx);
    return;
  }
  const ok = ctx.token.scopes.includes('repo') || (!repo.isPrivate && ctx.token.scopes.includes('public_repo'));
  if (!ok) throw new GitHubError('FORBIDDEN', `${ctx.viewer.login} does not have the correct permissions to execute \`${pascal(ctx.currentMutation ?? 'mutation')}\``);
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function requireIssueRead(ctx: RequestContext): void {
  if (fineGrained(ctx) && !['read', 'write'].includes(ctx.token.permissions?.issues ?? 'none')) {
    throw notAccessible(ctx);
  }
}

function repoOf(n: NodeRecord): Repo | undefined {
  switch (n.__typename) {
    case 'Repository':
      return n;
    case 'Issue':
    case 'Label':
      return n.repo;
    case 'IssueComment':
      return n.issue.repo;
    default:
      return undefined;
  }
}

function lookupNode(ctx: RequestContext, id: string): NodeRecord {
  // Eventual consistency (spec §4.5): a `not-found` fault matched to a mutation makes the node it
  // names briefly unresolvable, as a freshly created issue sometimes is on github.com.
  if (ctx.currentMutation && ctx.faults.take(['not-found'], [ctx.currentMutation])) throw notFoundNode(id);
  const n = ctx.model.node(id);
  const repo = n && repoOf(n);
  if (!n || (repo && !canRead(ctx, repo))) throw notFoundNode(id);
  return n;
}

function nodeOfType<K extends NodeRecord['__typename']>(ctx: RequestContext, id: string, type: K): Extract<NodeRecord, {__typename: K}> {
  const n = lookupNode(ctx, id);
  if (n.__typename !== type) throw notFoundNode(id);
  return n as Extract<NodeRecord, {__typename: K}>;
}

// ---- ordering and filtering ----------------------------------------------------------------------

interface Order {
  field: string;
  direction: 'ASC' | 'DESC';
}

function sorted<T>(items: T[], key: (t: T) => SortKey, descending: boolean): T[] {
  const out = [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] === kb[i]) continue;
      return (ka[i]! < kb[i]! ? -1 : 1) * (descending ? -1 : 1);
    }
    return 0;
  });
  return out;
}

interface IssueArgs extends PageArgs {
  filterBy?: {
    since?: string | null;
    states?: string[] | null;
    labels?: string[] | null;
    createdBy?: string | null;
    assignee?: string | null;
    mentioned?: string | null;
    milestone?: string | null;
    milestoneNumber?: string | null;
    viewerSubscribed?: boolean | null;
  } | null;
  orderBy?: Order | null;
  labels?: string[] | null;
  states?: string[] | null;
}

function issueConnection(ctx: RequestContext, info: GraphQLResolveInfo, all: Issue[], args: IssueArgs) {
  requireIssueRead(ctx);
  const f = args.filterBy ?? {};
  const since = f.since != null ? parseDateTime(f.since) : null;
  const states = f.states ?? args.states ?? null;
  const labelNames = [...(f.labels ?? []), ...(args.labels ?? [])].map(l => l.toLowerCase());
  let items = all.filter(i => !i.deleted);
  if (since !== null) items = items.filter(i => i.updatedAt >= since);
  if (states?.length) items = items.filter(i => states.includes(i.state));
  // Several label names match issues carrying ANY of them (observed on github.com, cli/cli#419).
  if (labelNames.length) items = items.filter(i => i.labels.some(l => labelNames.includes(l.name.toLowerCase())));
  if (f.createdBy != null) items = items.filter(i => i.author.login.toLowerCase() === f.createdBy!.toLowerCase());
  if (f.assignee === '*') items = items.filter(i => i.assignees.length > 0);
  else if (f.assignee != null) items = items.filter(i => i.assignees.some(u => u.login.toLowerCase() === f.assignee!.toLowerCase()));
  else if (f.assignee === null && 'assignee' in f) items = items.filter(i => i.assignees.length === 0);
  // Milestones are not modelled: a milestone filter matches nothing.
  if (f.milestone != null && f.milestone !== 'none') items = [];
  if (f.milestoneNumber != null && f.milestoneNumber !== 'none') items = [];
  if (f.mentioned != null) items = items.filter(i => i.body.includes(`@${f.mentioned}`) || i.comments.some(c => !c.deleted && c.body.includes(`@${f.mentioned}`)));
  const order = args.orderBy;
  const key = (i: Issue): SortKey => {
    switch (order?.field) {
      case 'UPDATED_AT':
        return [i.updatedAt, i.dbId];
      case 'CREATED_AT':
        return [i.createdAt, i.dbId];
      case 'COMMENTS':
        return [i.comments.filter(c => !c.deleted).length, i.dbId];
      default:
        return [i.dbId];
    }
  };
  const descending = order?.direction === 'DESC';
  return paginate(info, sorted(items, key, descending), args, key, {maxPageSize: ctx.limits.maxPageSize, descending});
}

function labelConnection(ctx: RequestContext, info: GraphQLResolveInfo, labels: Label[], args: PageArgs & {orderBy?: Order | null; query?: string | null}) {
  let items = labels.filter(l => !l.deleted);
  if (args.query) {
    const q = args.query.toLowerCase();
    items = items.filter(l => l.name.toLowerCase().includes(q) || (l.description ?? '').toLowerCase().includes(q));
  }
  const byName = args.orderBy?.field === 'NAME';
  const key = (l: Label): SortKey => (byName ? [l.name.toLowerCase(), l.dbId] : [l.createdAt, l.dbId]);
  const descending = args.orderBy?.direction === 'DESC';
  return paginate(info, sorted(items, key, descending), args, key, {maxPageSize: ctx.limits.maxPageSize, descending});
}

function commentConnection(ctx: RequestContext, info: GraphQLResolveInfo, comments: Comment[], args: PageArgs & {orderBy?: Order | null}) {
  requireIssueRead(ctx);
  const items = comments.filter(c => !c.deleted);
  const byUpdated = args.orderBy?.field === 'UPDATED_AT';
  const key = (c: Comment): SortKey => (byUpdated ? [c.updatedAt, c.dbId] : [c.dbId]);
  const descending = args.orderBy?.direction === 'DESC';
  return paginate(info, sorted(items, key, descending), args, key, {maxPageSize: ctx.limits.maxPageSize, descending});
}

/**
 * Issue search over the qualifiers a sync might use (`repo:`, `is:issue|open|closed`, `state:`,
 * `author:`, `label:`, `in:title|body|comments`, free words), newest first, capped at 1,000 results.
 * The index lags: an issue is found only `searchLagMs` after it was created (spec §4.5).
 */
function searchIssues(ctx: RequestContext, query: string): Issue[] {
  const tokens = query.match(/(?:[^\s"]+:)?"[^"]*"|\S+/g) ?? [];
  let repos = ctx.model.allRepos().filter(r => canRead(ctx, r));
  const words: string[] = [];
  const where = new Set<string>();
  const checks: Array<(i: Issue) => boolean> = [];
  for (const raw of tokens) {
    const m = /^(-?)(\w+):(.*)$/.exec(raw);
    const value = (m?.[3] ?? '').replace(/^"|"$/g, '').toLowerCase();
    const negate = m?.[1] === '-';
    const add = (f: (i: Issue) => boolean) => checks.push(negate ? i => !f(i) : f);
    switch (m?.[2]) {
      case 'repo':
        repos = repos.filter(r => repoName(r).toLowerCase() === value);
        break;
      case 'is':
      case 'state':
        if (value === 'open' || value === 'closed') add(i => i.state === value.toUpperCase());
        else if (value === 'pr' || value === 'pull-request') add(() => false);
        break;
      case 'author':
        add(i => i.author.login.toLowerCase() === value);
        break;
      case 'label':
        add(i => i.labels.some(l => l.name.toLowerCase() === value));
        break;
      case 'in':
        for (const w of value.split(',')) where.add(w);
        break;
      default:
        words.push(raw.replace(/^"|"$/g, '').toLowerCase());
    }
  }
  const visibleBefore = ctx.model.nowMs() - ctx.limits.searchLagMs;
  const fields = where.size ? where : new Set(['title', 'body', 'comments']);
  return repos
    .flatMap(r => r.issues.filter(i => !i.deleted))
    .filter(i => i.createdAt * 1000 <= visibleBefore)
    .filter(i => checks.every(c => c(i)))
    .filter(i => {
      const text = [
        fields.has('title') ? i.title : '',
        fields.has('body') ? i.body : '',
        ...(fields.has('comments') ? i.comments.filter(c => !c.deleted).map(c => c.body) : []),
      ].join('\n').toLowerCase();
      return words.every(w => text.includes(w));
    })
    .sort((a, b) => b.createdAt - a.createdAt || b.dbId - a.dbId);
}

// ---- type resolvers ---------------------------------------------------------------------------

const dt = (s: number | null | undefined) => (s == null ? null : isoSeconds(s));
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const INT_MAX = 2 ** 31 - 1;

const userFields: Record<string, Resolver> = {
  databaseId: (u: User) => u.dbId,
  name: (u: User) => u.login,
  url: (u: User) => `${HOST}/${u.login}`,
  resourcePath: (u: User) => `/${u.login}`,
  avatarUrl: (u: User) => `https://avatars.githubusercontent.com/u/${u.dbId}?v=4`,
  createdAt: (u: User) => dt(u.createdAt),
  updatedAt: (u: User) => dt(u.createdAt),
  isViewer: (u: User, _a, ctx) => u === ctx.viewer,
  email: () => '',
  isSiteAdmin: () => false,
  issues: (u: User, args: IssueArgs, ctx, info) =>
    issueConnection(ctx, info, ctx.model.allRepos().filter(r => canRead(ctx, r)).flatMap(r => r.issues.filter(i => i.author === u)), args),
  repository: (u: User, args: {name: string}, ctx) => {
    const r = ctx.model.repo(`${u.login}/${args.name}`);
    return r && canRead(ctx, r) ? r : null;
  },
};

const issueFields: Record<string, Resolver> = {
  databaseId: (i: Issue) => (i.dbId <= INT_MAX ? i.dbId : null),
  fullDatabaseId: (i: Issue) => String(i.dbId),
  bodyText: (i: Issue) => i.body,
  bodyHTML: (i: Issue) => (i.body ? `<p>${escapeHtml(i.body)}</p>` : ''),
  titleHTML: (i: Issue) => escapeHtml(i.title),
  stateReason: (i: Issue, args: {enableDuplicate?: boolean}) => (i.stateReason === 'DUPLICATE' && !args.enableDuplicate ? 'NOT_PLANNED' : i.stateReason),
  closed: (i: Issue) => i.state === 'CLOSED',
  createdAt: (i: Issue) => dt(i.createdAt),
  updatedAt: (i: Issue) => dt(i.updatedAt),
  closedAt: (i: Issue) => dt(i.closedAt),
  lastEditedAt: (i: Issue) => dt(i.lastEditedAt),
  publishedAt: (i: Issue) => dt(i.createdAt),
  url: (i: Issue) => `${HOST}/${repoName(i.repo)}/issues/${i.number}`,
  resourcePath: (i: Issue) => `/${repoName(i.repo)}/issues/${i.number}`,
  repository: (i: Issue) => i.repo,
  locked: () => false,
  activeLockReason: () => null,
  authorAssociation: (i: Issue) => (i.author === i.repo.owner ? 'OWNER' : 'COLLABORATOR'),
  includesCreatedEdit: (i: Issue) => i.lastEditedAt !== null,
  createdViaEmail: () => false,
  viewerDidAuthor: (i: Issue, _a, ctx) => i.author === ctx.viewer,
  viewerCannotUpdateReasons: () => [],
  reactionGroups: () => [],
  isPinned: () => false,
  isReadByViewer: () => true,
  trackedIssuesCount: () => 0,
  milestone: () => null,
  userContentEdits: () => null,
  labels: (i: Issue, args, ctx, info) => labelConnection(ctx, info, i.labels, args),
  assignees: (i: Issue, args: PageArgs, ctx, info) => {
    const key = (u: User): SortKey => [u.login.toLowerCase(), u.dbId];
    return paginate(info, sorted(i.assignees, key, false), args, key, {maxPageSize: ctx.limits.maxPageSize});
  },
  comments: (i: Issue, args, ctx, info) => commentConnection(ctx, info, i.comments, args),
  subIssues: (i: Issue, args: PageArgs, ctx, info) => {
    const live = i.subIssues.filter(s => !s.deleted);
    const key = (s: Issue): SortKey => [live.indexOf(s)];
    return paginate(info, live, args, key, {maxPageSize: ctx.limits.maxPageSize});
  },
  subIssuesSummary: (i: Issue) => {
    const live = i.subIssues.filter(s => !s.deleted);
    const completed = live.filter(s => s.state === 'CLOSED').length;
    return {total: live.length, completed, percentCompleted: live.length ? Math.floor((completed * 100) / live.length) : 0};
  },
  parent: (i: Issue) => (i.parent && !i.parent.deleted ? i.parent : null),
};

const commentFields: Record<string, Resolver> = {
  // IssueComment.databaseId is a 32-bit Int; ids above 2^31 read as null: select fullDatabaseId.
  databaseId: (c: Comment) => (c.dbId <= INT_MAX ? c.dbId : null),
  fullDatabaseId: (c: Comment) => String(c.dbId),
  bodyText: (c: Comment) => c.body,
  bodyHTML: (c: Comment) => `<p>${escapeHtml(c.body)}</p>`,
  createdAt: (c: Comment) => dt(c.createdAt),
  updatedAt: (c: Comment) => dt(c.updatedAt),
  lastEditedAt: (c: Comment) => dt(c.lastEditedAt),
  publishedAt: (c: Comment) => dt(c.createdAt),
  repository: (c: Comment) => c.issue.repo,
  url: (c: Comment) => `${HOST}/${repoName(c.issue.repo)}/issues/${c.issue.number}#issuecomment-${c.dbId}`,
  resourcePath: (c: Comment) => `/${repoName(c.issue.repo)}/issues/${c.issue.number}#issuecomment-${c.dbId}`,
  authorAssociation: (c: Comment) => (c.author === c.issue.repo.owner ? 'OWNER' : 'COLLABORATOR'),
  includesCreatedEdit: (c: Comment) => c.lastEditedAt !== null,
  createdViaEmail: () => false,
  isMinimized: () => false,
  minimizedReason: () => null,
  pullRequest: () => null,
  viewerDidAuthor: (c: Comment, _a, ctx) => c.author === ctx.viewer,
  viewerCannotUpdateReasons: () => [],
  reactionGroups: () => [],
  userContentEdits: () => null,
};

const labelFields: Record<string, Resolver> = {
  isDefault: () => false,
  createdAt: (l: Label) => dt(l.createdAt),
  updatedAt: (l: Label) => dt(l.updatedAt),
  url: (l: Label) => `${HOST}/${repoName(l.repo)}/labels/${encodeURIComponent(l.name)}`,
  resourcePath: (l: Label) => `/${repoName(l.repo)}/labels/${encodeURIComponent(l.name)}`,
  repository: (l: Label) => l.repo,
  issues: (l: Label, args: IssueArgs, ctx, info) => issueConnection(ctx, info, l.repo.issues.filter(i => i.labels.includes(l)), args),
};

function repoIssue(ctx: RequestContext, r: Repo, number: number): Issue {
  requireIssueRead(ctx);
  const i = ctx.model.issue(r, number);
  if (!i) throw new GitHubError('NOT_FOUND', `Could not resolve to an Issue with the number of ${number}.`);
  return i;
}

const repositoryFields: Record<string, Resolver> = {
  databaseId: (r: Repo) => r.dbId,
  nameWithOwner: (r: Repo) => repoName(r),
  url: (r: Repo) => `${HOST}/${repoName(r)}`,
  resourcePath: (r: Repo) => `/${repoName(r)}`,
  hasIssuesEnabled: () => true,
  isArchived: () => false,
  isDisabled: () => false,
  isFork: () => false,
  isLocked: () => false,
  isTemplate: () => false,
  isEmpty: () => true,
  visibility: (r: Repo) => (r.isPrivate ? 'PRIVATE' : 'PUBLIC'),
  viewerPermission: (r: Repo, _a, ctx) => {
    if (ctx.token.permissions) return ctx.token.permissions.issues === 'write' ? 'WRITE' : 'READ';
    if (r.owner === ctx.viewer) return 'ADMIN';
    return ctx.token.scopes.includes('repo') || ctx.token.scopes.includes('public_repo') ? 'WRITE' : 'READ';
  },
  createdAt: (r: Repo) => dt(r.createdAt),
  updatedAt: (r: Repo) => dt(r.updatedAt),
  description: () => null,
  issues: (r: Repo, args: IssueArgs, ctx, info) => issueConnection(ctx, info, r.issues, args),
  issue: (r: Repo, args: {number: number}, ctx) => repoIssue(ctx, r, args.number),
  issueOrPullRequest: (r: Repo, args: {number: number}, ctx) => repoIssue(ctx, r, args.number),
  labels: (r: Repo, args, ctx, info) => labelConnection(ctx, info, r.labels, args),
  label: (r: Repo, args: {name: string}, ctx) => ctx.model.labelByName(r, args.name) ?? null,
};

const queryFields: Record<string, Resolver> = {
  repository: (_s, args: {owner: string; name: string}, ctx) => {
    const r = ctx.model.repo(`${args.owner}/${args.name}`);
    const forced = ctx.faults.take(['not-found'], ['repository']);
    if (!r || !canRead(ctx, r) || forced) {
      throw new GitHubError('NOT_FOUND', `Could not resolve to a Repository with the name '${args.owner}/${args.name}'.`);
    }
    return r;
  },
  node: (_s, args: {id: string}, ctx) => {
    if (ctx.faults.take(['not-found'], ['node'])) throw notFoundNode(args.id);
    return lookupNode(ctx, args.id);
  },
  nodes: (_s, args: {ids: string[]}, ctx) => {
    if (args.ids.length > 100) throw new GitHubError('ARGUMENT_LIMIT', 'You may not request more than 100 node IDs at a time.');
    return args.ids.map(id => {
      try {
        return lookupNode(ctx, id);
      } catch (e) {
        return e;
      }
    });
  },
  search: (_s, args: PageArgs & {query: string; type: string}, ctx, info) => {
    const empty = {issueCount: 0, codeCount: 0, discussionCount: 0, repositoryCount: 0, userCount: 0, wikiCount: 0};
    if (args.type !== 'ISSUE') return {...empty, ...paginate(info, [], args, () => [], {maxPageSize: ctx.limits.maxPageSize})};
    const found = searchIssues(ctx, args.query);
    const key = (i: Issue): SortKey => [-i.createdAt, -i.dbId];
    const page = paginate(info, found.slice(0, 1000), args, key, {maxPageSize: ctx.limits.maxPageSize});
    return {...empty, ...page, issueCount: found.length};
  },
  viewer: (_s, _a, ctx) => ctx.viewer,
  user: (_s, args: {login: string}, ctx) => {
    const u = ctx.model.findUser(args.login);
    if (!u) throw new GitHubError('NOT_FOUND', `Could not resolve to a User with the login of '${args.login}'.`);
    return u;
  },
  rateLimit: (_s, _a, ctx) => {
    const p = ctx.primary();
    return {cost: ctx.cost, limit: p.limit, nodeCount: ctx.nodeCount, remaining: p.remaining, used: p.used, resetAt: isoSeconds(p.reset)};
  },
};

// ---- mutations -------------------------------------------------------------------------------

/** Common gate for every mutation field: fault injection, then GitHub's content-creation limit. */
function gate(ctx: RequestContext, info: GraphQLResolveInfo): void {
  const names = [info.fieldName, info.path.key as string];
  if (ctx.faults.take(['submitted-too-quickly'], names)) {
    throw new GitHubError('UNPROCESSABLE', 'was submitted too quickly');
  }
  if (!ctx.limits.contentCreatingMutations.includes(info.fieldName)) return;
  const wait = ctx.rateLimits.contentWait(ctx.viewer.login);
  if (wait > 0) {
    if (ctx.limits.contentLimitSignal === 'secondary-403') {
      throw new HttpAbort(403, httpBodies.secondary(ctx.requestId), {'retry-after': String(wait)}, 'secondary');
    }
    throw new GitHubError('UNPROCESSABLE', 'was submitted too quickly');
  }
}

function created(ctx: RequestContext, info: GraphQLResolveInfo): void {
  if (!ctx.limits.contentCreatingMutations.includes(info.fieldName)) return;
  ctx.rateLimits.recordContent(ctx.viewer.login);
  ctx.contentCreated++;
}

function labelsById(ctx: RequestContext, repo: Repo, ids: string[]): Label[] {
  return ids.map(id => {
    const l = nodeOfType(ctx, id, 'Label');
    if (l.repo !== repo) throw notFoundNode(id);
    return l;
  });
}

function usersById(ctx: RequestContext, ids: string[]): User[] {
  return ids.map(id => nodeOfType(ctx, id, 'User'));
}

function labelable(ctx: RequestContext, id: string): Issue {
  const n = lookupNode(ctx, id);
  if (n.__typename !== 'Issue') throw notFoundNode(id);
  requireWrite(ctx, n.repo);
  return n;
}

type In<T> = {input: T & {clientMutationId?: string | null}};

const mutationFields: Record<string, Resolver> = {
  createIssue: (_s, {input}: In<{repositoryId: string; title: string; body?: string | null; labelIds?: string[] | null; parentIssueId?: string | null; assigneeIds?: string[] | null; milestoneId?: string | null; projectIds?: string[] | null}>, ctx, info) => {
    const repo = nodeOfType(ctx, input.repositoryId, 'Repository');
    requireWrite(ctx, repo);
    gate(ctx, info);
    const labels = labelsById(ctx, repo, input.labelIds ?? []);
    const parent = input.parentIssueId ? nodeOfType(ctx, input.parentIssueId, 'Issue') : null;
    if (input.milestoneId) throw notFoundNode(input.milestoneId);
    const assignees = usersById(ctx, input.assigneeIds ?? []);
    const issue = ctx.model.createIssue(repo, {title: input.title, body: input.body, labels, assignees, parent}, ctx.viewer);
    created(ctx, info);
    return {clientMutationId: input.clientMutationId ?? null, issue};
  },
  updateIssue: (_s, {input}: In<{id: string; title?: string | null; body?: string | null; state?: 'OPEN' | 'CLOSED' | null; labelIds?: string[] | null; assigneeIds?: string[] | null}>, ctx, info) => {
    const issue = labelable(ctx, input.id);
    gate(ctx, info);
    const labels = input.labelIds != null ? labelsById(ctx, issue.repo, input.labelIds) : null;
    const assignees = input.assigneeIds != null ? usersById(ctx, input.assigneeIds) : null;
    ctx.model.updateIssue(issue, {title: input.title, body: input.body, state: input.state, labels, assignees}, ctx.viewer);
    return {clientMutationId: input.clientMutationId ?? null, issue, actor: ctx.viewer};
  },
  closeIssue: (_s, {input}: In<{issueId: string; stateReason?: 'COMPLETED' | 'NOT_PLANNED' | 'DUPLICATE' | null; duplicateIssueId?: string | null}>, ctx, info) => {
    const issue = labelable(ctx, input.issueId);
    gate(ctx, info);
    let reason = input.stateReason ?? 'COMPLETED';
    if (input.duplicateIssueId) {
      const dup = nodeOfType(ctx, input.duplicateIssueId, 'Issue');
      if (dup === issue) throw new GitHubError('UNPROCESSABLE', 'An issue cannot be marked as a duplicate of itself');
      reason = 'DUPLICATE';
    } else if (reason === 'DUPLICATE') {
      throw new GitHubError('UNPROCESSABLE', 'A duplicate issue id is required when closing as a duplicate');
    }
    ctx.model.closeIssue(issue, reason);
    return {clientMutationId: input.clientMutationId ?? null, issue};
  },
  reopenIssue: (_s, {input}: In<{issueId: string}>, ctx, info) => {
    const issue = labelable(ctx, input.issueId);
    gate(ctx, info);
    ctx.model.reopenIssue(issue);
    return {clientMutationId: input.clientMutationId ?? null, issue};
  },
  deleteIssue: (_s, {input}: In<{issueId: string}>, ctx, info) => {
    const issue = labelable(ctx, input.issueId);
    if (issue.repo.owner !== ctx.viewer) throw new GitHubError('FORBIDDEN', `${ctx.viewer.login} does not have the correct permissions to execute \`DeleteIssue\``);
    gate(ctx, info);
    ctx.model.deleteIssue(issue);
    return {clientMutationId: input.clientMutationId ?? null, repository: issue.repo};
  },
  transferIssue: (_s, {input}: In<{issueId: string; repositoryId: string; createLabelsIfMissing?: boolean | null}>, ctx, info) => {
    const issue = labelable(ctx, input.issueId);
    const to = nodeOfType(ctx, input.repositoryId, 'Repository');
    requireWrite(ctx, to);
    gate(ctx, info);
    ctx.model.transferIssue(issue, to, input.createLabelsIfMissing ?? false);
    return {clientMutationId: input.clientMutationId ?? null, issue};
  },
  addComment: (_s, {input}: In<{subjectId: string; body: string}>, ctx, info) => {
    const issue = labelable(ctx, input.subjectId);
    gate(ctx, info);
    const c = ctx.model.addComment(issue, input.body, ctx.viewer);
    created(ctx, info);
    return {clientMutationId: input.clientMutationId ?? null, commentEdge: {cursor: Buffer.from(`cursor:v2:[${c.dbId}]`).toString('base64'), node: c}, subject: issue, timelineEdge: null};
  },
  updateIssueComment: (_s, {input}: In<{id: string; body: string}>, ctx, info) => {
    const c = nodeOfType(ctx, input.id, 'IssueComment');
    requireWrite(ctx, c.issue.repo);
    gate(ctx, info);
    ctx.model.updateComment(c, input.body, ctx.viewer);
    return {clientMutationId: input.clientMutationId ?? null, issueComment: c};
  },
  deleteIssueComment: (_s, {input}: In<{id: string}>, ctx, info) => {
    const c = nodeOfType(ctx, input.id, 'IssueComment');
    requireWrite(ctx, c.issue.repo);
    gate(ctx, info);
    ctx.model.deleteComment(c);
    return {clientMutationId: input.clientMutationId ?? null};
  },
  createLabel: (_s, {input}: In<{repositoryId: string; name: string; color: string; description?: string | null}>, ctx, info) => {
    const repo = nodeOfType(ctx, input.repositoryId, 'Repository');
    requireWrite(ctx, repo);
    gate(ctx, info);
    const label = ctx.model.createLabel(repo, input);
    created(ctx, info);
    return {clientMutationId: input.clientMutationId ?? null, label};
  },
  updateLabel: (_s, {input}: In<{id: string; name?: string | null; color?: string | null; description?: string | null}>, ctx, info) => {
    const label = nodeOfType(ctx, input.id, 'Label');
    requireWrite(ctx, label.repo);
    gate(ctx, info);
    ctx.model.updateLabel(label, input);
    return {clientMutationId: input.clientMutationId ?? null, label};
  },
  deleteLabel: (_s, {input}: In<{id: string}>, ctx, info) => {
    const label = nodeOfType(ctx, input.id, 'Label');
    requireWrite(ctx, label.repo);
    gate(ctx, info);
    ctx.model.deleteLabel(label);
    return {clientMutationId: input.clientMutationId ?? null};
  },
  addLabelsToLabelable: (_s, {input}: In<{labelableId: string; labelIds: string[]}>, ctx, info) => {
    const issue = labelable(ctx, input.labelableId);
    gate(ctx, info);
    ctx.model.addLabels(issue, labelsById(ctx, issue.repo, input.labelIds));
    return {clientMutationId: input.clientMutationId ?? null, labelable: issue};
  },
  removeLabelsFromLabelable: (_s, {input}: In<{labelableId: string; labelIds: string[]}>, ctx, info) => {
    const issue = labelable(ctx, input.labelableId);
    gate(ctx, info);
    ctx.model.removeLabels(issue, labelsById(ctx, issue.repo, input.labelIds));
    return {clientMutationId: input.clientMutationId ?? null, labelable: issue};
  },
  clearLabelsFromLabelable: (_s, {input}: In<{labelableId: string}>, ctx, info) => {
    const issue = labelable(ctx, input.labelableId);
    gate(ctx, info);
    ctx.model.removeLabels(issue, [...issue.labels]);
    return {clientMutationId: input.clientMutationId ?? null, labelable: issue};
  },
  addSubIssue: (_s, {input}: In<{issueId: string; subIssueId?: string | null; subIssueUrl?: string | null; replaceParent?: boolean | null}>, ctx, info) => {
    const parent = labelable(ctx, input.issueId);
    if ((input.subIssueId == null) === (input.subIssueUrl == null)) {
      throw new GitHubError('UNPROCESSABLE', 'Exactly one of subIssueId or subIssueUrl must be provided');
    }
    gate(ctx, info);
    let child: Issue;
    if (input.subIssueId != null) child = nodeOfType(ctx, input.subIssueId, 'Issue');
    else {
      const m = /^https:\/\/github\.com\/([^/]+\/[^/]+)\/issues\/(\d+)$/.exec(input.subIssueUrl!);
      const repo = m ? ctx.model.repo(m[1]!) : undefined;
      const found = repo && canRead(ctx, repo) ? ctx.model.issue(repo, Number(m![2])) : undefined;
      if (!found) throw new GitHubError('NOT_FOUND', `Could not resolve to an issue with the URL '${input.subIssueUrl}'`);
      child = found;
    }
    requireWrite(ctx, child.repo);
    ctx.model.addSubIssue(parent, child, input.replaceParent ?? false);
    return {clientMutationId: input.clientMutationId ?? null, issue: parent, subIssue: child};
  },
  addAssigneesToAssignable: (_s, {input}: In<{assignableId: string; assigneeIds: string[]}>, ctx, info) => {
    const issue = labelable(ctx, input.assignableId);
    gate(ctx, info);
    ctx.model.setAssignees(issue, [...issue.assignees, ...usersById(ctx, input.assigneeIds)]);
    return {clientMutationId: input.clientMutationId ?? null, assignable: issue};
  },
  removeAssigneesFromAssignable: (_s, {input}: In<{assignableId: string; assigneeIds: string[]}>, ctx, info) => {
    const issue = labelable(ctx, input.assignableId);
    gate(ctx, info);
    const gone = usersById(ctx, input.assigneeIds);
    ctx.model.setAssignees(issue, issue.assignees.filter(u => !gone.includes(u)));
    return {clientMutationId: input.clientMutationId ?? null, assignable: issue};
  },
  reprioritizeSubIssue: (_s, {input}: In<{issueId: string; subIssueId: string; afterId?: string | null; beforeId?: string | null}>, ctx, info) => {
    const parent = labelable(ctx, input.issueId);
    if ((input.afterId == null) === (input.beforeId == null)) throw new GitHubError('UNPROCESSABLE', 'Exactly one of afterId or beforeId must be provided');
    const child = nodeOfType(ctx, input.subIssueId, 'Issue');
    const anchor = nodeOfType(ctx, (input.afterId ?? input.beforeId)!, 'Issue');
    gate(ctx, info);
    ctx.model.reprioritizeSubIssue(parent, child, input.afterId != null ? {after: anchor} : {before: anchor});
    return {clientMutationId: input.clientMutationId ?? null, issue: parent};
  },
  removeSubIssue: (_s, {input}: In<{issueId: string; subIssueId: string}>, ctx, info) => {
    const parent = labelable(ctx, input.issueId);
    const child = nodeOfType(ctx, input.subIssueId, 'Issue');
    gate(ctx, info);
    ctx.model.removeSubIssue(parent, child);
    return {clientMutationId: input.clientMutationId ?? null, issue: parent, subIssue: child};
  },
};

export const IMPLEMENTED_MUTATIONS = Object.keys(mutationFields);

const byType: Record<string, Record<string, Resolver>> = {
  Query: queryFields,
  Mutation: mutationFields,
  Repository: repositoryFields,
  Issue: issueFields,
  IssueComment: commentFields,
  Label: labelFields,
  User: userFields,
};

export const fieldResolver: GraphQLFieldResolver<unknown, RequestContext> = (src, args, ctx, info) => {
  const r = byType[info.parentType.name]?.[info.fieldName];
  if (info.parentType.name === 'Mutation') ctx.currentMutation = info.fieldName;
  if (r) return r(src, args, ctx, info);
  if (src !== null && typeof src === 'object' && info.fieldName in src) return (src as Record<string, unknown>)[info.fieldName];
  if (getNamedType(info.returnType).name.endsWith('Connection') && info.parentType.getFields()[info.fieldName]?.args.some(a => a.name === 'first')) {
    return paginate(info, [], args as PageArgs, () => [], {maxPageSize: ctx.limits.maxPageSize});
  }
  if (info.fieldName.startsWith('viewerCan')) return true;
  if (info.parentType.name === 'Mutation') {
    throw new GitHubError('UNPROCESSABLE', `The emulator does not implement the \`${info.fieldName}\` mutation`);
  }
  return null;
};
