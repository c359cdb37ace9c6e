import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Delete extends TdCommand {
  static summary = 'Soft-delete issues';
  static description = 'Soft-delete issue(s): the row stays with deleted_at set and is hidden from lists; td restore brings it back.';
  static strict = false;
  static examples = ['<%= config.bin %> delete td-abc123', '<%= config.bin %> delete td-abc123 td-def456 --json'];
  static flags = {force: Flags.boolean({char: 'f', description: 'Accepted for td compatibility (no prompt is ever shown)'}), yes: Flags.boolean({char: 'y', description: 'Accepted for td compatibility'})};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Delete);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {runForIds} = await import('../tasks/cli.js');
    if (ids.length === 0) throw new t.TaskError('invalid_input', 'no issue id given: td delete <id> [id...]');
    runForIds({json: this.jsonMode, store: this.openStore(), exit: (c) => this.exit(c)}, ids, (store, id) => t.deleteIssue(store, id), (c) => `Deleted ${c.done}, unchanged ${c.noop}, failed ${c.failed}`);
  }
}
