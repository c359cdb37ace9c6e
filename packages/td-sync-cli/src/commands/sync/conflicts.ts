import {Flags} from '@oclif/core';
import {TdCommand, UsageError} from '../../base.js';
import type {ConflictRow} from '../../engine/index.js';
import {parseDuration} from '../../plugins/duration.js';
import {loadEngine} from '../../plugins/engine-link.js';

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
    const {listConflicts} = await loadEngine();
    let rows: ConflictRow[] = [];
    try {
      rows = listConflicts(store, {targetId: flags.target, limit: flags.limit, since: sinceIso});
    } catch (e) {
      if (!/no such table/.test((e as Error).message)) throw e; // a database td-sync never synced
    }
    if (this.jsonMode) {
      this.printJson(rows);
      return;
    }
    if (rows.length === 0) {
      this.say('No sync conflicts found.');
      return;
    }
    this.say('Recent sync conflicts:');
    this.say(`${'TIME'.padEnd(20)}${'TYPE'.padEnd(22)}${'ENTITY'.padEnd(24)}${'SEQ'.padEnd(10)}RESOLUTION`);
    for (const r of rows) {
      const time = r.createdAt.replace('T', ' ').slice(0, 19);
      this.say(`${time.padEnd(20)}${r.entityType.padEnd(22)}${r.entityId.padEnd(24)}${String(r.remoteSeq ?? '-').padEnd(10)}${r.resolution} (${r.resolvedBy})`);
    }
  }
}
