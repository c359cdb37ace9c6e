import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Review extends TdCommand {
  static summary = 'Submit issues for review';
  static description = 'Submit issue(s) for review (in_review). Creates a minimal handoff from your logs when none exists; cascades to open/in-progress descendants and up to an epic parent.';
  static hiddenAliases = ['submit', 'finish'];
  static strict = false;
  static examples = ['<%= config.bin %> review td-abc123', '<%= config.bin %> review td-abc123 -m "ready: see handoff"', '<%= config.bin %> review td-abc123 --minor'];
  static flags = {reason: Flags.string({char: 'm', description: 'Log message', aliases: ['message', 'comment', 'note', 'notes']}), minor: Flags.boolean({description: 'Mark minor (bypasses review rules, no handoff needed)'})};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Review);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {runForIds} = await import('../tasks/cli.js');
    if (ids.length === 0) throw new t.TaskError('invalid_input', 'no issue id given: td review <id> [id...]');
    runForIds({json: this.jsonMode, store: this.openStore(), exit: (c) => this.exit(c)}, ids, (store, id) => t.reviewIssue(store, id, {reason: flags.reason, minor: flags.minor}), (c) => `Reviewed ${c.done}, skipped ${c.failed + c.noop}`);
  }
}
