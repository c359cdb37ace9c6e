/**
 * Repository-level operations over the client: the repo node, td-owned labels (listed once,
 * created lazily, cached; recreated when a person deleted one), issues by id, comment pages,
 * and aliased mutation batches that report per-alias results.
 */
import {AuthError, ConfigError, RateLimitError, TransientError} from 'td-sync-sdk';
import type {GitHubGraphQL, GraphQLErrorEntry} from './client.js';
import type {GitHubConfig} from './config.js';
import {ISSUES_BY_ID, ISSUE_COMMENTS, LABELS, VIEWER_AND_REPO, batchDocument, type MutationSpec} from './documents.js';
import type {LabelScheme} from './labels.js';
import type {RemoteIssue} from './mapping.js';
import type {BackendState} from './state.js';

export interface RemoteComment {
  id: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  author?: {login: string} | null;
}

export interface AliasOutcome {
  ok: boolean;
  data?: Record<string, unknown>;
  error?: GraphQLErrorEntry;
}

const TOO_QUICK = /submitted too quickly|secondary rate limit|abuse/i;

export class Remote {
  viewer: string | undefined;
  private labelMap: Record<string, string> | undefined;
  private teamMap: Record<string, string> | undefined;
  private readonly teamMissing = new Set<string>();

  constructor(
    readonly client: GitHubGraphQL,
    readonly config: GitHubConfig,
    readonly state: BackendState,
    readonly scheme: LabelScheme,
  ) {}

  /** Viewer and repository; checks the repo exists, has issues, and the token may write. */
  async repo(force = false): Promise<{id: string; nameWithOwner: string}> {
    const cached = this.state.repo();
    if (cached && !force && this.viewer) return cached;
    const data = await this.client.run<{
      viewer: {login: string};
      repository: {id: string; nameWithOwner: string; hasIssuesEnabled: boolean; isArchived: boolean; viewerPermission: string | null} | null;
    }>(VIEWER_AND_REPO, {owner: this.config.owner, name: this.config.name});
    const d = data.data;
    if (!d?.repository) {
      this.checkScopes(); // a private repository is invisible to a token without the repo scope
      throw new ConfigError(`GitHub repository ${this.config.repo} not found, or the token cannot see it`, {
        code: 'github_repo_not_found',
        hint: 'check sync.github.repo, and that the token has access to that repository',
      });
    }
    this.viewer = d.viewer?.login;
    const r = d.repository;
    if (!r.hasIssuesEnabled) throw new ConfigError(`Issues are disabled on ${r.nameWithOwner}`, {code: 'github_issues_disabled', hint: 'enable Issues in the repository settings'});
    if (r.isArchived) throw new ConfigError(`${r.nameWithOwner} is archived (read-only)`, {code: 'github_repo_archived'});
    this.checkScopes();
    if (r.viewerPermission === 'READ') {
      throw new AuthError(`GitHub user ${this.viewer} has only read access to ${r.nameWithOwner}; td needs "Issues: write"`, {
        code: 'github_token_scope',
        hint: 'ask for triage or write access to the repository',
        details: {missing: 'issues:write'},
      });
    }
    const repo = {id: r.id, nameWithOwner: r.nameWithOwner};
    if (!cached || cached.id !== repo.id) this.state.setRepo(repo);
    return repo;
  }

  /** Classic tokens announce their scopes; issues need `repo` (or `public_repo` for public repos). */
  checkScopes(): void {
    const scopes = this.client.scopes;
    if (!scopes || scopes.length === 0) return;
    if (scopes.includes('repo') || scopes.includes('public_repo')) return;
    throw new AuthError(`GitHub token lacks the "repo" scope (it has: ${scopes.join(', ') || 'none'})`, {
      code: 'github_token_scope',
      hint: 'create a token with the "repo" scope (fine-grained: "Issues: read and write"), or run "gh auth refresh -s repo"',
      details: {missing: 'repo', scopes},
    });
  }

  private async listLabels(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    let after: string | null = null;
    for (;;) {
      const data: {repository: {labels: {pageInfo: {hasNextPage: boolean; endCursor: string | null}; nodes: {id: string; name: string}[]} | null} | null} =
        await this.client.query(LABELS, {owner: this.config.owner, name: this.config.name, query: this.scheme.prefix || null, after});
      const conn = data.repository?.labels;
      for (const l of conn?.nodes ?? []) if (this.scheme.isOwned(l.name)) out[l.name] = l.id;
      if (!conn?.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    // The managed label may not share the prefix.
    if (!this.scheme.managed.startsWith(this.scheme.prefix) || !this.scheme.prefix) {
      const data: {repository: {labels: {nodes: {id: string; name: string}[]} | null} | null} =
        await this.client.query(LABELS, {owner: this.config.owner, name: this.config.name, query: this.scheme.managed, after: null});
      for (const l of data.repository?.labels?.nodes ?? []) if (l.name === this.scheme.managed) out[l.name] = l.id;
    }
    return out;
  }

  /**
   * Ids of labels outside td's prefix that a draft names and that already exist in the
   * repository. Never creates one: a team's labels are the team's. Each name is looked up once per
   * run and cached for the run only: a label a person deletes or creates between runs is seen
   * as it is (a stale id would make GitHub refuse a whole createIssue).
   */
  async existingTeamLabels(names: readonly string[]): Promise<Record<string, string>> {
    this.teamMap ??= {};
    const out: Record<string, string> = {};
    for (const name of new Set(names)) {
      if (this.scheme.isOwned(name)) continue;
      if (!this.teamMap[name] && !this.teamMissing.has(name)) {
        const data: {repository: {labels: {nodes: {id: string; name: string}[]} | null} | null} =
          await this.client.query(LABELS, {owner: this.config.owner, name: this.config.name, query: name, after: null});
        const hit = (data.repository?.labels?.nodes ?? []).find((l) => l.name.toLowerCase() === name.toLowerCase());
        if (hit) this.teamMap[name] = hit.id;
        else this.teamMissing.add(name);
      }
      if (this.teamMap[name]) out[name] = this.teamMap[name]!;
    }
    return out;
  }

  /** A team label GitHub refused (deleted meanwhile): leave it off for the rest of this run. */
  forgetTeamLabels(names: readonly string[]): void {
    this.teamMap ??= {};
    for (const n of names) {
      delete this.teamMap[n];
      this.teamMissing.add(n);
    }
  }

  /** Forget cached label ids (a person deleted a label): the next ensure re-lists and recreates. */
  invalidateLabels(): void {
    this.labelMap = undefined;
    this.state.setLabels({});
  }

  /** Ids for these td-owned label names, creating the missing ones (once; cached in state). */
  async ensureLabels(names: readonly string[]): Promise<Record<string, string>> {
    const want = [...new Set(names)];
    this.labelMap ??= this.state.labels();
    let missing = want.filter((n) => !this.labelMap![n]);
    if (missing.length === 0) return this.labelMap;
    this.labelMap = {...this.labelMap, ...(await this.listLabels())};
    missing = want.filter((n) => !this.labelMap![n]);
    if (missing.length > 0) {
      const repo = await this.repo();
      const specs: MutationSpec[] = missing.map((name) => {
        const spec = this.scheme.classify(name);
        return {
          field: 'createLabel',
          inputType: 'CreateLabelInput',
          input: {repositoryId: repo.id, name, color: spec?.color ?? 'ededed', description: spec?.description ?? 'managed by td sync'},
          selection: '{ label { id name } }',
        };
      });
      const outcomes = await this.mutate(specs);
      let relist = false;
      outcomes.forEach((o) => {
        const label = (o.data as {label?: {id: string; name: string}} | undefined)?.label;
        if (o.ok && label) this.labelMap![label.name] = label.id;
        else relist = true; // most likely "already exists" (a race, or created by another device)
      });
      if (relist) this.labelMap = {...this.labelMap, ...(await this.listLabels())};
      const still = want.filter((n) => !this.labelMap![n]);
      if (still.length > 0) {
        const failed = outcomes.find((o) => !o.ok)?.error;
        throw new TransientError(`could not create GitHub labels ${still.join(', ')}: ${failed?.message ?? 'unknown error'}`, {code: 'github_label_failed'});
      }
    }
    this.state.setLabels(this.labelMap);
    return this.labelMap;
  }

  async issuesById(ids: readonly string[]): Promise<Map<string, RemoteIssue>> {
    const out = new Map<string, RemoteIssue>();
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = ids.slice(i, i + 50);
      const {data} = await this.client.run<{nodes: (RemoteIssue | null)[]}>(ISSUES_BY_ID, {ids: chunk});
      for (const n of data?.nodes ?? []) if (n && n.id) out.set(n.id, n);
    }
    return out;
  }

  async allComments(issueNode: string, first?: {nodes: RemoteComment[]; pageInfo: {hasNextPage: boolean; endCursor: string | null}}): Promise<RemoteComment[]> {
    const out: RemoteComment[] = [...(first?.nodes ?? [])];
    let after: string | null = first ? first.pageInfo.endCursor : null;
    let more = first ? first.pageInfo.hasNextPage : true;
    while (more) {
      const data: {node: {comments?: {pageInfo: {hasNextPage: boolean; endCursor: string | null}; nodes: RemoteComment[]}} | null} =
        await this.client.query(ISSUE_COMMENTS, {id: issueNode, after});
      const conn = data.node?.comments;
      out.push(...(conn?.nodes ?? []));
      more = Boolean(conn?.pageInfo.hasNextPage);
      after = conn?.pageInfo.endCursor ?? null;
    }
    return out;
  }

  /**
   * Send mutations aliased in requests of `mutationsPerRequest`. Returns one outcome per spec.
   * `onOutcome` hears each alias as soon as its request answers, so a creation is recorded before
   * anything else can fail. Whole-request failures throw (the caller's intents cover creations);
   * after a request that was partly refused for going too fast, the batch stops with a
   * RateLimitError (the successes were already reported).
   */
  async mutate(specs: readonly MutationSpec[], onOutcome?: (index: number, outcome: AliasOutcome) => void): Promise<AliasOutcome[]> {
    const out: AliasOutcome[] = [];
    const size = this.config.mutationsPerRequest;
    for (let i = 0; i < specs.length; i += size) {
      const chunk = specs.slice(i, i + size);
      const {document, variables} = batchDocument(chunk);
      const {data, errors} = await this.client.run<Record<string, Record<string, unknown> | null>>(document, variables);
      let limited: GraphQLErrorEntry | undefined;
      chunk.forEach((_s, j) => {
        const alias = `m${j}`;
        const err = errors.find((e) => e.path?.[0] === alias);
        const value = data?.[alias];
        if (err || value === null || value === undefined) {
          const error = err ?? errors.find((e) => !e.path) ?? {message: 'no result'};
          if (TOO_QUICK.test(error.message) || error.type === 'RATE_LIMITED') limited ??= error;
          out.push({ok: false, error});
        } else out.push({ok: true, data: value});
        onOutcome?.(i + j, out[out.length - 1]!);
      });
      if (limited) {
        // Report what succeeded; the rest waits for the next run (never retried blindly).
        for (let k = i + size; k < specs.length; k++) out.push({ok: false, error: {message: 'not sent: rate limited', type: 'NOT_SENT'}});
        const base = this.client.serverDate ?? new Date();
        throw Object.assign(new RateLimitError(`GitHub refused writes: ${limited.message}; nothing was lost`, new Date(base.getTime() + 60_000), {code: 'github_secondary_rate_limited'}), {outcomes: out});
      }
    }
    return out;
  }
}

/** The outcomes carried by a RateLimitError thrown from Remote.mutate (successes must be recorded). */
export function outcomesOf(error: unknown): AliasOutcome[] | undefined {
  const o = (error as {outcomes?: AliasOutcome[]} | null)?.outcomes;
  return Array.isArray(o) ? o : undefined;
}
