/**
 * Deliberately broken backends over an in-memory remote, each with one bug a real backend could
 * have. The conformance kit must catch each with a message naming the scenario.
 */
import {AuthError, eventKey, RateLimitError, type BackendContext, type PullRequest, type PullResult, type PushResult, type SyncBackend, type SyncEvent} from 'td-sync-sdk';

/** The shared remote: one ordered log, as a td-sync server keeps it. */
export interface MemoryRemote {
  log: SyncEvent[];
  /** Writes left before the remote answers with a rate limit (once). */
  writesBeforeLimit?: number;
}

export const freshMemoryRemote = (): MemoryRemote => ({log: []});

/** The kit's `rateLimit` hook for the memory remote. */
export const armRateLimit = (remote: MemoryRemote, afterEvents: number) => void (remote.writesBeforeLimit = afterEvents);

const CAPS = {entityTypes: 'all', bidirectional: true, echoesOwnEvents: false, maxPushBatch: 100, maxPullPage: 1000, ordering: 'total'} as const;

/** A correct baseline: dedup by identity, offset cursor, no echo. */
export class MemoryBackend implements SyncBackend {
  readonly capabilities = CAPS;
  constructor(
    protected readonly remote: MemoryRemote,
    protected readonly context: BackendContext,
  ) {}

  async push(events: readonly SyncEvent[]): Promise<PushResult> {
    const acks = [];
    for (const e of events) {
      let at = this.findExisting(e);
      if (at === -1) {
        if (this.remote.writesBeforeLimit !== undefined && this.remote.writesBeforeLimit-- <= 0) {
          this.remote.writesBeforeLimit = undefined;
          throw new RateLimitError('memory remote: too many writes', new Date(Date.now() + 1000));
        }
        this.remote.log.push(structuredClone({...e, remoteSeq: undefined}));
        at = this.remote.log.length - 1;
      }
      acks.push({clientActionId: e.clientActionId, remoteSeq: at + 1});
    }
    return {acks, rejections: []};
  }

  protected findExisting(e: SyncEvent): number {
    return this.remote.log.findIndex((x) => eventKey(x) === eventKey(e));
  }

  protected startOffset(request: PullRequest): number {
    return request.cursor === null ? 0 : Number(request.cursor);
  }

  protected nextCursor(offset: number, taken: number, _request: PullRequest): number {
    return offset + taken;
  }

  async pull(request: PullRequest): Promise<PullResult> {
    const offset = this.startOffset(request);
    const events: SyncEvent[] = [];
    let i = offset;
    for (; i < this.remote.log.length && events.length < request.limit; i++) {
      const e = this.remote.log[i]!;
      if (e.deviceId !== this.context.deviceId) events.push({...structuredClone(e), remoteSeq: i + 1});
    }
    const next = this.nextCursor(offset, i - offset, request);
    return {events, cursor: String(next), hasMore: next < this.remote.log.length};
  }

  async status() {
    return {reachable: true, authenticated: true, remote: 'memory'};
  }
}

/** Off by one at every page boundary: the event right after a full page is skipped. */
export class LosesEventOnPagination extends MemoryBackend {
  protected override nextCursor(offset: number, taken: number, request: PullRequest): number {
    const end = offset + taken;
    return taken >= request.limit && end < this.remote.log.length ? end + 1 : end;
  }
}

/** No identity check: a replayed push stores the events again. */
export class DuplicatesOnReplay extends MemoryBackend {
  protected override findExisting(): number {
    return -1;
  }
}

/**
 * Remembers how far it has read in durable state (state.set) instead of only in the returned
 * cursor, and trusts that over the cursor it is given: a crash after a pull, before the engine
 * applied the page, loses the page.
 */
export class CursorPastUnapplied extends MemoryBackend {
  protected override startOffset(request: PullRequest): number {
    const read = this.context.state.get<number>('readUpTo') ?? 0;
    return Math.max(super.startOffset(request), read);
  }

  protected override nextCursor(offset: number, taken: number, request: PullRequest): number {
    const end = super.nextCursor(offset, taken, request);
    this.context.state.set('readUpTo', end);
    return end;
  }
}

/** Holds a wrong token: every call is refused, and the token is never repeated back. */
export class WrongToken extends MemoryBackend {
  override async push(): Promise<PushResult> {
    throw new AuthError('memory remote refused the token', {code: 'memory_bad_token', hint: 'set a valid MEMORY_TOKEN'});
  }

  override async status() {
    return {reachable: true, authenticated: false, remote: 'memory'};
  }
}
