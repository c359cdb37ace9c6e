import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Restore extends TdCommand {
  static summary = 'Restore soft-deleted issues';
  static description = 'Restore soft-deleted issue(s).';
  static strict = false;
  static examples = ['<%= config.bin %> restore td-abc123'];
  static flags = {};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Restore);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {runForIds} = await import('../tasks/cli.js');
    if (ids.length === 0) throw new t.TaskError('invalid_input', 'no issue id given: td restore <id> [id...]');
    runForIds({json: this.jsonMode, store: this.openStore(), exit: (c) => this.exit(c)}, ids, (store, id) => t.restoreIssue(store, id), (c) => `Restored ${c.done}, unchanged ${c.noop}, failed ${c.failed}`);
  }
}
