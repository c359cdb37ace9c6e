import type {GraphQLFormattedError} from 'graphql';

/**
 * An error GitHub reports inside a 200 GraphQL response with a top-level `type`
 * (`NOT_FOUND`, `UNPROCESSABLE`, `FORBIDDEN`, `MISSING_PAGINATION_BOUNDARIES`, ...). Thrown by
 * resolvers and by the domain model; the server turns it into `{type, path, locations, message}`.
 */
export class GitHubError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'GitHubError';
  }
}

/** Thrown inside execution when the whole request must end with an HTTP-level answer (e.g. a 403). */
export class HttpAbort extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
    readonly rateLimited: 'primary' | 'secondary' | null = null,
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpAbort';
  }
}

export const notFoundNode = (id: string) => new GitHubError('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`);

export const unprocessable = (message: string) => new GitHubError('UNPROCESSABLE', message);

/** The GitHub error entry shape: `type` first, then `path`, `locations`, `message`. */
export interface GitHubErrorEntry {
  type?: string;
  code?: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
  locations?: ReadonlyArray<{line: number; column: number}>;
  message: string;
}

export function entry(e: (GraphQLFormattedError | GitHubErrorEntry) & {type?: string}): GitHubErrorEntry {
  const ordered: Partial<GitHubErrorEntry> = {};
  if (e.type) ordered.type = e.type;
  if (e.path) ordered.path = e.path;
  if (e.extensions && Object.keys(e.extensions).length) ordered.extensions = e.extensions as Record<string, unknown>;
  if (e.locations) ordered.locations = e.locations;
  return {...ordered, message: e.message};
}

/** Bodies of GitHub's HTTP-level (non-GraphQL) answers. */
export const httpBodies = {
  unauthenticated: {
    message: 'This endpoint requires you to be authenticated.',
    documentation_url: 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql',
    status: '401',
  },
  badCredentials: {message: 'Bad credentials', documentation_url: 'https://docs.github.com/graphql', status: '401'},
  badJson: {message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/graphql', status: '400'},
  notFound: {message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404'},
  secondary: (requestId: string) => ({
    documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
  }),
  abuse: {
    message: 'You have triggered an abuse detection mechanism. Please wait a few minutes before you try again.',
    documentation_url: 'https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api#secondary-rate-limits',
  },
  tooManyRequests: {message: 'Too Many Requests', documentation_url: 'https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api', status: '429'},
  somethingWentWrong: (requestId: string) => ({
    data: null,
    errors: [
      {
        message: `Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include \`${requestId}\` when reporting this issue.`,
      },
    ],
  }),
};
