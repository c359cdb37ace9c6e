import {Flags} from '@oclif/core';
import {TdCommand} from '../../base.js';

export default class DepAdd extends TdCommand {
  static summary = 'Add dependencies';
  static description = 'Make an issue depend on (be blocked by) other issues. Refuses unknown ids and cycles; an existing dependency is a warning.';
  static strict = false;
  static examples = ['<%= config.bin %> dep add td-abc123 td-def456', '<%= config.bin %> dep add td-abc123 --depends-on td-def456,td-0a1b2c'];
  static flags = {'depends-on': Flags.string({multiple: true, description: 'Dependencies (comma-separated, repeatable)'})};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(DepAdd);
    const t = await import('../../tasks/index.js');
    const [issue, ...deps] = argv as string[];
    if (!issue) throw new t.TaskError('invalid_input', 'usage: td dep add <issue> <depends-on>...');
    const r = t.addDependencies(this.openStore(), issue, [...deps, ...t.mergeMultiValue(flags['depends-on'])]);
    for (const d of r.existing) this.warnLine(`${r.issue} already depends on ${d}`);
    if (this.jsonMode) this.printJson({action: 'dependencies_added', id: r.issue, added: r.added, existing: r.existing});
    else {
      for (const d of r.added) this.say(`ADDED: ${r.issue} depends on ${d}`);
      if (r.added.length > 1) this.say(`\nAdded ${r.added.length} dependencies`);
    }
  }
}
