import {Args} from '@oclif/core';
import {TdCommand} from '../../base.js';

export default class DepRm extends TdCommand {
  static summary = 'Remove a dependency';
  static description = 'Remove a dependency (nothing is written when the dependency does not exist).';
  static hiddenAliases = ['dep remove'];
  static examples = ['<%= config.bin %> dep rm td-abc123 td-def456'];
  static args = {issue: Args.string({required: true, description: 'The dependent issue'}), dependsOn: Args.string({required: true, description: 'The issue it depends on'})};

  async run(): Promise<void> {
    const {args} = await this.parseTd(DepRm);
    const t = await import('../../tasks/index.js');
    const r = t.removeDependency(this.openStore(), args.issue, args.dependsOn);
    if (!r.removed) this.warnLine(`${r.issue} does not depend on ${r.dependsOn}`);
    if (this.jsonMode) this.printJson({action: r.removed ? 'dependency_removed' : 'not_found', id: r.issue, depends_on: r.dependsOn, removed: r.removed});
    else if (r.removed) this.say(`REMOVED: ${r.issue} no longer depends on ${r.dependsOn}`);
  }
}
