import type {GraphQLResolveInfo, SelectionSetNode} from 'graphql';
import {GitHubError} from './errors.js';
import {decodeCursor, encodeCursor} from './ids.js';

/**
 * Relay connections the way GitHub pages them (spec §4.3, §4.4): `first` or `last` is required
 * when `nodes`/`edges` are selected (counting with `totalCount` alone is allowed), at most
 * `maxPageSize`, checked by the connection's resolver so the error is a field error with a `path`;
 * cursors are keyset positions (see ids.ts).
 */
export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export type SortKey = Array<string | number>;

export interface Connection<T> {
  edges: Array<{cursor: string; node: T}>;
  nodes: T[];
  pageInfo: {startCursor: string | null; endCursor: string | null; hasNextPage: boolean; hasPreviousPage: boolean};
  totalCount: number;
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

function selects(info: GraphQLResolveInfo, names: string[]): boolean {
  const seen = new Set<string>();
  const look = (set: SelectionSetNode | undefined): boolean =>
    !!set?.selections.some(s => {
      if (s.kind === 'Field') return names.includes(s.name.value);
      if (s.kind === 'InlineFragment') return look(s.selectionSet);
      if (seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      return look(info.fragments[s.name.value]?.selectionSet);
    });
  return info.fieldNodes.some(f => look(f.selectionSet));
}

/** Check GitHub's pagination rules for this connection field; throws the GitHub field error. */
export function checkPagination(info: GraphQLResolveInfo, args: PageArgs, maxPageSize: number): void {
  const name = info.fieldName;
  if (args.first != null && args.last != null) {
    throw new GitHubError('UNPROCESSABLE', `Passing both \`first\` and \`last\` to paginate the \`${name}\` connection is not supported.`);
  }
  if (args.first == null && args.last == null) {
    if (selects(info, ['nodes', 'edges'])) {
      throw new GitHubError('MISSING_PAGINATION_BOUNDARIES', `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`);
    }
    return;
  }
  for (const arg of ['first', 'last'] as const) {
    const n = args[arg];
    if (n == null) continue;
    if (n < 0) throw new GitHubError('UNPROCESSABLE', `\`${arg}\` on the \`${name}\` connection cannot be less than zero.`);
    if (n > maxPageSize) {
      throw new GitHubError('EXCESSIVE_PAGINATION', `Requesting ${n} records on the \`${name}\` connection exceeds the \`${arg}\` limit of ${maxPageSize} records.`);
    }
  }
}

/**
 * One page of `items`, which must already be sorted by `key` (ascending keys; pass `descending`
 * when the order is reversed so cursor comparisons flip too).
 */
export function paginate<T>(
  info: GraphQLResolveInfo,
  items: T[],
  args: PageArgs,
  key: (item: T) => SortKey,
  opts: {maxPageSize: number; descending?: boolean},
): Connection<T> {
  checkPagination(info, args, opts.maxPageSize);
  const sign = opts.descending ? -1 : 1;
  const position = (cursor: string, arg: 'after' | 'before'): SortKey => {
    const k = decodeCursor(cursor);
    if (!k) throw new GitHubError('INVALID_CURSOR_ARGUMENTS', `\`${arg}\` does not appear to be a valid cursor.`);
    return k;
  };
  let window = items;
  if (args.after != null) {
    const k = position(args.after, 'after');
    window = window.filter(i => sign * compareKeys(key(i), k) > 0);
  }
  if (args.before != null) {
    const k = position(args.before, 'before');
    window = window.filter(i => sign * compareKeys(key(i), k) < 0);
  }
  let page = window;
  if (args.first != null) page = window.slice(0, args.first);
  else if (args.last != null) page = args.last === 0 ? [] : window.slice(-args.last);
  const edges = page.map(node => ({cursor: encodeCursor(key(node)), node}));
  const firstIdx = page.length ? items.indexOf(page[0]!) : -1;
  const lastIdx = page.length ? items.indexOf(page[page.length - 1]!) : -1;
  return {
    edges,
    nodes: page,
    totalCount: items.length,
    pageInfo: {
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
      hasNextPage: page.length ? lastIdx < items.length - 1 : false,
      hasPreviousPage: page.length ? firstIdx > 0 : false,
    },
  };
}
