import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Start extends TdCommand {
  static summary = 'Begin work on issues';
  static description = 'Begin work on issue(s): status in_progress, this session becomes the implementer, a "Started work" log is written.';
  static hiddenAliases = ['begin'];
  static strict = false;
  static examples = ['<%= config.bin %> start td-abc123', '<%= config.bin %> start abc123 def456 --reason "picking up after standup"', '<%= config.bin %> start td-abc123 --force   # a blocked issue'];
  static flags = {reason: Flags.string({description: 'Reason for starting work (becomes the log message)'}), force: Flags.boolean({description: 'Start even if the issue is blocked'})};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Start);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {runForIds} = await import('../tasks/cli.js');
    if (ids.length === 0) throw new t.TaskError('invalid_input', 'no issue id given: td start <id> [id...]');
    runForIds({json: this.jsonMode, store: this.openStore(), exit: (c) => this.exit(c)}, ids, (store, id) => t.startIssue(store, id, {reason: flags.reason, force: flags.force, focus: ids.length === 1}), (c) => `Started ${c.done}, skipped ${c.failed + c.noop}`);
  }
}
