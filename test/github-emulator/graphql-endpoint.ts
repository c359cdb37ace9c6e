import type {IncomingMessage, ServerResponse} from 'node:http';
import {setTimeout as sleep} from 'node:timers/promises';
import {
  execute,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import {analyzeOperation, withCommas} from './analysis.js';
import type {RequestContext, TokenRecord} from './context.js';
import {entry, GitHubError, HttpAbort, httpBodies, type GitHubErrorEntry} from './errors.js';
import type {FaultSpec} from './faults.js';
import {REQUEST_FAULTS} from './faults.js';
import type {EmulatorCore, RequestLogEntry} from './core.js';
import {fieldResolver} from './resolvers.js';
import {githubParseError, githubValidationErrors, githubVariableErrors} from './validation.js';

/**
 * `POST /graphql` (and `/api/graphql`): one GitHub GraphQL request, in GitHub's order of checks:
 * authentication, concurrency, body, parse, injected faults, secondary points, validation,
 * variables, node limit, token scopes, primary budget, execution. Every answer carries the five
 * `x-ratelimit-*` headers and is written to the request log.
 */
const POST_EXECUTION = new Set(['apply-then-502', 'apply-then-504', 'timeout', 'resource-limits']);

interface Outcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  rateLimited?: 'primary' | 'secondary' | null;
  /** Override the remaining header (GitHub sends 0 with RATE_LIMITED). */
  remainingZero?: boolean;
}

export async function handleGraphQL(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, rawBody: string): Promise<void> {
  const requestId = core.nextRequestId();
  const log: RequestLogEntry = {at: new Date(core.clock.nowMs()).toISOString(), operation: null, mutation: false, contentCreating: false, cost: 0, nodes: 0, status: 0, rateLimited: null};
  const started = Date.now();
  let token: TokenRecord | undefined;
  const finish = (o: Outcome) => {
    log.status = o.status;
    log.rateLimited = o.rateLimited ?? null;
    log.durationMs = Date.now() - started;
    core.requestLog.push(log);
    const headers: Record<string, string> = {'content-type': 'application/json; charset=utf-8', 'x-github-request-id': requestId, 'x-github-media-type': 'github.v4; format=json'};
    if (token) {
      const p = core.rateLimits.primaryState(token.login);
      Object.assign(headers, {
        'x-ratelimit-limit': String(p.limit),
        'x-ratelimit-remaining': o.remainingZero ? '0' : String(p.remaining),
        'x-ratelimit-reset': String(p.reset),
        'x-ratelimit-used': String(p.used),
        'x-ratelimit-resource': 'graphql',
      });
      if (!token.permissions) Object.assign(headers, {'x-oauth-scopes': token.scopes.join(', '), 'x-accepted-oauth-scopes': 'repo'});
    } else {
      Object.assign(headers, {
        'x-ratelimit-limit': '0',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(core.clock.nowMs() / 1000) + 3600),
        'x-ratelimit-used': '0',
        'x-ratelimit-resource': 'graphql',
      });
    }
    Object.assign(headers, o.headers ?? {});
    if (!res.destroyed) {
      res.writeHead(o.status, headers);
      res.end(JSON.stringify(o.body));
    }
  };

  // Authentication: `token X` (PATs) or `bearer X` (JWTs, app tokens) — GitHub requires it for GraphQL.
  const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!auth) return finish({status: 401, body: httpBodies.unauthenticated});
  token = core.tokens.get(auth[1]!);
  if (!token) return finish({status: 401, body: httpBodies.badCredentials});
  const login = token.login;

  if (!core.rateLimits.enter(login)) {
    core.rateLimits.leave(login);
    return finish({status: 403, body: httpBodies.secondary(requestId), rateLimited: 'secondary'});
  }
  try {
    const outcome = await run();
    if (outcome === 'reset') {
      log.status = 0;
      core.requestLog.push(log);
      req.socket.destroy();
      return;
    }
    finish(outcome);
  } finally {
    core.rateLimits.leave(login);
  }

  async function run(): Promise<Outcome | 'reset'> {
    let payload: {query?: unknown; variables?: unknown; operationName?: unknown};
    try {
      payload = JSON.parse(rawBody) as typeof payload;
      if (payload === null || typeof payload !== 'object') throw new Error('not an object');
    } catch {
      return {status: 400, body: httpBodies.badJson};
    }
    if (typeof payload.query !== 'string') {
      return {status: 200, body: {errors: [{message: 'A query attribute must be specified and must be a string.'}]}};
    }
    let rawVariables = payload.variables;
    if (typeof rawVariables === 'string' && rawVariables.trim()) {
      try {
        rawVariables = JSON.parse(rawVariables) as unknown;
      } catch {
        return {status: 400, body: httpBodies.badJson};
      }
    }
    const variables = (rawVariables && typeof rawVariables === 'object' ? rawVariables : {}) as Record<string, unknown>;
    const operationName = typeof payload.operationName === 'string' ? payload.operationName : null;

    let doc: DocumentNode;
    try {
      doc = parse(payload.query);
    } catch (e) {
      return {status: 200, body: {errors: [githubParseError(e as GraphQLError)]}};
    }
    const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    const op = operationName ? ops.find(o => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
    if (!op) {
      const message = operationName ? `No operation named "${operationName}"` : 'An operation name is required';
      return {status: 200, body: {errors: [{message}]}};
    }
    log.operation = op.name?.value ?? null;
    log.mutation = op.operation === 'mutation';
    const topFields = op.selectionSet.selections.flatMap(s => (s.kind === 'Field' ? [s.name.value, s.alias?.value ?? s.name.value] : []));
    log.contentCreating = log.mutation && topFields.some(f => core.limits.contentCreatingMutations.includes(f));
    const names = [op.name?.value ?? null, ...topFields];

    const delay = core.faults.take(['delay'], names);
    if (delay) {
      const ms = delay.delayMs ?? 1000;
      await sleep(Math.min(ms, core.limits.requestTimeoutMs), undefined, {ref: false});
      if (ms > core.limits.requestTimeoutMs) return {status: 502, body: httpBodies.somethingWentWrong(requestId)};
    }

    const fault = core.faults.take(REQUEST_FAULTS, names);
    if (fault && !POST_EXECUTION.has(fault.kind)) return requestFault(fault);

    const points = core.rateLimits.chargeSecondaryPoints(login, log.mutation ? 5 : 1);
    if (!points.ok) {
      return {status: 403, body: httpBodies.secondary(requestId), headers: {'retry-after': String(points.retryAfter)}, rateLimited: 'secondary'};
    }

    const invalid = validate(core.schema, doc);
    if (invalid.length) return {status: 200, body: {errors: githubValidationErrors(core.schema, doc, invalid).map(e => entry(e))}};
    const badVariables = githubVariableErrors(core.schema, op, variables);
    if (badVariables.length) return {status: 200, body: {errors: badVariables.map(e => entry(e))}};

    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of doc.definitions) if (d.kind === 'FragmentDefinition') fragments[d.name.value] = d;
    const analysis = analyzeOperation(core.schema, op, fragments, variables, core.limits.maxNodes);
    log.nodes = analysis.nodeCount;
    if (analysis.nodeLimitExceeded) {
      const {connection, nodes} = analysis.nodeLimitExceeded;
      return {
        status: 200,
        body: {
          errors: [
            {
              type: 'MAX_NODE_LIMIT_EXCEEDED',
              message: `By the time this query traverses to the ${connection} connection, it is requesting up to ${withCommas(nodes)} possible nodes which exceeds the maximum limit of ${withCommas(core.limits.maxNodes)}.`,
            },
          ],
        },
      };
    }

    if (log.mutation && !token!.permissions && !token!.scopes.some(s => s === 'repo' || s === 'public_repo')) {
      const field = op.selectionSet.selections.find(s => s.kind === 'Field');
      const name = field?.kind === 'Field' ? field.name.value : 'mutation';
      const loc = field?.loc ? [{line: field.loc.startToken.line, column: field.loc.startToken.column}] : undefined;
      return {
        status: 200,
        body: {
          errors: [
            {
              type: 'INSUFFICIENT_SCOPES',
              locations: loc,
              message: `Your token has not been granted the required scopes to execute this query. The '${name}' field requires one of the following scopes: ['public_repo'], but your token has only been granted the: [${token!.scopes.map(s => `'${s}'`).join(', ')}] scopes. Please modify your token's scopes at: https://github.com/settings/tokens.`,
            },
          ],
        },
      };
    }

    const dryRun = op.selectionSet.selections.some(
      s => s.kind === 'Field' && s.name.value === 'rateLimit' && s.arguments?.some(a => a.name.value === 'dryRun' && (a.value.kind === 'BooleanValue' ? a.value.value : a.value.kind === 'Variable' && variables[a.value.name.value] === true)),
    );
    if (!dryRun) {
      if (!core.rateLimits.chargePrimary(login, analysis.cost)) {
        return {status: 200, body: {errors: [{type: 'RATE_LIMITED', message: `API rate limit exceeded for user ID ${core.model.user(login).dbId}.`}]}, rateLimited: 'primary', remainingZero: true};
      }
      log.cost = analysis.cost;
    }

    const ctx: RequestContext = {
      model: core.model,
      limits: core.limits,
      faults: core.faults,
      rateLimits: core.rateLimits,
      viewer: core.model.user(login),
      token: token!,
      requestId,
      cost: analysis.cost,
      nodeCount: analysis.nodeCount,
      primary: () => core.rateLimits.primaryState(login),
      contentCreated: 0,
    };
    const result = execute({schema: core.schema, document: doc, variableValues: variables, operationName: op.name?.value, contextValue: ctx, fieldResolver}) as ExecutionResult;
    if (result && typeof (result as unknown as Promise<unknown>).then === 'function') throw new Error('the emulator resolvers must stay synchronous');
    const abort = result.errors?.map(e => e.originalError).find((e): e is HttpAbort => e instanceof HttpAbort);
    if (abort) return {status: abort.status, body: abort.body, headers: abort.headers, rateLimited: abort.rateLimited};
    const errors = result.errors?.map(formatError);
    if (errors?.some(e => e.type === 'UNPROCESSABLE' && e.message === 'was submitted too quickly')) log.rateLimited = 'secondary';

    if (fault) {
      switch (fault.kind) {
        case 'apply-then-502':
          return {status: 502, body: httpBodies.somethingWentWrong(requestId)};
        case 'apply-then-504':
          return {status: 504, body: httpBodies.somethingWentWrong(requestId)};
        case 'timeout':
          await sleep(fault.delayMs ?? 10_000, undefined, {ref: false});
          return {status: 504, body: httpBodies.somethingWentWrong(requestId)};
        case 'resource-limits': {
          const data = {...(result.data ?? {})};
          const last = Object.keys(data).at(-1);
          if (last) data[last] = null;
          return {status: 200, body: {data, errors: [...(errors ?? []), {type: 'RESOURCE_LIMITS_EXCEEDED', path: last ? [last] : undefined, message: 'Resource limits for this query exceeded.'}]}};
        }
        default:
      }
    }
    const body: {data?: unknown; errors?: GitHubErrorEntry[]} = {data: result.data ?? null};
    if (errors?.length) body.errors = errors;
    const outcome: Outcome = {status: 200, body};
    if (log.rateLimited) outcome.rateLimited = log.rateLimited;
    return outcome;
  }

  function requestFault(f: FaultSpec): Outcome | 'reset' {
    const retryAfter = {'retry-after': String(f.retryAfter ?? 60)};
    switch (f.kind) {
      case 'rate-limited':
        return {status: 200, body: {errors: [{type: 'RATE_LIMITED', message: `API rate limit exceeded for user ID ${core.model.user(token!.login).dbId}.`}]}, rateLimited: 'primary', remainingZero: true};
      case 'rate-limit-variant':
        return {status: 200, body: {errors: [{type: 'RATE_LIMIT', code: 'graphql_rate_limit', message: `API rate limit already exceeded for user ID ${core.model.user(token!.login).dbId}.`}]}, rateLimited: 'primary', remainingZero: true};
      case 'rate-limited-403':
        return {
          status: 403,
          body: {message: `API rate limit exceeded for user ID ${core.model.user(token!.login).dbId}.`, documentation_url: 'https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api#primary-rate-limit'},
          rateLimited: 'primary',
          remainingZero: true,
        };
      case 'secondary-403':
        return {status: 403, body: httpBodies.secondary(requestId), headers: retryAfter, rateLimited: 'secondary'};
      case 'secondary-403-no-retry-after':
        return {status: 403, body: httpBodies.secondary(requestId), rateLimited: 'secondary'};
      case 'secondary-429':
        return {status: 429, body: httpBodies.secondary(requestId), headers: retryAfter, rateLimited: 'secondary'};
      case '429':
        return {status: 429, body: httpBodies.tooManyRequests, rateLimited: 'secondary'};
      case 'abuse-403':
        return {status: 403, body: httpBodies.abuse, headers: retryAfter, rateLimited: 'secondary'};
      case 'secondary-200':
        return {status: 200, body: {errors: [{message: httpBodies.secondary(requestId).message}]}, rateLimited: 'secondary'};
      case 'something-went-wrong':
        return {status: 200, body: httpBodies.somethingWentWrong(requestId)};
      case '502':
        return {status: 502, body: httpBodies.somethingWentWrong(requestId)};
      case '504':
        return {status: 504, body: httpBodies.somethingWentWrong(requestId)};
      case 'bad-credentials':
        return {status: 401, body: httpBodies.badCredentials};
      case 'network-reset':
        return 'reset';
      default:
        throw new Error(`fault ${f.kind} is not a request fault`);
    }
  }
}

function formatError(e: GraphQLError): GitHubErrorEntry {
  const orig = e.originalError;
  const formatted = e.toJSON();
  if (orig instanceof GitHubError) return entry({...formatted, type: orig.type, message: orig.message});
  return entry(formatted);
}
