import type {RequestContext} from './context.js';
import {canRead} from './access.js';
import {repoName, type Issue} from './model.js';

/**
 * Issue search over the qualifiers a sync might use (`repo:`, `is:issue|open|closed`, `state:`,
 * `author:`, `label:`, `in:title|body|comments`, free words), newest first, capped at 1,000 results.
 * The index lags: an issue is found only `searchLagMs` after it was created (spec §4.5).
 */
export function searchIssues(ctx: RequestContext, query: string): Issue[] {
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
