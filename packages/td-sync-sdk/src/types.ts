/**
 * The public types of the td sync contract. Everything a backend or plugin author touches is here;
 * names are camelCase, and a backend maps them to its own wire form.
 */
import type {SyncHooks} from './hooks.js';

/** td's canonical sync actions (td's own action types are normalised to these before sync). */
export type CanonicalAction = 'create' | 'update' | 'delete' | 'soft_delete' | 'restore';

/** Canonical entity types: the names of td's synced tables. */
export type EntityType =
  | 'issues'
  | 'logs'
  | 'comments'
  | 'handoffs'
  | 'boards'
  | 'board_issue_positions'
  | 'issue_dependencies'
  | 'issue_files'
  | 'work_sessions'
  | 'work_session_issues'
  | 'issue_reviews'
  | 'notes';

export const ENTITY_TYPES: readonly EntityType[] = Object.freeze([
  'issues',
  'logs',
  'comments',
  'handoffs',
  'boards',
  'board_issue_positions',
  'issue_dependencies',
  'issue_files',
  'work_sessions',
  'work_session_issues',
  'issue_reviews',
  'notes',
]);

export type JsonObject = Record<string, unknown>;

/** The payload of an event: td's `{schema_version, new_data, previous_data}` in camelCase. */
export interface EventPayload {
  schemaVersion: number;
  /** Row snapshot after the change; `null` for deletes. May be td's `{issue: {...}}` wrapper. */
  newData: JsonObject | null;
  /** Row snapshot before the change; `null` when unknown (creates, backfill). */
  previousData: JsonObject | null;
}

/**
 * One change to one entity. Identity: `(deviceId, sessionId, clientActionId)`.
 * Pulled events also carry `remoteSeq`, the backend's ordering key, which the engine only stores.
 */
export interface SyncEvent {
  /** The authoring device's action_log rowid. */
  clientActionId: number;
  deviceId: string;
  sessionId: string;
  actionType: CanonicalAction;
  entityType: EntityType;
  entityId: string;
  payload: EventPayload;
  /** ISO-8601 time the change was made on its device. */
  clientTimestamp: string;
  /** td's original action type (`start`, `close`, `handoff`...), when known. Informational. */
  sourceAction?: string;
  /** Set by a backend on pulled events (and optionally in acks): its ordering key, opaque to the engine. */
  remoteSeq?: number | string;
}

export interface PushAck {
  clientActionId: number;
  /** The remote sequence number or id the event got, if the backend has one. */
  remoteSeq?: number | string;
}

export type RejectionReason = 'duplicate' | 'invalid' | 'unsupported' | 'transient' | (string & {});

export interface PushRejection {
  clientActionId: number;
  reason: RejectionReason;
  message?: string;
  /** For `duplicate`: the sequence of the event already stored (the engine treats it as an ack). */
  remoteSeq?: number | string;
  /** When true the event stays pending and is retried on the next sync. */
  retryable?: boolean;
}

export interface PushResult {
  acks: PushAck[];
  rejections: PushRejection[];
}

export interface PullRequest {
  /** The cursor the backend returned last time (null on the first pull). Opaque to the engine. */
  cursor: string | null;
  /** Upper bound on events per page the engine wants. */
  limit: number;
}

export interface PullResult {
  /** Events in the order they must be applied. */
  events: SyncEvent[];
  /** The cursor to store once this page is applied. Opaque: the engine never parses it. */
  cursor: string | null;
  hasMore: boolean;
  /**
   * Optional (additive): remote records on this page the backend could not turn into events
   * (unknown entity type, unparseable line...). The cursor moves past them; the engine counts them
   * in the report's `skipped` and records them with the page, so a skip is never silent.
   */
  skipped?: SkippedRecord[];
}

/** A remote record a backend stepped over; see `PullResult.skipped`. */
export interface SkippedRecord {
  /** Why, in words (`unknown entity type "spaceships"`). */
  reason: string;
  /** Where the record is on the remote (a server seq, a file and byte offset, an issue number). */
  where?: string;
  remoteSeq?: string | number;
  entityType?: string;
  entityId?: string;
  /** The record as received, when it is text (truncated by the engine when stored). */
  raw?: string;
}

export interface RateLimitInfo {
  limit?: number;
  remaining?: number;
  /** ISO time the budget resets. */
  resetAt?: string;
  /** What this budget is (e.g. `graphql`, `core`). */
  resource?: string;
}

export interface BackendStatus {
  reachable: boolean;
  authenticated: boolean;
  /** Who we are on the remote (a user login, an email...). Never a secret. */
  identity?: string;
  /** Human-readable remote (URL, repo, folder). */
  remote: string;
  /** Events waiting on the remote for us, when the backend can tell. */
  pendingRemote?: number;
  rateLimit?: RateLimitInfo;
  /** Backend-specific extra fields (must contain no secrets). */
  details?: JsonObject;
}

export interface BackendCapabilities {
  /** Entity types this backend can carry; events of other types are left pending for it. */
  entityTypes: readonly EntityType[] | 'all';
  /** Whether pull returns changes made elsewhere (false = push-only mirror). */
  bidirectional: boolean;
  /** Whether the backend returns this device's own events on pull (td-sync does). */
  echoesOwnEvents: boolean;
  /** Largest batch `push` accepts. */
  maxPushBatch: number;
  /** Largest page `pull` returns. */
  maxPullPage: number;
  /**
   * How pulled events are ordered. `total` (default): the remote gives every device the same order
   * (td-sync's server_seq); the engine applies events in that order, td's semantics.
   * `unordered`: devices may receive events in different orders (a shared folder, an issue
   * tracker); the engine applies field-level last-writer-wins by the event stamp
   * (clientTimestamp, deviceId, clientActionId) so that every order converges.
   */
  ordering?: 'total' | 'unordered';
}

/** Persistent key-value state scoped to one sync target, stored in the project database. */
export interface TargetState {
  get<T = unknown>(key: string): T | undefined;
  /** Writes now, durably (use for intents that must survive a crash, e.g. "about to create X"). */
  set(key: string, value: unknown): void;
  /**
   * Writes together with the next cursor or ack the engine commits (same SQL transaction), so
   * state and cursor never disagree after a crash. Visible to `get` at once.
   */
  stage(key: string, value: unknown): void;
  delete(key: string): void;
  /** Keys with a prefix (e.g. all `issue:` snapshots). */
  keys(prefix?: string): string[];
}

export interface Logger {
  debug(message: string, fields?: JsonObject): void;
  info(message: string, fields?: JsonObject): void;
  warn(message: string, fields?: JsonObject): void;
  error(message: string, fields?: JsonObject): void;
}

export interface ProgressReporter {
  /** Start or restart a phase; `total` may be unknown. */
  start(phase: string, total?: number): void;
  tick(n?: number): void;
  done(): void;
}

/** Where secrets come from. Tokens never live in project config. */
export interface CredentialStore {
  /** An environment variable (the host may sandbox this in tests). */
  env(name: string): string | undefined;
  /** Read a JSON credentials file in td's user config folder (e.g. `auth.json`). */
  readFile(name: string): Promise<JsonObject | undefined>;
  /** Write a JSON credentials file with mode 0600. */
  writeFile(name: string, value: JsonObject): Promise<void>;
  deleteFile(name: string): Promise<void>;
  /** Register a secret so the host scrubs it from every log, error and --json output. */
  redact(secret: string): void;
}

export interface BackendContext {
  /** The sync target id, `<backend>:<remote>` (e.g. `github:acme/app`). */
  target: string;
  projectRoot: string;
  /** This install's device id (32 hex). */
  deviceId: string;
  /** The current td session id. */
  sessionId: string;
  state: TargetState;
  credentials: CredentialStore;
  logger: Logger;
  progress: ProgressReporter;
  signal: AbortSignal;
  hooks: SyncHooks;
  /** The host's clock (tests may fake it). */
  now(): Date;
}

/** What `validateConfig` may know about where it runs. */
export interface ConfigContext {
  /** The td project root (the folder holding `.todos/`). */
  projectRoot: string;
}

/** A question `td sync init` asks; answered interactively or by `--set name=value`. */
export interface InitQuestion {
  name: string;
  message: string;
  type: 'text' | 'confirm' | 'select';
  default?: string | boolean;
  choices?: ReadonlyArray<{value: string; label: string}>;
  /** Return an error message for a bad answer, or undefined. */
  validate?(value: string): string | undefined;
}

export interface InitContext {
  projectRoot: string;
  /** The backend's current config section (`sync.<name>`), possibly empty. */
  existing: JsonObject;
  credentials: CredentialStore;
  logger: Logger;
}

/** One live connection to a sync target. Created by `BackendDefinition.create`. */
export interface SyncBackend {
  readonly capabilities: BackendCapabilities;
  push(events: readonly SyncEvent[]): Promise<PushResult>;
  pull(request: PullRequest): Promise<PullResult>;
  status(): Promise<BackendStatus>;
  close?(): Promise<void>;
  /**
   * Optional (additive; hosts that predate it never call it): a copy of the whole remote as a
   * complete td database, used to bootstrap a project's first pull instead of replaying every event
   * (td's snapshot bootstrap). `null` means the remote has none (e.g. td-sync's `no_events`); the
   * engine then pulls normally. The engine decides whether to ask (first pull only, nothing pending,
   * `status().details.eventCount` at or over the threshold) and validates the bytes itself.
   */
  snapshot?(): Promise<BackendSnapshot | null>;
}

/** What `SyncBackend.snapshot()` returns. */
export interface BackendSnapshot {
  /** The pull cursor the snapshot is current to (td-sync: `X-Snapshot-Seq`); the next pull starts after it. */
  cursor: string;
  /** The raw bytes of a SQLite database file with td's schema. */
  data: Uint8Array;
}

/** What a backend package exports (default export, or a named `backend`). */
export interface BackendDefinition<Config extends JsonObject = JsonObject> {
  /** Contract version this backend was written against. */
  apiVersion: 1;
  /** Short name users type: `github`, `http`, `dir`. */
  name: string;
  /** Shown in `td sync init`. */
  displayName: string;
  description?: string;
  /**
   * Validate and normalise `sync.<name>` config; throw a ConfigError naming the key. The host passes
   * `context` (where the project is) so relative settings such as a folder path can be resolved;
   * hosts written before it existed pass only `raw`.
   */
  validateConfig(raw: JsonObject, context?: ConfigContext): Config;
  /**
   * Optional: every setting `sync.<name>.*` this backend reads. The host warns about any other key
   * (a typo such as `pathh` is named, with the closest known key) instead of ignoring it silently.
   * Leave it out and the host says nothing about unknown keys.
   */
  configKeys?: readonly string[];
  /** The remote part of the target id (e.g. `acme/app`); stable for the same remote. */
  remoteId(config: Config): string;
  /** Questions for `td sync init`; the answers become `sync.<name>.*`. */
  init?: {
    questions(context: InitContext): InitQuestion[] | Promise<InitQuestion[]>;
    /** Turn answers into config (may talk to the remote, e.g. create a project). */
    finalize?(answers: Record<string, string | boolean>, context: InitContext): Promise<JsonObject>;
  };
  create(config: Config, context: BackendContext): SyncBackend | Promise<SyncBackend>;
}

export interface PluginContext {
  projectRoot: string;
  /** Options given to this plugin in config (`plugins: [["name", {...}]]`). */
  options: JsonObject;
  logger: Logger;
}

/** A non-backend plugin: taps hooks. */
export interface PluginDefinition {
  apiVersion: 1;
  name: string;
  apply(hooks: SyncHooks, context: PluginContext): void | Promise<void>;
}
