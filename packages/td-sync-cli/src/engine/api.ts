/**
 * The seam between the plugin host (which finds and configures a backend) and the engine (which
 * runs one sync against it). Both sides build against these types; the commands only glue them.
 */
import type {BackendDefinition, CredentialStore, JsonObject, Logger, ProgressReporter, SyncHooks} from 'td-sync-sdk';

/** Everything needed to sync one target, as the plugin host resolved it from config. */
export interface ResolvedTarget {
  /** `<backend>:<remote>`, e.g. `dir:/mnt/share/tasks`, `github:acme/app`. */
  targetId: string;
  /** Short backend name (`dir`, `http`, `github`, or a third party's). */
  backendName: string;
  /** npm package the backend came from, and where (for `td sync status` and errors). */
  packageName: string;
  source: 'core' | 'user' | 'link' | 'node_modules' | 'file';
  definition: BackendDefinition;
  /** Validated `sync.<backendName>` config. */
  config: JsonObject;
  /** Hooks with every configured plugin already applied. */
  hooks: SyncHooks;
  credentials: CredentialStore;
  /** What the host noticed while resolving (e.g. unknown config keys); copied into the report. */
  warnings?: readonly string[];
}

export interface SyncRunOptions {
  /** Both default to true; `--push` alone = push only, `--pull` alone = pull only. */
  push?: boolean;
  pull?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  progress?: ProgressReporter;
  now?: () => Date;
  /** Override the pull page size (defaults to the backend's maxPullPage, at most 1000). */
  pageSize?: number;
  env?: NodeJS.ProcessEnv;
  /** Session id events are pushed under (default: TD_SESSION_ID, else one stable id per project). */
  sessionId?: string;
  /** How long to wait for td's write lock before each transaction (default 5000 ms, as td). */
  lockTimeoutMs?: number;
}

export interface SyncIssue {
  code: string;
  message: string;
  hint?: string;
}

/** What one `td sync` did. Also the `--json` output of `td sync`. */
export interface SyncReport {
  target: string;
  backend: string;
  dryRun: boolean;
  pushed: number;
  /** Events the backend rejected for good (left pending / quarantined). */
  rejected: number;
  pulled: number;
  applied: number;
  conflicts: number;
  skipped: number;
  failed: number;
  /** Local events still pending for this target after the run. */
  pending: number;
  /** Pending events not sent this run: dropped by a beforePush tap or not carried by the backend. */
  heldBack?: number;
  rateLimitWaitMs: number;
  durationMs: number;
  /** Set when the run stopped early (rate limit, transient error...): what happened and what to do. */
  stopped?: SyncIssue & {retryAt?: string};
  /** Set when this run started from the remote's snapshot (td's bootstrap); the pull was skipped. */
  bootstrapped?: {seq: string; events: number};
  warnings: string[];
}
