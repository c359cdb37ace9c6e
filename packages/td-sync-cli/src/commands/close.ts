import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Close extends TdCommand {
  static summary = "Admin close (duplicates, won't-fix, cleanup)";
  static description = `Admin close for duplicates, won't-fix or cleanup (td review -> td approve finishes implemented work).
Refused for non-minor in-review issues and, under td's strict close rule, for sessions that implemented, created (unless still open and never worked on) or worked on the issue; override with --self-close-exception "<reason>" or --admin "<reason>".`;
  static hiddenAliases = ['done', 'complete'];
  static strict = false;
  static examples = [
    '<%= config.bin %> close td-abc123 -m "duplicate of td-def456"',
    '<%= config.bin %> close td-abc123 --self-close-exception "trivial typo fix"',
    '<%= config.bin %> close td-abc123 --admin "won\'t fix"',
  ];
  static flags = {
    reason: Flags.string({char: 'm', description: 'Reason', aliases: ['message', 'comment', 'notes']}),
    note: Flags.string({char: 'n', description: 'Alias for --reason', hidden: true}),
    'self-close-exception': Flags.string({description: 'Close your own work anyway (logged as a security event)'}),
    admin: Flags.string({description: 'Admin close with a reason'}),
  };

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Close);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {runForIds} = await import('../tasks/cli.js');
    const store = this.openStore();
    (await import('../tasks/config.js')).requireTrustedPolicy(store.root, process.env, ['strict', 'balanced']);
    if (ids.length === 0) {
      const focused = t.focusedIssueId(store);
      if (!focused) throw new t.TaskError('invalid_input', 'no issue specified and no focused issue: td close <id> (or td start <id> first)');
      ids.push(focused);
    }
    const o = {reason: flags.reason ?? flags.note, selfCloseException: flags['self-close-exception'], admin: flags.admin};
    runForIds({json: this.jsonMode, store, exit: (c) => this.exit(c)}, ids, (store, id) => t.closeIssue(store, id, o), (c) => `Closed ${c.done}, skipped ${c.failed + c.noop}`);
  }
}
