/**
 * Reading complete lines of one segment file from a byte offset. A last line without its newline
 * is torn (a writer crashed or is still writing, or a synced folder has not received all of it):
 * it is never returned, and the offset stays before it until the line is completed.
 */
import type {FileHandle} from 'node:fs/promises';
import {open} from 'node:fs/promises';

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

export interface Line {
  /** Byte offset where the line starts. */
  start: number;
  /** Byte offset just after its newline. */
  end: number;
  text: string;
}

export class SegmentLines {
  private handle: FileHandle | undefined;
  private buffer = Buffer.alloc(0);
  /** File offset of buffer[0]. */
  private bufferStart: number;
  private eof = false;

  constructor(
    private readonly path: string,
    /** Where the next line starts. */
    public offset: number,
  ) {
    this.bufferStart = offset;
  }

  /** The next complete line, or undefined when only a torn tail (or nothing) is left. */
  async next(): Promise<Line | undefined> {
    for (;;) {
      const at = this.buffer.indexOf(NEWLINE, this.offset - this.bufferStart);
      if (at !== -1) {
        const from = this.offset - this.bufferStart;
        const line: Line = {start: this.offset, end: this.bufferStart + at + 1, text: this.buffer.toString('utf8', from, at)};
        this.offset = line.end;
        return line;
      }
      if (this.eof) return undefined;
      await this.fill();
    }
  }

  private async fill(): Promise<void> {
    this.handle ??= await open(this.path, 'r');
    // Drop what was consumed, keep the unfinished line, read more after it.
    const keep = this.buffer.subarray(this.offset - this.bufferStart);
    const chunk = Buffer.allocUnsafe(Math.max(CHUNK, keep.length));
    const {bytesRead} = await this.handle.read(chunk, 0, chunk.length, this.offset + keep.length);
    if (bytesRead === 0) this.eof = true;
    this.buffer = Buffer.concat([keep, chunk.subarray(0, bytesRead)]);
    this.bufferStart = this.offset;
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }
}
