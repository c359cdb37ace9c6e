import type {GraphQLResolveInfo} from 'graphql';
import {canRead, lookupNode, nodeOfType, requireWrite} from './access.js';
import type {RequestContext} from './context.js';
import {GitHubError, HttpAbort, httpBodies, notFoundNode} from './errors.js';
import {encodeCursor} from './ids.js';
import type {Issue, Label, Repo, User} from './model.js';

/**
 * The mutations the sync uses. Each resolves its target (NOT_FOUND when the token cannot see it),
 * checks write access, passes the content-creation gate, then changes the model, whose validation
 * errors surface as UNPROCESSABLE field errors. Aliased mutations run one after another with no
 * transaction, as on GitHub.
 */
type Resolver = (src: any, args: any, ctx: RequestContext, info: GraphQLResolveInfo) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any


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

export const mutationFields: Record<string, Resolver> = {
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
    return {clientMutationId: input.clientMutationId ?? null, commentEdge: {cursor: encodeCursor([c.dbId]), node: c}, subject: issue, timelineEdge: null};
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
