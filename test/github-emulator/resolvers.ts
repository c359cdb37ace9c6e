import {getNamedType, type GraphQLFieldResolver, type GraphQLResolveInfo} from 'graphql';
import {isoSeconds, parseDateTime} from './clock.js';
import {paginate, type PageArgs, type SortKey} from './connection.js';
import {canRead, lookupNode, requireIssueRead} from './access.js';
import type {RequestContext} from './context.js';
import {GitHubError, notFoundNode} from './errors.js';
import {repoName, type Comment, type Issue, type Label, type Repo, type User} from './model.js';
import {mutationFields} from './mutations.js';
import {searchIssues} from './search.js';

/**
 * Field resolvers for the subset of GitHub's schema the sync uses. Everything else in the schema
 * still validates; an unimplemented field resolves to its record property, an empty connection
 * (after GitHub's pagination checks), `true` for `viewerCan*`, or null.
 */
type Resolver = (src: any, args: any, ctx: RequestContext, info: GraphQLResolveInfo) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

const HOST = 'https://github.com';

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
