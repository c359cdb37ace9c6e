import {Flags} from '@oclif/core';
import {TdCommand} from '../../base.js';
import {loadConfig} from '../../config/load.js';
import {registerEnvSecrets} from '../../redact.js';
import {collectStatus, renderStatus} from '../../plugins/status.js';
import {createStderrLogger} from '../../plugins/logger.js';
import type {Store} from '../../store/index.js';

export default class SyncStatus extends TdCommand {
  static override description = 'Show the sync target, its backend, local bookkeeping (pending, cursor, skipped, conflicts) and the remote\'s status. Never fails: problems are listed as notes.';
  static override flags = {
    backend: Flags.string({description: 'show the status for this backend instead of sync.backend'}),
    offline: Flags.boolean({description: 'do not contact the remote'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parseTd(SyncStatus);
    registerEnvSecrets();
    let store: Store | undefined;
    const notes: string[] = [];
    try {
      store = this.openStore();
    } catch (e) {
      notes.push(`database: ${(e as Error).message}`);
    }
    let status;
    try {
      const config = await loadConfig({workDir: this.workDir, projectRoot: store?.root});
      status = await collectStatus({config, store, oclif: this.config, backend: flags.backend, offline: flags.offline, logger: createStderrLogger()});
      status.notes = status.notes.filter((n) => !n.startsWith('no td database')); // the note above says why
      status.notes.unshift(...notes);
    } catch (e) {
      // config files that do not parse: still answer
      status = {configured: false, pendingEvents: -1, skippedEvents: {}, recentSkipped: [], conflicts: 0, remote: null, projectRoot: store?.root ?? '', notes: [...notes, `configuration: ${(e as Error).message}`]};
    }
    if (this.jsonMode) this.printJson(status);
    else for (const line of renderStatus(status)) this.say(line);
  }
}
