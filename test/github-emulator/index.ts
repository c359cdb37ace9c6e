import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {randomBytes} from 'node:crypto';
import {isoSeconds} from './clock.js';
import {EmulatorCore, type RequestLogEntry} from './core.js';
import {httpBodies} from './errors.js';
import type {FaultSpec} from './faults.js';
import {handleGraphQL} from './graphql-endpoint.js';
import type {EmulatorLimits} from './limits.js';
import type {Issue, Repo} from './model.js';

export type {EmulatorLimits} from './limits.js';
export {DEFAULT_LIMITS} from './limits.js';
export type {RequestLogEntry} from './core.js';
export type {FaultSpec, FaultKind} from './faults.js';
export {REQUEST_FAULTS, FIELD_FAULTS} from './faults.js';
export {githubSchema, githubSchemaPath} from './schema.js';
export {analyzeOperation} from './analysis.js';

export interface EmulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** The token `emulator.token` holds (classic, scopes below). Default: a random `ghp_…`. */
  token?: string;
  /** Login of that token's user (default `octocat`). */
  login?: string;
  /** Its OAuth scopes (default `['repo']`). */
  scopes?: string[];
  /** An external clock; without it the emulator runs its own (real time + advanceClock). */
  now?: () => Date;
  /** Start the emulator's own clock at this instant instead of the real time. */
  startAt?: Date;
  /** Keep the emulator's own clock still except for advanceClock (deterministic timestamps). */
  freezeClock?: boolean;
  limits?: Partial<EmulatorLimits>;
  /** Seed for id gaps and fault probabilities. */
  seed?: number;
  /** Login of the person the `ui` methods act as (default `monalisa`). */
  uiLogin?: string;
  /**
   * Line endings of text typed in the web UI. A browser submits a textarea with CRLF, so bodies a
   * person writes or edits come back with `\r\n` (spec §4.2); `as-is` stores the text unchanged.
   */
  uiLineEndings?: 'crlf' | 'as-is';
}

export interface IssueSnapshot {
  number: number;
  id: string;
  title: string;
  body: string;
  state: 'OPEN' | 'CLOSED';
  stateReason: string | null;
  labels: string[];
  assignees: string[];
  comments: Array<{id: string; body: string}>;
  updatedAt: string;
  createdAt: string;
  closedAt: string | null;
  author: string;
  parentNumber?: number | null;
  subIssueNumbers: number[];
}

export interface EmulatorUi {
  createIssue(repo: string, input: {title: string; body?: string; labels?: string[]}): {number: number; id: string};
  editIssue(repo: string, number: number, patch: {title?: string; body?: string}): void;
  closeIssue(repo: string, number: number, reason?: 'COMPLETED' | 'NOT_PLANNED'): void;
  reopenIssue(repo: string, number: number): void;
  addLabels(repo: string, number: number, labels: string[]): void;
  removeLabels(repo: string, number: number, labels: string[]): void;
  createLabel(repo: string, input: {name: string; color?: string; description?: string | null}): {id: string};
  renameLabel(repo: string, name: string, newName: string): void;
  deleteLabel(repo: string, name: string): void;
  addComment(repo: string, number: number, body: string): {id: string};
  editComment(repo: string, commentId: string, body: string): void;
  deleteComment(repo: string, commentId: string): void;
  addSubIssue(repo: string, parentNumber: number, childNumber: number): void;
  removeSubIssue(repo: string, parentNumber: number, childNumber: number): void;
  deleteIssue(repo: string, number: number): void;
  /** Move the issue to another repository of the emulator; returns its new number there. */
  transferIssue(repo: string, number: number, toRepo: string): {number: number};
}

export interface GitHubEmulator {
  /** Base URL for octokit (`baseUrl`); GraphQL is at `${url}/graphql` (and `${url}/api/graphql`). */
  url: string;
  /** A valid classic token with the `repo` scope. */
  token: string;
  login: string;
  createRepo(nameWithOwner: string, opts?: {private?: boolean}): {id: string};
  /**
   * Accept another token. Classic by default (`scopes`, default `['repo']`); with `permissions` a
   * fine-grained token; `kind: 'app'` (or a `ghs_` prefix) a GitHub App installation token.
   */
  addToken(token: string, opts?: {scopes?: string[]; login?: string; permissions?: {issues?: 'none' | 'read' | 'write'}; kind?: 'classic' | 'fine-grained' | 'app'}): void;
  ui: EmulatorUi;
  issues(repo: string): IssueSnapshot[];
  labels(repo: string): Array<{name: string; color: string; description: string | null}>;
  requestLog: RequestLogEntry[];
  faults: {inject(fault: FaultSpec): void; clear(): void; list(): FaultSpec[]};
  advanceClock(ms: number): void;
  /** The emulator's current time (ms since the epoch). */
  now(): Date;
  limits: EmulatorLimits;
  close(): Promise<void>;
}

function snapshot(i: Issue): IssueSnapshot {
  return {
    number: i.number,
    id: i.id,
    title: i.title,
    body: i.body,
    state: i.state,
    stateReason: i.stateReason,
    labels: i.labels.map(l => l.name),
    assignees: i.assignees.map(u => u.login),
    comments: i.comments.filter(c => !c.deleted).map(c => ({id: c.id, body: c.body})),
    updatedAt: isoSeconds(i.updatedAt),
    createdAt: isoSeconds(i.createdAt),
    closedAt: i.closedAt === null ? null : isoSeconds(i.closedAt),
    author: i.author.login,
    parentNumber: i.parent ? i.parent.number : null,
    subIssueNumbers: i.subIssues.filter(s => !s.deleted).map(s => s.number),
  };
}

/** The "person in the GitHub web UI": same rules and updatedAt bumps as the API; creations count against content limits. */
function makeUi(core: EmulatorCore, uiLogin: string, lineEndings: 'crlf' | 'as-is'): EmulatorUi {
  const m = core.model;
  const typed = (text: string): string => (lineEndings === 'crlf' ? text.replace(/\r?\n/g, '\r\n') : text);
  const person = () => m.user(uiLogin);
  const repo = (name: string): Repo => m.requireRepo(name);
  const labelsNamed = (r: Repo, names: string[], create: boolean) =>
    names.map(n => {
      const l = m.labelByName(r, n);
      if (l) return l;
      if (!create) throw new Error(`No label "${n}" in ${r.owner.login}/${r.name}`);
      return m.createLabel(r, {name: n, color: 'ededed'});
    });
  const comment = (id: string) => {
    const c = m.node(id);
    if (!c || c.__typename !== 'IssueComment') throw new Error(`No comment ${id}`);
    return c;
  };
  return {
    createIssue(r, input) {
      const rr = repo(r);
      const i = m.createIssue(rr, {title: input.title, body: typed(input.body ?? ''), labels: labelsNamed(rr, input.labels ?? [], true)}, person());
      core.rateLimits.recordContent(uiLogin);
      return {number: i.number, id: i.id};
    },
    editIssue(r, n, patch) {
      m.updateIssue(m.requireIssue(repo(r), n), {title: patch.title, body: patch.body === undefined ? undefined : typed(patch.body)}, person());
    },
    closeIssue(r, n, reason = 'COMPLETED') {
      m.closeIssue(m.requireIssue(repo(r), n), reason);
    },
    reopenIssue(r, n) {
      m.reopenIssue(m.requireIssue(repo(r), n));
    },
    addLabels(r, n, labels) {
      const rr = repo(r);
      m.addLabels(m.requireIssue(rr, n), labelsNamed(rr, labels, true));
    },
    removeLabels(r, n, labels) {
      const rr = repo(r);
      m.removeLabels(m.requireIssue(rr, n), labelsNamed(rr, labels, false));
    },
    createLabel(r, input) {
      return {id: m.createLabel(repo(r), {name: input.name, color: input.color ?? 'ededed', description: input.description ?? null}).id};
    },
    renameLabel(r, name, newName) {
      const rr = repo(r);
      m.updateLabel(labelsNamed(rr, [name], false)[0]!, {name: newName});
    },
    deleteLabel(r, name) {
      const rr = repo(r);
      m.deleteLabel(labelsNamed(rr, [name], false)[0]!);
    },
    addComment(r, n, body) {
      const c = m.addComment(m.requireIssue(repo(r), n), typed(body), person());
      core.rateLimits.recordContent(uiLogin);
      return {id: c.id};
    },
    editComment(_r, id, body) {
      m.updateComment(comment(id), typed(body), person());
    },
    deleteComment(_r, id) {
      m.deleteComment(comment(id));
    },
    addSubIssue(r, parent, child) {
      const rr = repo(r);
      m.addSubIssue(m.requireIssue(rr, parent), m.requireIssue(rr, child), true);
    },
    removeSubIssue(r, parent, child) {
      const rr = repo(r);
      m.removeSubIssue(m.requireIssue(rr, parent), m.requireIssue(rr, child));
    },
    deleteIssue(r, n) {
      m.deleteIssue(m.requireIssue(repo(r), n));
    },
    transferIssue(r, n, to) {
      return {number: m.transferIssue(m.requireIssue(repo(r), n), repo(to)).number};
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {'content-type': 'application/json; charset=utf-8'});
  res.end(JSON.stringify(body));
}

/**
 * Control API for tests in another process (`POST /_emulator/...`), unauthenticated, loopback only:
 *   POST /_emulator/ui/<method>   {"args": [...]} -> the ui method's result
 *   POST /_emulator/repos         {"nameWithOwner": "o/n", "private"?: bool}
 *   POST /_emulator/tokens        {"token", "scopes"?, "login"?, "permissions"?}
 *   POST /_emulator/faults        a FaultSpec;  DELETE /_emulator/faults clears them
 *   POST /_emulator/clock         {"advanceMs": n}
 *   GET  /_emulator/log | /_emulator/issues?repo=o/n | /_emulator/labels?repo=o/n
 */
async function control(em: GitHubEmulator, req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, body: string): Promise<void> {
  const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
  const method = req.method ?? 'GET';
  const ui = /^\/_emulator\/ui\/(\w+)$/.exec(path);
  if (ui && method === 'POST') {
    const fn = (em.ui as unknown as Record<string, (...a: unknown[]) => unknown>)[ui[1]!];
    if (!fn) return json(res, 404, {message: `No ui method ${ui[1]}`});
    return json(res, 200, {result: fn(...((input.args as unknown[]) ?? [])) ?? null});
  }
  if (path === '/_emulator/repos' && method === 'POST') return json(res, 200, em.createRepo(String(input.nameWithOwner), {private: input.private as boolean | undefined}));
  if (path === '/_emulator/tokens' && method === 'POST') {
    em.addToken(String(input.token), input as Parameters<GitHubEmulator['addToken']>[1]);
    return json(res, 200, {ok: true});
  }
  if (path === '/_emulator/faults' && method === 'POST') {
    em.faults.inject(input as unknown as FaultSpec);
    return json(res, 200, {faults: em.faults.list()});
  }
  if (path === '/_emulator/faults' && method === 'DELETE') {
    em.faults.clear();
    return json(res, 200, {faults: []});
  }
  if (path === '/_emulator/clock' && method === 'POST') {
    em.advanceClock(Number(input.advanceMs ?? 0));
    return json(res, 200, {now: em.now().toISOString()});
  }
  if (path === '/_emulator/log' && method === 'GET') return json(res, 200, em.requestLog);
  if (path === '/_emulator/issues' && method === 'GET') return json(res, 200, em.issues(query.get('repo') ?? ''));
  if (path === '/_emulator/labels' && method === 'GET') return json(res, 200, em.labels(query.get('repo') ?? ''));
  return json(res, 404, httpBodies.notFound);
}

export async function startGitHubEmulator(options: EmulatorOptions = {}): Promise<GitHubEmulator> {
  const core = new EmulatorCore(options);
  const token = options.token ?? `ghp_${randomBytes(18).toString('base64url')}`;
  const login = options.login ?? 'octocat';
  core.addToken(token, {scopes: options.scopes ?? ['repo'], login});
  const ui = makeUi(core, options.uiLogin ?? 'monalisa', options.uiLineEndings ?? 'crlf');

  let em: GitHubEmulator;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    readBody(req)
      .then(async body => {
        if (req.method === 'POST' && (url.pathname === '/graphql' || url.pathname === '/api/graphql')) {
          return handleGraphQL(core, req, res, body);
        }
        if (url.pathname.startsWith('/_emulator/')) return control(em, req, res, url.pathname, url.searchParams, body);
        return json(res, 404, httpBodies.notFound);
      })
      .catch((e: unknown) => {
        if (!res.headersSent) json(res, 500, {message: e instanceof Error ? e.message : String(e)});
        else res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const {port} = server.address() as AddressInfo;

  em = {
    url: `http://127.0.0.1:${port}`,
    token,
    login,
    limits: core.limits,
    createRepo: (nameWithOwner, opts) => ({id: core.model.createRepo(nameWithOwner, {isPrivate: opts?.private ?? true}).id}),
    addToken: (t, opts) => void core.addToken(t, opts),
    ui,
    issues: repo => core.model.liveIssues(core.model.requireRepo(repo)).sort((a, b) => a.number - b.number).map(snapshot),
    labels: repo => core.model.liveLabels(core.model.requireRepo(repo)).map(l => ({name: l.name, color: l.color, description: l.description})),
    requestLog: core.requestLog,
    faults: {inject: f => core.faults.inject(f), clear: () => core.faults.clear(), list: () => core.faults.list()},
    advanceClock: ms => core.clock.advance(ms),
    now: () => new Date(core.clock.nowMs()),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close(err => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
  return em;
}
