import {Flags} from '@oclif/core';
import {TdCommand} from '../../base.js';

export default class Dep extends TdCommand {
  static summary = 'List or add dependencies (td dep <issue> [<depends-on>])';
  static description = '`td dep <issue>` lists what an issue depends on (--blocking: what it blocks); `td dep <issue> <depends-on>` adds a dependency. See also dep add, dep rm, dep list.';
  static strict = false;
  static flags = {blocking: Flags.boolean({description: 'With one id: show the issues it blocks'})};
  static examples = ['<%= config.bin %> dep td-abc123', '<%= config.bin %> dep td-abc123 --blocking', '<%= config.bin %> dep td-abc123 td-def456'];

  async run(): Promise<void> {
    const {argv, flags: parsed} = await this.parseTd(Dep);
    const args = argv as string[];
    const flags = parsed.blocking ? ['--blocking'] : [];
    const global = [...(this.jsonMode ? ['--json'] : []), ...(this.workDir ? ['-w', this.workDir] : [])];
    if (args.length === 0) return this.config.runCommand('help', ['dep']);
    if (args.length >= 2) return this.config.runCommand('dep:add', [...args, ...global]);
    return this.config.runCommand('dep:list', [args[0], ...flags, ...global]);
  }
}
