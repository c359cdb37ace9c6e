import {Flags} from '@oclif/core';
import {TdCommand, UsageError} from '../../base.js';
import {parseDuration} from '../../plugins/duration.js';

interface ConflictRow {
  id: number;
  target: string;
  entity_type: string;
  entity_id: string;
  remote_seq: string | null;
  resolution: string;
  resolved_by: string;
  local_data: string | null;
  remote_data: string | null;
  created_at: string;
}

const parseJson = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export default class SyncConflicts extends TdCommand {
  static override description = 'List recent sync conflicts (newest first), with both versions kept.';
  static override examples = ['td sync conflicts', 'td sync conflicts --since 24h --limit 50', 'td sync conflicts --json'];
  static override flags = {
    limit: Flags.integer({description: 'how many (1-1000)', default: 20}),
    since: Flags.string({description: 'only conflicts newer than this duration (e.g. 24h, 1h30m)'}),
    target: Flags.string({description: 'only this sync target (e.g. dir:/mnt/share)'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parseTd(SyncConflicts);
    if (flags.limit < 1 || flags.limit > 1000) throw new UsageError('limit must be between 1 and 1000');
    let sinceIso: string | undefined;
    if (flags.since !== undefined) {
      const ms = parseDuration(flags.since);
      if (ms === undefined) throw new UsageError(`invalid --since "${flags.since}": use a duration such as 24h or 1h30m`);
      sinceIso = new Date(Date.now() - ms).toISOString();
    }
    const store = this.openStore({readonly: true});
    const where: string[] = [];
    const params: unknown[] = [];
    if (sinceIso) {
      where.push('created_at >= ?');
      params.push(sinceIso);
    }
    if (flags.target) {
      where.push('target = ?');
      params.push(flags.target);
    }
    let rows: ConflictRow[] = [];
    try {
      rows = store.db
        .prepare(`SELECT * FROM td_sync_conflicts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`)
        .all(...params, flags.limit) as ConflictRow[];
    } catch (e) {
      if (!/no such table/.test((e as Error).message)) throw e; // a database td-sync never synced
    }
    if (this.jsonMode) {
      this.printJson(
        rows.map((r) => ({
          id: r.id,
          target: r.target,
          entityType: r.entity_type,
          entityId: r.entity_id,
          remoteSeq: r.remote_seq,
          resolution: r.resolution,
          resolvedBy: r.resolved_by,
          local: parseJson(r.local_data),
          remote: parseJson(r.remote_data),
          createdAt: r.created_at,
        })),
      );
      return;
    }
    if (rows.length === 0) {
      this.say('No sync conflicts found.');
      return;
    }
    this.say('Recent sync conflicts:');
    this.say(`${'TIME'.padEnd(20)}${'TYPE'.padEnd(22)}${'ENTITY'.padEnd(24)}${'SEQ'.padEnd(10)}RESOLUTION`);
    for (const r of rows) {
      const time = r.created_at.replace('T', ' ').slice(0, 19);
      this.say(`${time.padEnd(20)}${r.entity_type.padEnd(22)}${r.entity_id.padEnd(24)}${String(r.remote_seq ?? '-').padEnd(10)}${r.resolution} (${r.resolved_by})`);
    }
  }
}
