/**
 * A small in-memory remote shared by several test projects, implementing the SDK backend contract.
 * `total`: one log, every device pulls it in the same order (cursor = last seq), like td-sync.
 * `unordered`: each device's events form its own segment; a pull interleaves the segments in a
 * random (seeded) order, so devices see events in different orders (cursor = per-device offsets),
 * like the `dir` backend.
 */
import test from 'ava';
import {existsSync, mkdtempSync, realpathSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createSyncHooks, defineBackend, eventKey, type BackendCapabilities, type BackendContext, type BackendDefinition, type PullRequest, type PullResult, type PushResult, type SyncEvent, type SyncHooks} from 'td-sync-sdk';
import type {ResolvedTarget} from '../../../packages/td-sync-cli/src/engine/api.js';
import {Store} from '../../../packages/td-sync-cli/src/store/index.js';

export type Ordering = 'total' | 'unordered';

import {rng} from '../../helpers/rng.js';

export {rng};

export interface HubOptions {
  ordering?: Ordering;
  seed?: number;
  maxPushBatch?: number;
  maxPullPage?: number;
  entityTypes?: BackendCapabilities['entityTypes'];
  /** Called with each batch before it is stored; throw to fail the push. */
  beforeStore?: (events: readonly SyncEvent[]) => void;
  /** Called after the batch is stored, before push() returns; throw to simulate a lost response. */
  afterStore?: (events: readonly SyncEvent[]) => void;
  /** Called on each pull; throw to fail it. */
  onPull?: (request: PullRequest) => void;
  /** The backend calls hooks.mapEvent for each pushed event and keeps the drafts. */
  useMapEvent?: boolean;
}

export class Hub {
  readonly log: SyncEvent[] = [];
  readonly segments = new Map<string, SyncEvent[]>();
  readonly seen = new Map<string, number>();
  readonly received: SyncEvent[][] = [];
  readonly drafts: unknown[] = [];
  readonly contexts: BackendContext[] = [];
  private readonly random: () => number;

  constructor(readonly options: HubOptions = {}) {
    this.random = rng(options.seed ?? 1);
  }

  get ordering(): Ordering {
    return this.options.ordering ?? 'total';
  }

  /** Put an event on the hub as if another device had pushed it. */
  inject(event: SyncEvent, clone = true): SyncEvent {
    const stored = clone ? structuredClone(event) : event;
    stored.remoteSeq = this.log.length + 1;
    this.log.push(stored);
    this.seen.set(eventKey(stored), stored.remoteSeq as number);
    const seg = this.segments.get(stored.deviceId) ?? [];
    seg.push(stored);
    this.segments.set(stored.deviceId, seg);
    return stored;
  }

  private push(events: readonly SyncEvent[], context: BackendContext): PushResult {
    this.received.push(events.map((e) => structuredClone(e)));
    this.options.beforeStore?.(events);
    const result: PushResult = {acks: [], rejections: []};
    for (const e of events) {
      const known = this.seen.get(eventKey(e));
      if (known !== undefined) result.rejections.push({clientActionId: e.clientActionId, reason: 'duplicate', remoteSeq: known});
      else result.acks.push({clientActionId: e.clientActionId, remoteSeq: this.inject(e).remoteSeq});
    }
    context.state.stage('lastPushCount', events.length);
    this.options.afterStore?.(events);
    return result;
  }

  private pull(req: PullRequest): PullResult {
    this.options.onPull?.(req);
    if (this.ordering === 'total') {
      const after = req.cursor ? Number(req.cursor) : 0;
      const events = this.log.slice(after, after + req.limit).map((e) => structuredClone(e));
      const last = events.length > 0 ? (events[events.length - 1].remoteSeq as number) : after;
      return {events, cursor: String(last), hasMore: after + events.length < this.log.length};
    }
    const offsets: Record<string, number> = req.cursor ? JSON.parse(req.cursor) : {};
    const events: SyncEvent[] = [];
    while (events.length < req.limit) {
      const open = [...this.segments.entries()].filter(([d, seg]) => (offsets[d] ?? 0) < seg.length).sort(([a], [b]) => (a < b ? -1 : 1));
      if (open.length === 0) break;
      const [device, seg] = open[Math.floor(this.random() * open.length)];
      const at = offsets[device] ?? 0;
      events.push({...structuredClone(seg[at]), remoteSeq: `${device}:${at}`});
      offsets[device] = at + 1;
    }
    const hasMore = [...this.segments.entries()].some(([d, seg]) => (offsets[d] ?? 0) < seg.length);
    return {events, cursor: JSON.stringify(offsets), hasMore};
  }

  definition(name = 'hub'): BackendDefinition {
    const hub = this;
    return defineBackend({
      apiVersion: 1,
      name,
      displayName: 'In-test hub',
      validateConfig: (raw) => raw,
      remoteId: () => 'memory',
      create(_config, context) {
        hub.contexts.push(context);
        const capabilities: BackendCapabilities = {
          entityTypes: hub.options.entityTypes ?? 'all',
          bidirectional: true,
          echoesOwnEvents: true,
          maxPushBatch: hub.options.maxPushBatch ?? 500,
          maxPullPage: hub.options.maxPullPage ?? 1000,
          ordering: hub.ordering,
        };
        return {
          capabilities,
          async push(events) {
            if (hub.options.useMapEvent) {
              for (const e of events) hub.drafts.push(await context.hooks.mapEvent.promise({title: e.entityId}, e, {target: context.target, backend: name, dryRun: false}));
            }
            return hub.push(events, context);
          },
          async pull(req) {
            return hub.pull(req);
          },
          async status() {
            return {reachable: true, authenticated: true, remote: 'memory'};
          },
        };
      },
    });
  }

  target(options: {name?: string; hooks?: SyncHooks; targetId?: string} = {}): ResolvedTarget {
    const name = options.name ?? 'hub';
    return {
      targetId: options.targetId ?? `${name}:memory`,
      backendName: name,
      packageName: 'td-sync-backend-hub',
      source: 'file',
      definition: this.definition(name),
      config: {},
      hooks: options.hooks ?? createSyncHooks(),
      credentials: {
        env: () => undefined,
        readFile: async () => undefined,
        writeFile: async () => {},
        deleteFile: async () => {},
        redact: () => {},
      },
    };
  }
}

/**
 * Engine tests exercise sync logic, not the disk: their projects live in RAM (/dev/shm) when it
 * exists (TD_TEST_TMP overrides), and are removed when the test process exits.
 */
const BASE = process.env.TD_TEST_TMP ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
const created: string[] = [];
const cleanUp = () => {
  for (const d of created.splice(0)) rmSync(d, {recursive: true, force: true});
};
// ava ends its worker processes without always running 'exit' handlers: clean up after the file's tests.
test.after.always(cleanUp);
process.on('exit', cleanUp);

export function scratchDir(prefix = 'td-engine-'): string {
  const dir = realpathSync(mkdtempSync(join(BASE, prefix)));
  created.push(dir);
  return dir;
}

export function tempProject(prefix = 'td-engine-'): Store {
  return Store.init(scratchDir(prefix)).store;
}

/** A project with a fixed device id (env override) so tests can tell devices apart. */
export function device(name: string): {env: NodeJS.ProcessEnv; deviceId: string} {
  const deviceId = name.padEnd(32, '0').slice(0, 32);
  return {env: {TD_DEVICE_ID: deviceId}, deviceId};
}
