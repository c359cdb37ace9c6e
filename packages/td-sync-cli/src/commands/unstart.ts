import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Unstart extends TdCommand {
  static summary = 'Release your claim on in-progress issues';
  static description = 'Release your claim on in-progress issue(s): back to open, implementer cleared.';
  static hiddenAliases = ['stop'];
  static strict = false;
  static examples = ['<%= config.bin %> unstart td-abc123', '<%= config.bin %> stop td-abc123 --reason "blocked on design"'];
  static flags = {reason: Flags.string({description: 'Reason (becomes the log message)'})};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Unstart);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {runForIds} = await import('../tasks/cli.js');
    if (ids.length === 0) throw new t.TaskError('invalid_input', 'no issue id given: td unstart <id> [id...]');
    runForIds({json: this.jsonMode, store: this.openStore(), exit: (c) => this.exit(c)}, ids, (store, id) => t.unstartIssue(store, id, {reason: flags.reason}), (c) => `Unstarted ${c.done}, unchanged ${c.noop}, failed ${c.failed}`);
  }
}
