/**
 * Snapshots as td-sync builds them (spec §5.4): a complete td client database (schema v38) made
 * by replaying every event 1..seq through the client's own apply logic (the CLI engine's
 * `applyTotal`), foreign keys off; cached per (project, seq) so repeated requests at the same head
 * return identical bytes. Opt-in (`snapshots: 'build'`): by default the stand-in answers
 * `no_events`, which §13 allows.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {tmpdir} from 'node:os';
import Database from 'better-sqlite3';
import {fromWireEvent, type WireEvent} from 'td-sync-sdk';
import {V38_DDL} from '../../packages/td-sync-cli/src/store/schema.js';
import {applyTotal, prepare} from '../../packages/td-sync-cli/src/engine/apply.js';
import type {EventRow} from './store.js';

export class SnapshotBuilder {
  private readonly dir: string;

  constructor(dataDir?: string) {
    this.dir = join(dataDir ?? join(tmpdir(), `td-sync-stand-in-${process.pid}`), 'snapshots');
  }

  /** The snapshot bytes for `project` at `seq` (built once, then served from the cache). */
  build(project: string, seq: number, events: EventRow[]): Buffer {
    const folder = join(this.dir, project);
    const file = join(folder, `${seq}.db`);
    if (existsSync(file)) return readFileSync(file);
    mkdirSync(folder, {recursive: true});
    const tmp = `${file}.${process.pid}.tmp`;
    rmSync(tmp, {force: true});
    const db = new Database(tmp);
    try {
      db.pragma('journal_mode = DELETE');
      db.exec(V38_DDL);
      db.pragma('foreign_keys = OFF');
      db.transaction(() => {
        for (const row of events) {
          if (row.server_seq > seq) break;
          try {
            const w = {...row, payload: JSON.parse(row.payload)} as unknown as WireEvent;
            const ev = fromWireEvent(w);
            applyTotal(db, prepare(db, ev), ev);
          } catch {
            // Events the client would quarantine are stepped over, as in td.
          }
        }
        db.prepare('INSERT OR REPLACE INTO sync_state (project_id, last_pushed_action_id, last_pulled_server_seq, last_sync_at, sync_disabled) VALUES (?, 0, ?, NULL, 0)').run(project, seq);
      })();
    } finally {
      db.close();
    }
    // Evict older seqs of this project, keep the new one.
    for (const f of readdirSync(folder)) if (f.endsWith('.db') && f !== `${seq}.db`) rmSync(join(folder, f), {force: true});
    const bytes = readFileSync(tmp);
    renameSync(tmp, file);
    return bytes;
  }
}
