/**
 * Pull: merge every other device's segments from the cursor's positions. Each device's events come
 * in the order it wrote them; across devices a page is merged by event time (then device id), so
 * a reader usually sees a task's creation before a log written about it on another machine.
 */
import {readFile} from 'node:fs/promises';
import type {Logger, PullResult, SkippedRecord, SyncEvent} from 'td-sync-sdk';
import {encodeCursor, type Position, type Positions} from './cursor.js';
import {listDir} from './files.js';
import {deviceDir, devicesDir, isDeviceName, positionSeq, segmentNumber, segmentPath} from './layout.js';
import {SegmentLines} from './lines.js';
import {parseLine} from './parse.js';

/** One device's unread events, read lazily. */
class DeviceStream {
  /** Where the next unread line starts: the position stored in the cursor. */
  position: Position;
  private lines: SegmentLines | undefined;
  private head: {event: SyncEvent; end: Position} | undefined;

  constructor(
    private readonly root: string,
    readonly deviceId: string,
    private readonly segments: number[],
    start: Position | undefined,
    private readonly logger: Logger,
    private readonly mapRemote?: PullOptions['mapRemote'],
    private readonly onSkip: (record: SkippedRecord) => void = () => {},
  ) {
    this.position = start ?? {segment: segments[0] ?? 1, offset: 0};
    if (start && !segments.includes(start.segment)) {
      // The segment we were reading is gone (someone pruned the folder): go on with the next one.
      const next = segments.find((n) => n > start.segment);
      if (next !== undefined) {
        logger.warn(`dir: segment ${start.segment} of device ${deviceId} is missing; continuing with segment ${next}`);
        this.position = {segment: next, offset: 0};
      }
    }
  }

  async peek(): Promise<SyncEvent | undefined> {
    if (this.head) return this.head.event;
    for (;;) {
      if (!this.segments.includes(this.position.segment)) return undefined;
      this.lines ??= new SegmentLines(segmentPath(this.root, this.deviceId, this.position.segment), this.position.offset);
      const line = await this.lines.next();
      if (!line) {
        if (!(await this.advanceSegment())) return undefined;
        continue;
      }
      const parsed = parseLine(line.text);
      if (parsed.kind === 'event') {
        let event: SyncEvent | null = {...parsed.event, remoteSeq: positionSeq(this.deviceId, this.position.segment, line.start)};
        if (this.mapRemote) event = await this.mapRemote(event, parsed.event);
        if (event) {
          this.head = {event, end: {segment: this.position.segment, offset: line.end}};
          return event;
        }
      }
      if (parsed.kind === 'bad') {
        const where = `${segmentPath(this.root, this.deviceId, this.position.segment)} byte ${line.start}`;
        this.logger.warn(`dir: skipping an unreadable line at ${where}: ${parsed.reason}`);
        this.onSkip({reason: parsed.reason, where, remoteSeq: positionSeq(this.deviceId, this.position.segment, line.start), raw: line.text});
      }
      this.position = {segment: this.position.segment, offset: line.end};
    }
  }

  take(): SyncEvent {
    const head = this.head!;
    this.head = undefined;
    this.position = head.end;
    return head.event;
  }

  /**
   * Move to the next segment only once this one is complete: the next segment's header records
   * the size this one had when the writer moved on. On a folder synced file by file the next
   * segment can arrive before the end of this one; then we wait for a later pull.
   */
  private async advanceSegment(): Promise<boolean> {
    const next = this.segments.find((n) => n > this.position.segment);
    if (next === undefined) return false;
    const header = await readHeader(segmentPath(this.root, this.deviceId, next));
    if (header === undefined) return false;
    if (next === this.position.segment + 1 && header.previousBytes > this.position.offset) return false;
    await this.close();
    this.position = {segment: next, offset: 0};
    return true;
  }

  async close(): Promise<void> {
    await this.lines?.close();
    this.lines = undefined;
  }
}

async function readHeader(path: string): Promise<{previousBytes: number} | undefined> {
  const lines = new SegmentLines(path, 0);
  try {
    const first = await lines.next();
    if (!first) return undefined;
    const value = JSON.parse(first.text) as {tdSyncDir?: number; previousBytes?: number};
    return typeof value.previousBytes === 'number' ? {previousBytes: value.previousBytes} : {previousBytes: 0};
  } catch {
    return undefined;
  } finally {
    await lines.close();
  }
}

/** Device ids with a folder, and each device's segment numbers in order. */
export async function listDevices(root: string): Promise<Map<string, number[]>> {
  const devices = new Map<string, number[]>();
  for (const name of (await listDir(devicesDir(root))).sort()) {
    if (!isDeviceName(name)) continue;
    const segments = (await listDir(deviceDir(root, name)))
      .map(segmentNumber)
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => a - b);
    if (segments.length > 0) devices.set(name, segments);
  }
  return devices;
}

const before = (a: SyncEvent, b: SyncEvent) =>
  a.clientTimestamp < b.clientTimestamp || (a.clientTimestamp === b.clientTimestamp && a.deviceId < b.deviceId);

export interface PullOptions {
  root: string;
  positions: Positions;
  limit: number;
  /** Device folders not to read (our own: this backend does not echo). */
  exclude: ReadonlySet<string>;
  logger: Logger;
  signal?: AbortSignal;
  /** The `mapRemote` hook: may rewrite an inbound event (e.g. decrypt it) or drop it (null). */
  mapRemote?: (event: SyncEvent, record: unknown) => Promise<SyncEvent | null>;
}

export async function pullPage(options: PullOptions): Promise<PullResult> {
  const {root, positions, limit, exclude, logger} = options;
  const devices = await listDevices(root);
  const streams: DeviceStream[] = [];
  const skipped: SkippedRecord[] = [];
  const onSkip = (record: SkippedRecord) => skipped.push(record);
  for (const [id, segments] of devices) {
    if (!exclude.has(id)) streams.push(new DeviceStream(root, id, segments, positions.get(id), logger, options.mapRemote, onSkip));
  }
  const events: SyncEvent[] = [];
  try {
    while (events.length < limit) {
      options.signal?.throwIfAborted();
      let best: DeviceStream | undefined;
      let bestEvent: SyncEvent | undefined;
      for (const s of streams) {
        const e = await s.peek();
        if (e && (!bestEvent || before(e, bestEvent))) {
          best = s;
          bestEvent = e;
        }
      }
      if (!best) break;
      events.push(best.take());
    }
    let hasMore = false;
    for (const s of streams) if (!hasMore && (await s.peek())) hasMore = true;
    const next = new Map(positions);
    for (const s of streams) next.set(s.deviceId, s.position);
    return {events, cursor: encodeCursor(next), hasMore, ...(skipped.length > 0 ? {skipped} : {})};
  } finally {
    for (const s of streams) await s.close();
  }
}

/** Events waiting for us after `positions` (for status): counts complete lines, parses none. */
export async function countPending(root: string, positions: Positions, exclude: ReadonlySet<string>): Promise<number> {
  let count = 0;
  for (const [id, segments] of await listDevices(root)) {
    if (exclude.has(id)) continue;
    const from = positions.get(id) ?? {segment: 0, offset: 0};
    for (const n of segments) {
      if (n < from.segment) continue;
      const text = await readFile(segmentPath(root, id, n));
      const start = n === from.segment ? from.offset : 0;
      for (let at = text.indexOf(0x0a, start), lineStart = start; at !== -1; lineStart = at + 1, at = text.indexOf(0x0a, at + 1)) {
        if (!(lineStart === 0 && text.subarray(0, 12).toString() === '{"tdSyncDir"')) count += 1;
      }
    }
  }
  return count;
}
