import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Reject extends TdCommand {
  static summary = 'Reject in-review issues back to open';
  static description = 'Reject in-review issue(s): back to open; implementer, reviewer and review request cleared.';
  static strict = false;
  static examples = ['<%= config.bin %> reject td-abc123 -m "tests missing for the error path"'];
  static flags = {reason: Flags.string({char: 'm', description: 'Reason', aliases: ['message', 'note', 'notes']}), comment: Flags.string({char: 'c', description: 'Alias for --reason', hidden: true})};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Reject);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {runForIds} = await import('../tasks/cli.js');
    if (ids.length === 0) throw new t.TaskError('invalid_input', 'no issue id given: td reject <id> [id...]');
    runForIds({json: this.jsonMode, store: this.openStore(), exit: (c) => this.exit(c)}, ids, (store, id) => t.rejectIssue(store, id, {reason: flags.reason ?? flags.comment}), (c) => `Rejected ${c.done}, skipped ${c.failed + c.noop}`);
  }
}
