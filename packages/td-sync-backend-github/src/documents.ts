/**
 * Every GraphQL document the backend sends. All are checked against GitHub's published schema by
 * the emulator's tests. Connections always carry `first`; page sizes keep each query at one point
 * (issues 50 x comments 50 x labels 50 = 101 fetches -> cost 1).
 */

export const ISSUE_FIELDS = `
fragment TdIssue on Issue {
  id number title body state stateReason(enableDuplicate: true) createdAt updatedAt closedAt
  author { login }
  labels(first: 50) { nodes { id name } }
  parent { id number }
  repository { nameWithOwner }
}`;

export const COMMENT_FIELDS = `
fragment TdComment on IssueComment {
  id body createdAt updatedAt
  author { login }
}`;

export const VIEWER_AND_REPO = `
query TdRepo($owner: String!, $name: String!) {
  viewer { login }
  repository(owner: $owner, name: $name) {
    id nameWithOwner hasIssuesEnabled isArchived viewerPermission
  }
  rateLimit { limit remaining resetAt cost }
}`;

export const RATE_LIMIT = `
query TdRateLimit {
  viewer { login }
  rateLimit { limit remaining resetAt cost used }
}`;

export const PULL_PAGE = `
query TdPull($owner: String!, $name: String!, $first: Int!, $after: String, $since: DateTime, $labels: [String!]) {
  repository(owner: $owner, name: $name) {
    issues(first: $first, after: $after, filterBy: {since: $since, labels: $labels}, orderBy: {field: UPDATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        ...TdIssue
        comments(first: 50) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes { ...TdComment }
        }
      }
    }
  }
}
${ISSUE_FIELDS}
${COMMENT_FIELDS}`;

export const ISSUE_COMMENTS = `
query TdComments($id: ID!, $after: String) {
  node(id: $id) {
    ... on Issue {
      comments(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { ...TdComment }
      }
    }
  }
}
${COMMENT_FIELDS}`;

export const ISSUES_BY_ID = `
query TdIssues($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Issue { ...TdIssue }
  }
}
${ISSUE_FIELDS}`;

/** Crash reconciliation: a listing (never the search API, which lags) of recently touched issues. */
export const SCAN_ISSUES = `
query TdScan($owner: String!, $name: String!, $after: String, $since: DateTime, $labels: [String!]) {
  repository(owner: $owner, name: $name) {
    issues(first: 50, after: $after, filterBy: {since: $since, labels: $labels}, orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ...TdIssue }
    }
  }
}
${ISSUE_FIELDS}`;

export const LABELS = `
query TdLabels($owner: String!, $name: String!, $query: String, $after: String) {
  repository(owner: $owner, name: $name) {
    labels(first: 100, after: $after, query: $query) {
      pageInfo { hasNextPage endCursor }
      nodes { id name }
    }
  }
}`;

/** One aliased mutation inside a batch document. */
export interface MutationSpec {
  /** Mutation field (createIssue, updateIssue...). */
  field: string;
  /** GraphQL input type name (CreateIssueInput...). */
  inputType: string;
  input: Record<string, unknown>;
  /** Selection set on the payload. */
  selection: string;
}

export const SELECT = {
  issue: '{ issue { ...TdIssue } }',
  issueStamp: '{ issue { id updatedAt } }',
  comment: '{ commentEdge { node { ...TdComment } } }',
  updatedComment: '{ issueComment { ...TdComment } }',
  label: '{ label { id name } }',
  labelable: '{ labelable { ... on Issue { id updatedAt } } }',
  subIssue: '{ subIssue { id updatedAt } }',
  none: '{ clientMutationId }',
} as const;

/** Build `mutation TdWrite($m0: XInput!, ...) { m0: x(input: $m0) {...} ... }` with the fragments it uses. */
export function batchDocument(specs: readonly MutationSpec[]): {document: string; variables: Record<string, unknown>} {
  const vars: string[] = [];
  const fields: string[] = [];
  const variables: Record<string, unknown> = {};
  specs.forEach((s, i) => {
    vars.push(`$m${i}: ${s.inputType}!`);
    fields.push(`  m${i}: ${s.field}(input: $m${i}) ${s.selection}`);
    variables[`m${i}`] = s.input;
  });
  let document = `mutation TdWrite(${vars.join(', ')}) {\n${fields.join('\n')}\n}`;
  if (document.includes('...TdIssue')) document += `\n${ISSUE_FIELDS}`;
  if (document.includes('...TdComment')) document += `\n${COMMENT_FIELDS}`;
  return {document, variables};
}
