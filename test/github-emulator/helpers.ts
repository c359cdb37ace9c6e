/** Small helpers shared by the emulator's own tests (plain fetch; no client library in the way). */
import type {GitHubEmulator} from './index.js';

export interface GqlReply<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  headers: Headers;
  body: T;
}

export async function gql<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
  em: GitHubEmulator,
  query: string,
  variables: Record<string, unknown> = {},
  opts: {token?: string | null; path?: string; operationName?: string} = {},
): Promise<GqlReply<T>> {
  const headers: Record<string, string> = {'content-type': 'application/json'};
  const token = opts.token === undefined ? em.token : opts.token;
  if (token !== null) headers.authorization = `token ${token}`;
  const res = await fetch(`${em.url}${opts.path ?? '/graphql'}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({query, variables, ...(opts.operationName ? {operationName: opts.operationName} : {})}),
  });
  const text = await res.text();
  return {status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as T) : (null as T)};
}

export const RATE_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-used', 'x-ratelimit-reset', 'x-ratelimit-resource'];

/** Creates an issue through the API and returns its id and number. */
export async function apiCreateIssue(em: GitHubEmulator, repoId: string, title: string, extra: Record<string, unknown> = {}): Promise<{id: string; number: number; updatedAt: string}> {
  const r = await gql(em, `mutation($i: CreateIssueInput!) { createIssue(input: $i) { issue { id number updatedAt } } }`, {i: {repositoryId: repoId, title, ...extra}});
  if (!r.body.data?.createIssue) throw new Error(`createIssue failed: ${JSON.stringify(r.body)}`);
  return r.body.data.createIssue.issue;
}
