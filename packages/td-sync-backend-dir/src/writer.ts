/**
 * The one writer of one device's folder. It appends events to the newest segment with O_APPEND,
 * fsyncs, and only then acknowledges them. It remembers every identity it has written (scanning
 * its own segments once per process), so an event pushed again after a crash between the append
 * and the engine recording the ack is acknowledged, not written twice.
 *
 * Several processes of one device never write at once: the engine holds the project's write lock
 * for the whole sync. Different devices never share a folder, and the writer checks it: it keeps
 * in the target's state where its last write ended (and, just before each write, where that write
 * will end). If the folder has grown past both, another project with the same device id (a copied
 * `.todos`, a database restored from a backup) writes there too, and this one stops before
 * writing anything: its new events would otherwise reuse identities already in the folder.
 */
import {open, rename, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {ConfigError, eventKey, TransientError, type JsonObject, type Logger, type TargetState, type PushAck, type PushRejection, type PushResult, type SyncEvent} from 'td-sync-sdk';
import {fileSize, listDir, makeDirDurable, syncDir} from './files.js';
import {deviceDir, eventRecord, headerLine, recordLine, positionSeq, segmentName, segmentNumber, segmentPath} from './layout.js';
import {SegmentLines} from './lines.js';
import {eventProblem, identityOfLine} from './parse.js';

/** State keys: where this project's last write to its device folder ended / the write in flight. */
const MARK = 'writer.end';
const INTENT = 'writer.intent';
interface Mark {
  segment: number;
  size: number;
}
interface Intent {
  segment: number;
  from: number;
  to: number;
}

export class DeviceWriter {
  /** eventKey -> remote sequence of every event already in this device's segments. */
  private readonly written = new Map<string, string>();
  private segment = 0;
  private size = 0;
  private ready = false;

  constructor(
    private readonly root: string,
    private readonly deviceId: string,
    private readonly segmentBytes: number,
    private readonly logger: Logger,
    private readonly state: TargetState,
  ) {}

  /** Segments and bytes this device has written (for status). */
  get stats() {
    return {segment: this.segment, bytes: this.size, events: this.written.size};
  }

  /**
   * `mapRecord` (the `mapEvent` hook) may rewrite what is stored for an event (e.g. encrypt the
   * payload for a cloud folder); it must keep the event's identity and shape.
   */
  async push(events: readonly SyncEvent[], mapRecord?: (record: JsonObject, event: SyncEvent) => Promise<JsonObject>): Promise<PushResult> {
    if (!this.ready) await this.open();
    const acks: PushAck[] = [];
    const rejections: PushRejection[] = [];
    let lines: string[] = [];
    let pendingBytes = 0;
    let pending: Array<{key: string; seq: string; clientActionId: number}> = [];
    const inBatch = new Set<string>();

    let writing = false;
    const flush = async () => {
      if (lines.length === 0) return;
      writing = true;
      await this.append(lines.join(''));
      writing = false;
      for (const p of pending) {
        this.written.set(p.key, p.seq);
        acks.push({clientActionId: p.clientActionId, remoteSeq: p.seq});
      }
      lines = [];
      pending = [];
      pendingBytes = 0;
    };

    try {
      for (const event of events) {
        const problem = eventProblem(event);
        if (problem) {
          rejections.push({clientActionId: Number(event?.clientActionId), reason: 'invalid', message: `event is not storable: ${problem}`, retryable: false});
          continue;
        }
        const key = eventKey(event);
        const known = this.written.get(key);
        if (known !== undefined) {
          acks.push({clientActionId: event.clientActionId, remoteSeq: known});
          continue;
        }
        if (inBatch.has(key)) {
          // The same identity twice in one batch: written once, acknowledged after the write.
          const twin = pending.find((p) => p.key === key);
          if (twin) pending.push({...twin, clientActionId: event.clientActionId});
          continue;
        }
        let record = eventRecord(event);
        if (mapRecord) {
          record = await mapRecord(record, event);
          const mappedProblem = eventProblem(record) ?? (eventKey(record as unknown as SyncEvent) === key ? undefined : 'its identity (deviceId, sessionId, clientActionId) changed');
          if (mappedProblem) {
            rejections.push({clientActionId: event.clientActionId, reason: 'invalid', message: `a mapEvent tap returned a record that cannot be stored: ${mappedProblem}`, retryable: false});
            continue;
          }
        }
        const line = recordLine(record);
        const lineBytes = Buffer.byteLength(line);
        if (this.size + pendingBytes >= this.segmentBytes && this.size + pendingBytes > this.headerBytes()) {
          await flush();
          writing = true;
          await this.roll();
          writing = false;
        }
        pending.push({key, seq: positionSeq(this.deviceId, this.segment, this.size + pendingBytes), clientActionId: event.clientActionId});
        inBatch.add(key);
        lines.push(line);
        pendingBytes += lineBytes;
      }
      await flush();
    } catch (error) {
      // A plugin's mapEvent tap threw: nothing of this event was written; let the engine report it.
      if (!writing) throw error;
      // A write failed. Whatever was flushed is acknowledged; the rest stays pending and is pushed
      // next time. The segment may end in a torn line: re-open (repair, rescan) before appending.
      this.ready = false;
      const message = `could not append to ${segmentPath(this.root, this.deviceId, this.segment)}: ${(error as Error).message}`;
      this.logger.warn(message);
      for (const p of pending) rejections.push({clientActionId: p.clientActionId, reason: 'transient', message, retryable: true});
      if (acks.length === 0) {
        throw new TransientError(message, {code: 'dir_write_failed', cause: error, hint: 'check that the shared folder is mounted, writable and not full, then run td sync again'});
      }
    }
    return {acks, rejections};
  }

  private headerBytes(): number {
    return Buffer.byteLength(headerLine({deviceId: this.deviceId, segment: this.segment, previousBytes: 0}));
  }

  /** Find the newest segment, cut a torn tail left by a crash, and learn every identity written. */
  private async open(): Promise<void> {
    const dir = deviceDir(this.root, this.deviceId);
    await makeDirDurable(dir);
    const names = await listDir(dir);
    // A crash while starting a segment leaves its temp file; nobody else writes here, so drop it.
    for (const name of names) if (name.startsWith('.') && name.endsWith('.tmp')) await rm(join(dir, name), {force: true});
    const segments = names
      .map(segmentNumber)
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => a - b);
    this.written.clear();
    if (segments.length === 0) {
      await this.startSegment(1, 0);
      this.ready = true;
      return;
    }
    const last = segments.at(-1)!;
    this.checkSoleWriter(dir, {segment: last, size: (await fileSize(segmentPath(this.root, this.deviceId, last))) ?? 0});
    await this.repairTail(last);
    for (const n of segments) await this.scan(n);
    this.segment = last;
    this.size = (await fileSize(segmentPath(this.root, this.deviceId, last))) ?? 0;
    if (this.size === 0) {
      const previous = last > 1 ? ((await fileSize(segmentPath(this.root, this.deviceId, last - 1))) ?? 0) : 0;
      await this.startSegment(last, previous);
    }
    this.state.set(MARK, {segment: this.segment, size: this.size} satisfies Mark);
    this.ready = true;
  }

  /** Refuse to write when the folder grew past where this project's own last write ended. */
  private checkSoleWriter(dir: string, found: Mark): void {
    const mark = this.state.get<Mark>(MARK);
    if (!mark) return; // first write to this target from this project: take the folder as it is
    if (found.segment === mark.segment && found.size === mark.size) return;
    const intent = this.state.get<Intent>(INTENT);
    if (intent && found.segment === intent.segment && found.size >= intent.from && found.size <= intent.to) return; // our own interrupted write
    if (found.segment < mark.segment || (found.segment === mark.segment && found.size < mark.size)) {
      this.logger.warn(`dir: ${dir} is shorter than this project last wrote it (segment ${mark.segment} at ${mark.size} bytes, found segment ${found.segment} at ${found.size}); was the shared folder restored? Events missing from it are not pushed again`);
      return;
    }
    throw new ConfigError(
      `${dir} was written by another td project using this project's device id ${this.deviceId} (this project's last write ended in segment ${mark.segment} at byte ${mark.size}; the folder now ends in segment ${found.segment} at byte ${found.size}). Is this project a copy of another one's .todos folder, or a database restored from a backup?`,
      {
        code: 'dir_device_shared',
        hint: 'give this project a device id of its own: set TD_DEVICE_ID to a new 32-hex id (e.g. the output of "openssl rand -hex 16") whenever td runs here, then run td sync again',
        details: {path: dir, deviceId: this.deviceId, expected: mark, found},
      },
    );
  }

  private async scan(n: number): Promise<void> {
    const reader = new SegmentLines(segmentPath(this.root, this.deviceId, n), 0);
    try {
      for (let line = await reader.next(); line; line = await reader.next()) {
        if (line.text.startsWith('{"tdSyncDir"')) continue;
        const key = identityOfLine(line.text);
        if (key !== undefined && !this.written.has(key)) this.written.set(key, positionSeq(this.deviceId, n, line.start));
      }
    } finally {
      await reader.close();
    }
  }

  /**
   * A crash mid-append leaves a last line without its newline. Readers already ignore it; the
   * writer (the only one allowed to touch this file) cuts it off, so the next event starts on a
   * line of its own. Events in the cut line were never acknowledged and are pushed again.
   */
  private async repairTail(n: number): Promise<void> {
    const path = segmentPath(this.root, this.deviceId, n);
    const size = (await fileSize(path)) ?? 0;
    if (size === 0) return;
    const handle = await open(path, 'r+');
    try {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] === 0x0a) return;
      let keep = 0;
      const chunk = Buffer.alloc(64 * 1024);
      for (let end = size; end > 0 && keep === 0; ) {
        const start = Math.max(0, end - chunk.length);
        const {bytesRead} = await handle.read(chunk, 0, end - start, start);
        const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
        if (at !== -1) keep = start + at + 1;
        end = start;
      }
      this.logger.warn(`dir: cutting a torn last line (${size - keep} bytes) from ${path}; its events were never acknowledged and will be pushed again`);
      await handle.truncate(keep);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Start the next segment once the current one is full. */
  private async roll(): Promise<void> {
    await this.startSegment(this.segment + 1, this.size);
  }

  /**
   * A segment appears whole or not at all: header written to a temp file, fsynced, renamed into
   * place (replacing an empty segment whose header was torn), folder fsynced.
   */
  private async startSegment(n: number, previousBytes: number): Promise<void> {
    const dir = deviceDir(this.root, this.deviceId);
    const header = headerLine({deviceId: this.deviceId, segment: n, previousBytes});
    this.state.set(INTENT, {segment: n, from: 0, to: Buffer.byteLength(header)} satisfies Intent);
    const tmp = join(dir, `.${segmentName(n)}.${process.pid}.tmp`);
    await writeFile(tmp, header, {flag: 'w'});
    const handle = await open(tmp, 'r');
    await handle.sync();
    await handle.close();
    await rename(tmp, segmentPath(this.root, this.deviceId, n));
    await syncDir(dir);
    this.segment = n;
    this.size = Buffer.byteLength(header);
    this.state.set(MARK, {segment: this.segment, size: this.size} satisfies Mark);
  }

  private async append(text: string): Promise<void> {
    const buffer = Buffer.from(text, 'utf8');
    this.state.set(INTENT, {segment: this.segment, from: this.size, to: this.size + buffer.length} satisfies Intent);
    const handle = await open(segmentPath(this.root, this.deviceId, this.segment), 'a');
    try {
      let done = 0;
      while (done < buffer.length) {
        const {bytesWritten} = await handle.write(buffer, done, buffer.length - done);
        done += bytesWritten;
      }
      await handle.sync();
      this.size += buffer.length;
    } finally {
      await handle.close();
    }
    this.state.set(MARK, {segment: this.segment, size: this.size} satisfies Mark);
  }
}
