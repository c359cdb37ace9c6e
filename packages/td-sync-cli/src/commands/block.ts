import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Block extends TdCommand {
  static summary = 'Mark issues blocked';
  static description = 'Mark issue(s) blocked (a blocker log is written; the implementer is kept).';
  static strict = false;
  static examples = ['<%= config.bin %> block td-abc123 --reason "waiting for API keys"'];
  static flags = {reason: Flags.string({description: 'Reason for blocking'})};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Block);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {runForIds} = await import('../tasks/cli.js');
    if (ids.length === 0) throw new t.TaskError('invalid_input', 'no issue id given: td block <id> [id...]');
    runForIds({json: this.jsonMode, store: this.openStore(), exit: (c) => this.exit(c)}, ids, (store, id) => t.blockIssue(store, id, {reason: flags.reason}), (c) => `Blocked ${c.done}, unchanged ${c.noop}, failed ${c.failed}`);
  }
}
