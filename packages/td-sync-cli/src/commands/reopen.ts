import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Reopen extends TdCommand {
  static summary = 'Reopen closed issues';
  static description = 'Reopen closed issue(s): status open, closed_at and reviewer cleared.';
  static strict = false;
  static examples = ['<%= config.bin %> reopen td-abc123 --reason "regression in 2.1"'];
  static flags = {reason: Flags.string({description: 'Reason for reopening'})};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Reopen);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {runForIds} = await import('../tasks/cli.js');
    if (ids.length === 0) throw new t.TaskError('invalid_input', 'no issue id given: td reopen <id> [id...]');
    runForIds({json: this.jsonMode, store: this.openStore(), exit: (c) => this.exit(c)}, ids, (store, id) => t.reopenIssue(store, id, {reason: flags.reason}), (c) => `Reopened ${c.done}, unchanged ${c.noop}, failed ${c.failed}`);
  }
}
