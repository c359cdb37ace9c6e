// @ts-check
/**
 * The remote of this backend: ONE append-only JSON-lines file that every device appends to (a file
 * on a network share, in a synced folder...). One line per event:
 *
 *   {"v":1,"event":{...SyncEvent, without remoteSeq}}\n
 *
 * - Order: the file's order. Every reader sees the same sequence, so the backend claims
 *   `ordering: 'total'`; an event's `remoteSeq` is the byte offset of its line.
 * - Writers take a lock file (`<file>.lock`, created with O_EXCL) so two appends never interleave;
 *   readers take no lock and only ever consume complete lines (ending in "\n").
 * - A writer that crashed mid-line leaves a torn tail; the next writer ends it with "\n" so it
 *   becomes one unreadable line that readers skip, and appends after it.
 * - Duplicates: before appending, a writer reads the lines it has not indexed yet and skips events
 *   whose identity (device, session, action id) is already in the file: re-pushing after a crash
 *   acknowledges the stored copy instead of writing a second one.
 */
import {open, readFile, stat, unlink, writeFile} from 'node:fs/promises';
import {eventKey, TransientError} from 'td-sync-sdk';

/** @typedef {import('td-sync-sdk').SyncEvent} SyncEvent */
/** @typedef {import('td-sync-sdk').Logger} Logger */
/** @typedef {{offset: number, end: number, event?: SyncEvent, error?: string}} Line */

const LOCK_WAIT_MS = 10_000;
const STALE_LOCK_MS = 30_000;
const NL = 0x0a;

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** Size of the file, 0 when it does not exist yet. */
export async function fileSize(/** @type {string} */ file) {
  try {
    return (await stat(file)).size;
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT') return 0;
    throw e;
  }
}

/**
 * The complete lines from byte `from` on (a line still being written is left for later).
 * @param {string} file
 * @param {number} from
 * @returns {Promise<Line[]>}
 */
export async function readLines(file, from) {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT') return [];
    throw e;
  }
  try {
    const {size} = await fh.stat();
    if (from >= size) return [];
    const buf = Buffer.alloc(size - from);
    await fh.read(buf, 0, buf.length, from);
    /** @type {Line[]} */
    const lines = [];
    let start = 0;
    for (let i = buf.indexOf(NL); i !== -1; i = buf.indexOf(NL, start)) {
      lines.push({offset: from + start, end: from + i + 1, ...parseLine(buf.subarray(start, i).toString('utf8'))});
      start = i + 1;
    }
    return lines;
  } finally {
    await fh.close();
  }
}

/** @returns {{event?: SyncEvent, error?: string}} */
function parseLine(/** @type {string} */ text) {
  try {
    const record = JSON.parse(text);
    const e = record?.event;
    if (record?.v !== 1 || typeof e !== 'object' || e === null || typeof e.deviceId !== 'string' || typeof e.clientActionId !== 'number') {
      return {error: 'not an event line'};
    }
    return {event: e};
  } catch {
    return {error: 'unreadable line (torn write?)'};
  }
}

export function encodeLine(/** @type {SyncEvent} */ event) {
  const {remoteSeq: _drop, ...stored} = event;
  return `${JSON.stringify({v: 1, event: stored})}\n`;
}

/**
 * Run `fn` holding `<file>.lock`. A lock older than 30 s belongs to a crashed writer and is broken.
 * @template T
 * @param {string} file
 * @param {AbortSignal} signal
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withLock(file, signal, fn) {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    signal.throwIfAborted();
    try {
      await writeFile(lock, `${process.pid} ${new Date().toISOString()}\n`, {flag: 'wx'});
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) {
        await unlink(lock).catch(() => {});
        continue;
      }
      if (Date.now() > deadline) {
        throw new TransientError(`${lock} has been held by another writer for over ${LOCK_WAIT_MS / 1000} s`, {
          code: 'jsonl_locked',
          hint: `try again; if no td sync is running anywhere, delete ${lock}`,
        });
      }
      await sleep(wait);
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => {});
  }
}

/**
 * Appends events (under the lock), skipping those already in the file.
 * Keeps an index of the identities it has seen, extended incrementally on each push.
 */
export class Appender {
  /** @type {Map<string, number>} event identity -> offset of its line */
  index = new Map();
  indexedTo = 0;

  constructor(/** @type {string} */ file, /** @type {Logger} */ logger) {
    this.file = file;
    this.logger = logger;
  }

  /**
   * @param {readonly SyncEvent[]} events
   * @param {AbortSignal} signal
   * @returns {Promise<Array<{event: SyncEvent, offset: number, duplicate: boolean}>>}
   */
  async append(events, signal) {
    return withLock(this.file, signal, async () => {
      await this.endTornTail();
      for (const line of await readLines(this.file, this.indexedTo)) {
        if (line.event) this.index.set(eventKey(line.event), line.offset);
        this.indexedTo = line.end;
      }
      let offset = await fileSize(this.file);
      const out = [];
      const chunks = [];
      const batch = new Map(); // duplicates inside one batch are stored once too
      for (const event of events) {
        const key = eventKey(event);
        const existing = this.index.get(key) ?? batch.get(key);
        if (existing !== undefined) {
          out.push({event, offset: existing, duplicate: true});
          continue;
        }
        const line = encodeLine(event);
        chunks.push(line);
        batch.set(key, offset);
        out.push({event, offset, duplicate: false});
        offset += Buffer.byteLength(line);
      }
      if (chunks.length > 0) {
        const fh = await open(this.file, 'a');
        try {
          await fh.write(chunks.join(''));
          await fh.sync(); // an ack must mean "on disk"
        } finally {
          await fh.close();
        }
      }
      return out;
    });
  }

  /** A writer that died mid-line left bytes without "\n": close that line so ours start clean. */
  async endTornTail() {
    const size = await fileSize(this.file);
    if (size === 0) return;
    const fh = await open(this.file, 'r+');
    try {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== NL) {
        this.logger.warn(`${this.file}: the last line was cut off by an earlier crash; it is skipped`);
        await fh.write('\n', size);
        await fh.sync();
      }
    } finally {
      await fh.close();
    }
  }
}

/** Read the whole file (for status and small tools). */
export async function readAll(/** @type {string} */ file) {
  return readFile(file, 'utf8').catch(() => '');
}
