import {
  getArgumentValues,
  getNamedType,
  isInterfaceType,
  isObjectType,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * GitHub's static query analysis (spec §3.1, §4.3), run after validation and before execution.
 *
 * - fetches: for every connection field, how many separate fetches it needs if every enclosing
 *   connection returns its full `first`/`last` (a top-level connection = 1). Cost = fetches / 100,
 *   rounded to the nearest integer, at least 1. GitHub's example: 100 repos x 50 issues x 60 labels
 *   = 1 + 100 + 5,000 = 5,101 fetches -> cost 51.
 * - nodes: for every connection, its page size times those of all enclosing connections, summed
 *   (50 repos x 10 issues = 50 + 500 = 550). Above `maxNodes` the query is refused before running.
 *
 * A connection is a field returning `...Connection` that takes `first`. A missing page size counts
 * as 0 nodes here; the connection's resolver reports MISSING_PAGINATION_BOUNDARIES.
 */
export interface QueryAnalysis {
  fetches: number;
  nodeCount: number;
  cost: number;
  /** Set when the node count passes the limit: the connection where it did and the total. */
  nodeLimitExceeded?: {connection: string; nodes: number};
}

export function analyzeOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  maxNodes: number,
): QueryAnalysis {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  const out: QueryAnalysis = {fetches: 0, nodeCount: 0, cost: 1};
  if (!root) return out;

  const walk = (selectionSet: SelectionSetNode | undefined, parent: GraphQLNamedType, product: number): void => {
    if (!selectionSet) return;
    for (const sel of selectionSet.selections) {
      if (sel.kind === 'InlineFragment') {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        walk(sel.selectionSet, t ?? parent, product);
        continue;
      }
      if (sel.kind === 'FragmentSpread') {
        const frag = fragments[sel.name.value];
        const t = frag ? schema.getType(frag.typeCondition.name.value) : undefined;
        if (frag && t) walk(frag.selectionSet, t, product);
        continue;
      }
      if (!(isObjectType(parent) || isInterfaceType(parent))) continue;
      const def = parent.getFields()[sel.name.value];
      if (!def) continue;
      const type = getNamedType(def.type);
      if (isConnection(def)) {
        const size = pageSize(def, sel, variables);
        out.fetches += product;
        out.nodeCount += product * size;
        if (out.nodeCount > maxNodes && !out.nodeLimitExceeded) {
          out.nodeLimitExceeded = {connection: sel.name.value, nodes: out.nodeCount};
        }
        walk(sel.selectionSet, type, product * size);
      } else {
        walk(sel.selectionSet, type, product);
      }
    }
  };
  walk(operation.selectionSet, root, 1);
  out.cost = Math.max(1, Math.round(out.fetches / 100));
  return out;
}

function isConnection(def: GraphQLField<unknown, unknown>): boolean {
  return getNamedType(def.type).name.endsWith('Connection') && def.args.some(a => a.name === 'first');
}

function pageSize(def: GraphQLField<unknown, unknown>, node: Parameters<typeof getArgumentValues>[1], variables: Record<string, unknown>): number {
  try {
    const args = getArgumentValues(def, node, variables);
    const n = (args.first ?? args.last) as number | null | undefined;
    return typeof n === 'number' && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** "1,000,000" — GitHub prints node counts with thousands separators. */
export function withCommas(n: number): string {
  return n.toLocaleString('en-US');
}
