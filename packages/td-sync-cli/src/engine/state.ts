/**
 * A backend's persistent key-value state for one target (td_sync_backend_state). `set`/`delete` are
 * durable at once; `stage` is held in memory and written by the engine in the same transaction as
 * the next ack batch or cursor (`flush`). In a dry run nothing reaches the database.
 */
import type {TargetState} from 'td-sync-sdk';
import type {Writer} from './locking.js';

const DELETED = Symbol('deleted');

export class BackendState implements TargetState {
  private readonly staged = new Map<string, unknown>();
  /** Dry run: every write lands here. */
  private readonly overlay = new Map<string, unknown>();

  constructor(private readonly writer: Writer, private readonly target: string, private readonly dryRun: boolean) {}

  private read(key: string): unknown {
    const row = this.writer.store.db.prepare('SELECT value FROM td_sync_backend_state WHERE target = ? AND key = ?').get(this.target, key) as {value: string} | undefined;
    return row ? JSON.parse(row.value) : undefined;
  }

  get<T = unknown>(key: string): T | undefined {
    for (const layer of [this.staged, this.overlay]) {
      if (layer.has(key)) {
        const v = layer.get(key);
        return v === DELETED ? undefined : (v as T);
      }
    }
    return this.read(key) as T | undefined;
  }

  set(key: string, value: unknown): void {
    if (value === undefined) return this.delete(key);
    this.staged.delete(key);
    if (this.dryRun) {
      this.overlay.set(key, structuredClone(value));
      return;
    }
    this.writer.tx(() => this.write(key, value));
  }

  stage(key: string, value: unknown): void {
    this.staged.set(key, value === undefined ? DELETED : structuredClone(value));
  }

  delete(key: string): void {
    this.staged.delete(key);
    if (this.dryRun) {
      this.overlay.set(key, DELETED);
      return;
    }
    this.writer.tx(() => this.write(key, DELETED));
  }

  keys(prefix = ''): string[] {
    const rows = this.writer.store.db
      .prepare("SELECT key FROM td_sync_backend_state WHERE target = ? AND substr(key, 1, length(?)) = ?")
      .all(this.target, prefix, prefix) as Array<{key: string}>;
    const keys = new Set(rows.map((r) => r.key));
    for (const layer of [this.overlay, this.staged]) {
      for (const [k, v] of layer) {
        if (!k.startsWith(prefix)) continue;
        if (v === DELETED) keys.delete(k);
        else keys.add(k);
      }
    }
    return [...keys].sort();
  }

  get hasStaged(): boolean {
    return this.staged.size > 0;
  }

  /** Write staged values; call inside the engine's transaction, then `committed()` after COMMIT. */
  flush(): void {
    if (this.dryRun) return;
    for (const [k, v] of this.staged) this.write(k, v);
  }

  /**
   * The staged values as they are now. The push phase takes one when a push returns and commits it
   * with that push's acks, while the next push (which may stage more) is already under way.
   */
  snapshot(): ReadonlyMap<string, unknown> {
    return new Map(this.staged);
  }

  /** Write a snapshot's values; call inside the engine's transaction, then `committedSnapshot`. */
  flushSnapshot(snapshot: ReadonlyMap<string, unknown>): void {
    if (this.dryRun) return;
    for (const [k, v] of snapshot) this.write(k, v);
  }

  /** A snapshot committed: its values leave the staged set unless staged again since. */
  committedSnapshot(snapshot: ReadonlyMap<string, unknown>): void {
    for (const [k, v] of snapshot) {
      if (this.staged.get(k) !== v) continue;
      if (this.dryRun) this.overlay.set(k, v);
      this.staged.delete(k);
    }
  }

  /** The transaction that flushed the staged values committed: they are durable now. */
  committed(): void {
    if (this.dryRun) for (const [k, v] of this.staged) this.overlay.set(k, v);
    this.staged.clear();
  }

  private write(key: string, value: unknown): void {
    const db = this.writer.store.db;
    if (value === DELETED) db.prepare('DELETE FROM td_sync_backend_state WHERE target = ? AND key = ?').run(this.target, key);
    else db.prepare('INSERT OR REPLACE INTO td_sync_backend_state (target, key, value) VALUES (?, ?, ?)').run(this.target, key, JSON.stringify(value));
  }
}
