import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class List extends TdCommand {
  static summary = 'List issues';
  static description = 'List issues (default: not closed, not deleted, sorted by priority, 50 at most). --json prints a bare array.';
  static hiddenAliases = ['ls'];
  static examples = [
    '<%= config.bin %> list',
    '<%= config.bin %> list -s in_progress -s blocked -t bug',
    '<%= config.bin %> list --all --sort updated_at -r -n 0 --json',
  ];
  static flags = {
    id: Flags.string({char: 'i', multiple: true, description: 'Only these ids'}),
    status: Flags.string({char: 's', multiple: true, description: 'Status filter (repeatable; "all")'}),
    type: Flags.string({char: 't', multiple: true, description: 'Type filter'}),
    labels: Flags.string({char: 'l', multiple: true, description: 'Issues carrying any of these labels'}),
    priority: Flags.string({char: 'p', description: 'Priority filter'}),
    parent: Flags.string({description: 'Children of this issue', aliases: ['epic']}),
    search: Flags.string({char: 'q', description: 'Text search in id, title, description'}),
    implementer: Flags.string({description: 'Implementer session'}),
    mine: Flags.boolean({char: 'm', description: 'Issues I am implementing'}),
    all: Flags.boolean({char: 'a', description: 'Include closed issues'}),
    deleted: Flags.boolean({description: 'Only soft-deleted issues'}),
    sort: Flags.string({description: 'Sort column (priority, created_at, updated_at, id, title, status, points, ...)'}),
    reverse: Flags.boolean({char: 'r', description: 'Reverse sort order'}),
    limit: Flags.integer({char: 'n', description: 'Maximum rows (0 = no limit)', default: 50, min: 0}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parseTd(List);
    const {listIssues, shortLine} = await import('../tasks/queries.js');
    const store = this.openStore();
    let implementer = flags.implementer as string | undefined;
    if (flags.mine) {
      const {getOrCreateSession} = await import('../tasks/session.js');
      implementer = store.write(() => getOrCreateSession(store.db, store.root)).id;
    }
    const issues = listIssues(store.db, {
      ids: flags.id, status: flags.status, type: flags.type, labels: flags.labels, priority: flags.priority, parent: flags.parent,
      search: flags.search, implementer, all: flags.all, deleted: flags.deleted, sort: flags.sort, reverse: flags.reverse, limit: flags.limit,
    });
    if (this.jsonMode) this.printJson(issues);
    else if (issues.length === 0) this.say('No issues found');
    else for (const i of issues) this.say(shortLine(i));
  }
}
