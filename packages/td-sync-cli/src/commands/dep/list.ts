import {Args, Flags} from '@oclif/core';
import {TdCommand} from '../../base.js';

export default class DepList extends TdCommand {
  static summary = "Show an issue's dependencies";
  static description = 'Show what an issue depends on (or, with --blocking, what it blocks).';
  static hiddenAliases = ['depends-on', 'deps'];
  static examples = ['<%= config.bin %> dep list td-abc123', '<%= config.bin %> dep list td-abc123 --blocking --json'];
  static args = {issue: Args.string({required: true, description: 'Issue id'})};
  static flags = {blocking: Flags.boolean({description: 'Show the issues this one blocks'})};

  async run(): Promise<void> {
    const {args, flags} = await this.parseTd(DepList);
    const t = await import('../../tasks/index.js');
    const store = this.openStore();
    const r = t.listDependencies(store, args.issue);
    const list = flags.blocking ? r.blocks : r.dependencies;
    if (this.jsonMode) {
      this.printJson(flags.blocking ? {issue: r.issue, blocked: list.map((i) => i.id)} : {issue: r.issue, dependencies: list.map((i) => i.id)});
      return;
    }
    this.say(`${r.issue.id}: ${r.issue.title} [${r.issue.status}]`);
    if (list.length === 0) {
      this.say(flags.blocking ? 'No issues depend on this one' : 'No dependencies');
      return;
    }
    this.say(flags.blocking ? '└── blocks:' : '└── depends on:');
    for (const i of list) this.say(`    ${t.shortLine(i)}`);
    if (!flags.blocking) {
      const open = list.filter((i) => i.status !== 'closed').length;
      this.say(`\n${open} blocking, ${list.length - open} resolved`);
    }
  }
}
