import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Unblock extends TdCommand {
  static summary = 'Unblock issues';
  static description = 'Move blocked issue(s) back to open (unclaimed).';
  static strict = false;
  static examples = ['<%= config.bin %> unblock td-abc123 --reason "keys arrived"'];
  static flags = {reason: Flags.string({description: 'Reason for unblocking'})};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Unblock);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {runForIds} = await import('../tasks/cli.js');
    if (ids.length === 0) throw new t.TaskError('invalid_input', 'no issue id given: td unblock <id> [id...]');
    runForIds({json: this.jsonMode, store: this.openStore(), exit: (c) => this.exit(c)}, ids, (store, id) => t.unblockIssue(store, id, {reason: flags.reason}), (c) => `Unblocked ${c.done}, unchanged ${c.noop}, failed ${c.failed}`);
  }
}
