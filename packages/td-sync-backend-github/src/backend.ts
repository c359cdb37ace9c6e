/**
 * One live connection to a GitHub repository (a sync target). The client is built on first use:
 * creating the backend costs nothing until td actually syncs.
 */
import {isSyncError, type BackendCapabilities, type BackendContext, type BackendStatus, type PullRequest, type PullResult, type PushResult, type RunContext, type SyncBackend, type SyncEvent} from 'td-sync-sdk';
import {hostOf, resolveToken, type TokenSource} from './auth.js';
import {GitHubGraphQL} from './client.js';
import {remoteId, type GitHubConfig} from './config.js';
import {RATE_LIMIT, VIEWER_AND_REPO} from './documents.js';
import {LabelScheme} from './labels.js';
import {Pacer} from './pacing.js';
import {Puller} from './pull.js';
import {Pusher} from './push.js';
import {Remote} from './remote.js';
import {BackendState} from './state.js';

let instances = 0;

export interface GitHubBackendOptions {
  /** Tests: replace `gh auth token`. */
  ghToken?: (host: string) => Promise<string | undefined>;
  /** Tests: replace sleeping in the pacer. */
  sleep?: (ms: number) => Promise<void>;
}

export class GitHubBackend implements SyncBackend {
  readonly capabilities: BackendCapabilities = {
    entityTypes: ['issues', 'logs', 'comments', 'handoffs', 'issue_dependencies'],
    bidirectional: true,
    echoesOwnEvents: false,
    maxPushBatch: 200,
    maxPullPage: 100,
    ordering: 'unordered',
  };

  private readonly state: BackendState;
  private readonly scheme: LabelScheme;
  private readonly run: RunContext;
  private remotePromise: Promise<Remote> | undefined;
  tokenSource: TokenSource | undefined;
  /** The client once built (tests read its counters). */
  client: GitHubGraphQL | undefined;

  constructor(
    readonly config: GitHubConfig,
    private readonly ctx: BackendContext,
    private readonly options: GitHubBackendOptions = {},
  ) {
    this.state = new BackendState(ctx.state);
    this.scheme = new LabelScheme(config.labelPrefix, config.managedLabel);
    this.run = {target: ctx.target, backend: 'github', dryRun: false};
  }

  /**
   * GITHUB_TOKEN / GH_TOKEN are the user's github.com tokens; a project config (cloned with the
   * repository) that points sync.github.baseUrl elsewhere would carry them to that host. Say so,
   * naming the host, unless the user named it in GH_HOST (gh's own convention). `gh auth token`
   * is already scoped to the host by gh.
   */
  private warnForeignHost(source: TokenSource): void {
    if (source === 'gh auth token') return;
    const host = hostOf(this.config.baseUrl);
    if (host === 'github.com' || this.ctx.credentials.env('GH_HOST') === host) return;
    this.ctx.logger.warn(`sending your ${source} to ${host} (sync.github.baseUrl), not github.com; remove sync.github.baseUrl if you did not set it, or export GH_HOST=${host} to trust that host`);
  }

  private remote(): Promise<Remote> {
    this.remotePromise ??= (async () => {
      const {token, source} = await resolveToken(this.ctx.credentials, this.config.baseUrl, this.options.ghToken);
      this.tokenSource = source;
      this.warnForeignHost(source);
      const pacer = new Pacer({
        spacingMs: this.config.writeSpacingMs,
        perMinute: this.config.createsPerMinute,
        perHour: this.config.createsPerHour,
        maxWaitSeconds: this.config.maxWaitSeconds,
        now: () => this.ctx.now(),
        history: this.state.paceHistory(),
        save: (h) => this.state.setPaceHistory(h),
        sleep: this.options.sleep,
        signal: this.ctx.signal,
      });
      this.client = new GitHubGraphQL({
        baseUrl: this.config.baseUrl,
        token,
        maxWaitSeconds: this.config.maxWaitSeconds,
        pacer,
        logger: this.ctx.logger,
        signal: this.ctx.signal,
        throttleId: `td-github-${process.pid}-${++instances}`,
        now: () => this.ctx.now(),
      });
      return new Remote(this.client, this.config, this.state, this.scheme);
    })();
    this.remotePromise.catch(() => (this.remotePromise = undefined));
    return this.remotePromise;
  }

  async push(events: readonly SyncEvent[]): Promise<PushResult> {
    if (events.length === 0) return {acks: [], rejections: []};
    const remote = await this.remote();
    await remote.repo();
    return new Pusher(this.ctx, remote, this.state, this.scheme, this.run).push(events);
  }

  async pull(request: PullRequest): Promise<PullResult> {
    const remote = await this.remote();
    return new Puller(this.ctx, remote, this.state, this.scheme, this.config, this.run).pull(request);
  }

  /** Replay creation intents a crashed run left (push does this first anyway). */
  async reconcile(): Promise<{adopted: number; cleared: number}> {
    const remote = await this.remote();
    return new Pusher(this.ctx, remote, this.state, this.scheme, this.run).replayIntents();
  }

  async status(): Promise<BackendStatus> {
    const where = remoteId(this.config);
    let remote: Remote;
    try {
      remote = await this.remote();
    } catch (error) {
      return {reachable: false, authenticated: false, remote: where, details: errorDetails(error)};
    }
    try {
      type Answer = {viewer: {login: string}; repository: {nameWithOwner: string; hasIssuesEnabled: boolean; isArchived: boolean; viewerPermission: string | null} | null; rateLimit?: {limit: number; remaining: number; resetAt: string; cost: number}};
      const {data} = await remote.client.run<Answer>(VIEWER_AND_REPO, {owner: this.config.owner, name: this.config.name});
      const rl = data?.rateLimit ?? (await remote.client.query<{rateLimit: Answer['rateLimit']}>(RATE_LIMIT)).rateLimit;
      const r = data?.repository;
      let scopeProblem: string | undefined;
      try {
        remote.checkScopes();
      } catch (e) {
        scopeProblem = (e as Error).message;
      }
      return {
        reachable: true,
        authenticated: Boolean(data?.viewer?.login),
        identity: data?.viewer?.login,
        remote: where,
        pendingRemote: undefined,
        rateLimit: {limit: rl?.limit, remaining: rl?.remaining, resetAt: rl?.resetAt, resource: 'graphql'},
        details: {
          repo: this.config.repo,
          baseUrl: this.config.baseUrl,
          repoReachable: Boolean(r),
          hasIssuesEnabled: r?.hasIssuesEnabled ?? null,
          archived: r?.isArchived ?? null,
          viewerPermission: r?.viewerPermission ?? null,
          tokenSource: this.tokenSource ?? null,
          tokenScopes: remote.client.scopes ?? null,
          scopeProblem: scopeProblem ?? null,
          managedLabel: this.config.managedLabel,
          import: this.config.import,
          creationsLeftNow: null,
          interruptedWrites: this.state.issueIntents().length + this.state.recordIntents().length,
        },
      };
    } catch (error) {
      const auth = isSyncError(error) && error.kind === 'auth';
      return {reachable: auth, authenticated: false, remote: where, details: errorDetails(error)};
    }
  }

  async close(): Promise<void> {
    this.remotePromise = undefined;
  }
}

function errorDetails(error: unknown): Record<string, unknown> {
  if (isSyncError(error)) return {error: error.message, code: error.code, hint: error.hint ?? null};
  return {error: error instanceof Error ? error.message : String(error), code: 'github_error'};
}
