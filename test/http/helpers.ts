/** Shared set-up for the http backend tests: a stand-in server and backends on it. */
import {createTestContext, type TestContextOptions} from 'td-sync-sdk/testkit';
import type {SyncEvent} from 'td-sync-sdk';
import httpBackend, {HttpBackend} from 'td-sync-backend-http';
import {startTdSyncServer, type TdSyncServer, type TdSyncServerOptions} from '../td-sync-server/server.js';

export const HIGH_LIMITS = {auth: 100_000, push: 100_000, pull: 100_000, other: 100_000};

export async function server(t: {teardown(fn: () => Promise<void>): void}, options: TdSyncServerOptions = {}): Promise<TdSyncServer> {
  const s = await startTdSyncServer({rateLimits: HIGH_LIMITS, ...options});
  t.teardown(() => s.close());
  return s;
}

export interface Made {
  backend: HttpBackend;
  test: ReturnType<typeof createTestContext>;
}

/** A backend on the stand-in's project (admin key unless `key`), fast retries for tests. */
export async function backendOn(
  s: TdSyncServer,
  options: {key?: string; config?: Record<string, unknown>; context?: TestContextOptions; projectId?: string} = {},
): Promise<Made> {
  const test = createTestContext({env: {TD_AUTH_KEY: options.key ?? s.adminKey}, target: `http:${s.url}/${s.projectId}`, ...options.context});
  const config = httpBackend.validateConfig({url: s.url, projectId: options.projectId ?? s.projectId, maxRetries: 3, retryBudgetMs: 60_000, ...options.config});
  const backend = (await httpBackend.create(config, test.context)) as HttpBackend;
  return {backend, test};
}

let n = 0;
/** td-like events (issues create/update, logs) with ids 1..count from `start`. */
export function events(count: number, start = 1, deviceId = 'dev', sessionId = 'ses_test'): SyncEvent[] {
  return Array.from({length: count}, (_, i) => {
    const id = start + i;
    n++;
    return {
      clientActionId: id,
      deviceId,
      sessionId,
      actionType: i % 3 === 2 ? 'update' : 'create',
      entityType: i % 3 === 1 ? 'logs' : 'issues',
      entityId: i % 3 === 1 ? `lg-${id}` : `td-${id}`,
      payload: {schemaVersion: 1, newData: {id: i % 3 === 1 ? `lg-${id}` : `td-${id}`, title: `event ${id} ${n} ✓`}, previousData: i % 3 === 2 ? {id: `td-${id}`, title: 'before'} : null},
      clientTimestamp: '2026-01-02T03:04:05Z',
    };
  });
}

/** Pull everything from `cursor` in pages; returns events and the last cursor. */
export async function pullAll(backend: HttpBackend, cursor: string | null = null, limit = 1000): Promise<{events: SyncEvent[]; cursor: string | null; pages: number}> {
  const out: SyncEvent[] = [];
  let pages = 0;
  for (;;) {
    const page = await backend.pull({cursor, limit});
    pages++;
    out.push(...page.events);
    cursor = page.cursor;
    if (!page.hasMore) return {events: out, cursor, pages};
  }
}
