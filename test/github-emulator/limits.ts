/**
 * Every number the emulator enforces, with github.com's values as defaults (spec §3.1, §3.2, §4.1,
 * §4.3). Tests lower them to trip a limit quickly.
 */
export interface EmulatorLimits {
  /** Primary GraphQL budget: points per window (5,000 for a user token). */
  primaryPoints: number;
  /** Primary window length (one hour). */
  primaryWindowMs: number;
  /** Largest `first`/`last` on one connection. */
  maxPageSize: number;
  /** Most nodes one query may request. */
  maxNodes: number;
  /** Secondary: content-creating mutations per minute and per hour (web UI actions count too). */
  contentPerMinute: number;
  contentPerHour: number;
  /**
   * How an exceeded content-creation limit answers: `submitted-too-quickly` refuses the one mutation
   * inside a 200 (`UNPROCESSABLE`, "was submitted too quickly", cli/cli#4801), `secondary-403` refuses
   * the whole request with a 403 "secondary rate limit" and `retry-after`.
   */
  contentLimitSignal: 'submitted-too-quickly' | 'secondary-403';
  /** Secondary points per minute on the GraphQL endpoint (1 per query, 5 per request with mutations). */
  secondaryPointsPerMinute: number;
  /** Concurrent requests per user. */
  maxConcurrent: number;
  /** Text limits, counted in code points as GitHub counts them. */
  bodyMax: number;
  titleMax: number;
  labelNameMax: number;
  labelDescriptionMax: number;
  labelsPerIssue: number;
  subIssuesPerParent: number;
  subIssueDepth: number;
  /** Mutations that create content and count against the content-creation limits. */
  contentCreatingMutations: string[];
  /** GitHub kills a request running longer than this and answers 502 (a `delay` fault can exceed it). */
  requestTimeoutMs: number;
  /** How long a new issue stays invisible to `search` (the search index lags behind writes). */
  searchLagMs: number;
}

export const DEFAULT_LIMITS: EmulatorLimits = {
  primaryPoints: 5000,
  primaryWindowMs: 3_600_000,
  maxPageSize: 100,
  maxNodes: 500_000,
  contentPerMinute: 80,
  contentPerHour: 500,
  contentLimitSignal: 'submitted-too-quickly',
  secondaryPointsPerMinute: 2000,
  maxConcurrent: 100,
  bodyMax: 65_536,
  titleMax: 256,
  labelNameMax: 50,
  labelDescriptionMax: 100,
  labelsPerIssue: 100,
  subIssuesPerParent: 100,
  subIssueDepth: 8,
  contentCreatingMutations: ['createIssue', 'addComment'],
  searchLagMs: 0,
  requestTimeoutMs: 10_000,
};

/** Length as GitHub counts it (Ruby string length: code points, not UTF-16 units). */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
