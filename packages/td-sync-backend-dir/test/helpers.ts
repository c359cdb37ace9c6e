/** Shared bits of the dir backend's own tests: temp folders, devices, events. */
import {mkdtempSync, realpathSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {SyncBackend, SyncEvent, SyncHooks} from 'td-sync-sdk';
import {createTestContext, MemoryTargetState, randomDeviceId, tdLikeEvents, type TestContext} from 'td-sync-sdk/testkit';
import dir from '../src/index.js';

export const tempFolder = (prefix = 'td-dir-') => realpathSync(mkdtempSync(join(tmpdir(), prefix)));

export interface TestDevice {
  id: string;
  backend: SyncBackend;
  ctx: TestContext;
  cursor: string | null;
  nextId: number;
  events(n: number, tag?: string): SyncEvent[];
  /** Pull to the end, storing the cursor after every page. */
  pullAll(limit?: number): Promise<SyncEvent[]>;
  /** The same device in a new process: same id and committed state, a new instance. */
  restart(): TestDevice;
}

export function device(root: string, options: {id?: string; segmentBytes?: number; state?: MemoryTargetState; hooks?: SyncHooks; projectRoot?: string} = {}): TestDevice {
  const id = options.id ?? randomDeviceId();
  const state = options.state ?? new MemoryTargetState();
  const ctx = createTestContext({deviceId: id, sessionId: 'ses_test', state, projectRoot: options.projectRoot ?? root, hooks: options.hooks});
  const config = dir.validateConfig({path: root, ...(options.segmentBytes ? {segmentBytes: options.segmentBytes} : {})});
  const d: TestDevice = {
    id,
    ctx,
    backend: dir.create(config, ctx.context) as SyncBackend,
    cursor: null,
    nextId: 1,
    events(n, tag = 't') {
      const out = tdLikeEvents({deviceId: id, sessionId: 'ses_test', firstActionId: d.nextId, count: n, tag});
      d.nextId += n;
      return out;
    },
    async pullAll(limit = 1000) {
      const got: SyncEvent[] = [];
      for (;;) {
        const page = await d.backend.pull({cursor: d.cursor, limit});
        got.push(...page.events);
        d.cursor = page.cursor;
        state.commit();
        if (!page.hasMore) return got;
      }
    },
    restart() {
      const again = device(root, {...options, id, state});
      again.cursor = d.cursor;
      again.nextId = d.nextId;
      return again;
    },
  };
  return d;
}

export const keys = (events: readonly SyncEvent[]) => events.map((e) => `${e.deviceId}/${e.sessionId}/${e.clientActionId}`);
