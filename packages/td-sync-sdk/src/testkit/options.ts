/** What a backend author passes to the conformance kit. */
import type {BackendContext, BackendDefinition, JsonObject, SyncBackend, SyncEvent} from '../types.js';
import type {EventFactory} from './sample.js';

export type ScenarioId =
  | 'contract'
  | 'round-trip'
  | 'idempotent-re-push'
  | 'push-then-pull'
  | 'pagination'
  | 'pull-after-crash'
  | 'ordering'
  | 'large-payload'
  | 'unicode'
  | 'crash-before-record'
  | 'concurrent-push'
  | 'rate-limit'
  | 'bad-credentials';

export interface ConformanceOptions<Remote = unknown> {
  /** The backend's name, shown in every case title and failure message. */
  name: string;
  /** A new, empty remote for one scenario (a temp folder, a project on a test server...). */
  freshRemote(): Remote | Promise<Remote>;
  /** Release what `freshRemote` made. */
  disposeRemote?(remote: Remote): void | Promise<void>;
  /** Build one device's backend on `remote`. Give this, or `definition` with `config`. */
  create?(remote: Remote, context: BackendContext): SyncBackend | Promise<SyncBackend>;
  /** The backend package's definition: the kit runs `validateConfig(config(remote))` then `create`. */
  definition?: BackendDefinition<any>;
  config?(remote: Remote): JsonObject;
  /**
   * Optional: make the remote refuse with a rate limit once `afterEvents` more events have been
   * written, one time only. Enables the `rate-limit` scenario.
   */
  rateLimit?(remote: Remote, afterEvents: number): void | Promise<void>;
  /** Optional: a backend on `remote` holding wrong credentials. Enables `bad-credentials`. */
  badCredentials?(remote: Remote, context: BackendContext): SyncBackend | Promise<SyncBackend>;
  /** The wrong secret `badCredentials` used: it must never appear in an error message. */
  badSecret?: string;
  /** Environment for every context's credential store (tokens for a test server). */
  env?: Record<string, string>;
  switches?: ConformanceSwitches;
  /** Events the scenarios push (default: td-like issues, updates and logs). */
  makeEvents?: EventFactory;
  /**
   * How a received event must match the sent one: return what differs, or undefined. Default:
   * every field but `remoteSeq` deep-equal. A backend that rebuilds events from remote state
   * (an issue tracker) may loosen this.
   */
  compareEvent?(sent: SyncEvent, received: SyncEvent): string | undefined;
}

export interface ConformanceSwitches {
  /** Run only these scenarios. */
  only?: ScenarioId[];
  /** Leave these out (with a reason in your own test, please). */
  skip?: ScenarioId[];
  /** Page size for the pagination scenarios (default 3). */
  pageLimit?: number;
  /** Events pushed by the pagination scenario (default 20). */
  events?: number;
  /** Size of the large payload in bytes (default 1 MiB); `false` switches the scenario off. */
  largePayloadBytes?: number | false;
  /**
   * What order pulls must keep. `total`: every reader sees the same sequence. `per-device`: each
   * device's events arrive in the order it pushed them. `none`: no promise. Default: `total` when
   * the backend's capabilities say `ordering: 'total'`, else `per-device`.
   */
  ordering?: 'total' | 'per-device' | 'none';
  /** Echo log lines of the contexts to stderr. */
  echoLogs?: boolean;
}
