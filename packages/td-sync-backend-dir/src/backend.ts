/** One live `dir` target: push appends to this device's segments, pull merges everyone else's. */
import {
  ConfigError,
  type BackendCapabilities,
  type BackendContext,
  type BackendStatus,
  type JsonObject,
  type RunContext,
  type PullRequest,
  type PullResult,
  type PushResult,
  type SyncBackend,
  type SyncEvent,
} from 'td-sync-sdk';
import type {DirConfig} from './config.js';
import {decodeCursor} from './cursor.js';
import {isDirectory} from './config.js';
import {isWritableDir, listDir} from './files.js';
import {assertDeviceId, devicesDir, isDeviceName} from './layout.js';
import {checkMarker} from './marker.js';
import {countPending, listDevices, pullPage} from './reader.js';
import {DeviceWriter} from './writer.js';

/** State key: the cursor of the last page handed to the engine (committed with it), for status. */
const LAST_CURSOR = 'lastCursor';

export const DIR_CAPABILITIES: BackendCapabilities = Object.freeze({
  entityTypes: 'all',
  bidirectional: true,
  // Pull skips this device's own folder: its events are already in the local database.
  echoesOwnEvents: false,
  maxPushBatch: 500,
  maxPullPage: 1000,
  // Devices append independently; there is no single order every reader agrees on.
  ordering: 'unordered',
});

export class DirBackend implements SyncBackend {
  readonly capabilities = DIR_CAPABILITIES;
  private readonly writer: DeviceWriter;
  private readonly own: ReadonlySet<string>;

  constructor(
    private readonly config: DirConfig,
    private readonly context: BackendContext,
  ) {
    assertDeviceId(context.deviceId);
    this.writer = new DeviceWriter(config.path, context.deviceId, config.segmentBytes, context.logger, context.state);
    this.own = new Set([context.deviceId]);
  }

  async push(events: readonly SyncEvent[]): Promise<PushResult> {
    this.context.signal.throwIfAborted();
    if (events.length === 0) return {acks: [], rejections: []};
    this.requireFolder();
    await checkMarker(this.config.path, true);
    const {mapEvent} = this.context.hooks;
    const map = mapEvent.isUsed() ? (record: JsonObject, event: SyncEvent) => mapEvent.promise(record, event, this.runContext) : undefined;
    return this.writer.push(events, map);
  }

  async pull(request: PullRequest): Promise<PullResult> {
    this.context.signal.throwIfAborted();
    this.requireFolder();
    await checkMarker(this.config.path, false);
    const limit = Math.max(1, Math.min(request.limit, this.capabilities.maxPullPage));
    const page = await pullPage({
      root: this.config.path,
      positions: decodeCursor(request.cursor),
      limit,
      exclude: this.own,
      logger: this.context.logger,
      signal: this.context.signal,
      mapRemote: this.context.hooks.mapRemote.isUsed() ? (event, record) => this.context.hooks.mapRemote.promise(event, record, this.runContext) : undefined,
    });
    this.context.state.stage(LAST_CURSOR, page.cursor);
    return page;
  }

  /** What the hooks are told about this run (the engine does not call push or pull on a dry run). */
  private get runContext(): RunContext {
    return {target: this.context.target, backend: 'dir', dryRun: false};
  }

  async status(): Promise<BackendStatus> {
    const root = this.config.path;
    const reachable = await isWritableDir(root);
    const status: BackendStatus = {reachable, authenticated: reachable, identity: `device ${this.context.deviceId}`, remote: root};
    if (!reachable) {
      status.details = {problem: isDirectory(root) ? 'folder is not writable' : 'folder does not exist'};
      return status;
    }
    const devices = await listDevices(root);
    const others = [...devices.keys()].filter((id) => !this.own.has(id));
    status.details = {
      devices: devices.size,
      otherDevices: others,
      ownSegments: devices.get(this.context.deviceId)?.length ?? 0,
      strayEntries: (await listDir(devicesDir(root))).filter((n) => !isDeviceName(n)).length,
    };
    try {
      const cursor = this.context.state.get<string>(LAST_CURSOR) ?? null;
      status.pendingRemote = await countPending(root, decodeCursor(cursor), this.own);
    } catch {
      /* pendingRemote is a nicety; an unreadable cursor shows up on the next pull */
    }
    return status;
  }

  async close(): Promise<void> {
    /* every write opens, fsyncs and closes its file: nothing to release */
  }

  /**
   * A missing folder is never created at sync time: on a network share that is not mounted, that
   * would write into the empty mount point. `td sync init` creates it on request.
   */
  private requireFolder(): void {
    if (!isDirectory(this.config.path)) {
      throw new ConfigError(`shared folder ${this.config.path} (sync.dir.path) does not exist or is not a folder`, {
        code: 'dir_missing',
        hint: `mount or create it ("mkdir -p ${this.config.path}"), or run "td sync init" to create it`,
        details: {path: this.config.path},
      });
    }
  }
}
