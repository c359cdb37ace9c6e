import type {RequestContext} from './context.js';
import {GitHubError, notFoundNode} from './errors.js';
import type {NodeRecord, Repo} from './model.js';

/**
 * Who may see and change what: classic tokens by OAuth scope, fine-grained and app tokens by their
 * `issues` permission. A repository the token cannot read answers like one that does not exist.
 */
export function fineGrained(ctx: RequestContext): boolean {
  return ctx.token.permissions !== undefined;
}

export const notAccessible = (ctx: RequestContext) =>
  new GitHubError('FORBIDDEN', ctx.token.kind === 'app' ? 'Resource not accessible by integration' : 'Resource not accessible by personal access token');

export function canRead(ctx: RequestContext, repo: Repo): boolean {
  if (!repo.isPrivate) return true;
  if (fineGrained(ctx)) return true;
  return ctx.token.scopes.includes('repo');
}

export function requireWrite(ctx: RequestContext, repo: Repo): void {
  if (fineGrained(ctx)) {
    if (ctx.token.permissions?.issues !== 'write') throw notAccessible(ctx);
    return;
  }
  const ok = ctx.token.scopes.includes('repo') || (!repo.isPrivate && ctx.token.scopes.includes('public_repo'));
  if (!ok) throw new GitHubError('FORBIDDEN', `${ctx.viewer.login} does not have the correct permissions to execute \`${pascal(ctx.currentMutation ?? 'mutation')}\``);
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function requireIssueRead(ctx: RequestContext): void {
  if (fineGrained(ctx) && !['read', 'write'].includes(ctx.token.permissions?.issues ?? 'none')) {
    throw notAccessible(ctx);
  }
}

export function repoOf(n: NodeRecord): Repo | undefined {
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

export function lookupNode(ctx: RequestContext, id: string): NodeRecord {
  // Eventual consistency (spec §4.5): a `not-found` fault matched to a mutation makes the node it
  // names briefly unresolvable, as a freshly created issue sometimes is on github.com.
  if (ctx.currentMutation && ctx.faults.take(['not-found'], [ctx.currentMutation])) throw notFoundNode(id);
  const n = ctx.model.node(id);
  const repo = n && repoOf(n);
  if (!n || (repo && !canRead(ctx, repo))) throw notFoundNode(id);
  return n;
}

export function nodeOfType<K extends NodeRecord['__typename']>(ctx: RequestContext, id: string, type: K): Extract<NodeRecord, {__typename: K}> {
  const n = lookupNode(ctx, id);
  if (n.__typename !== type) throw notFoundNode(id);
  return n as Extract<NodeRecord, {__typename: K}>;
}

