import {Args} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Comment extends TdCommand {
  static summary = 'Comment on an issue';
  static description = 'Add a comment to an issue. Prints COMMENT ADDED <id>.';
  static strict = false;
  static examples = ['<%= config.bin %> comment td-abc123 "LGTM once the flaky test is fixed"'];
  static args = {id: Args.string({description: 'Issue id', required: true}), text: Args.string({description: 'Comment text'})};

  async run(): Promise<void> {
    const {argv} = await this.parseTd(Comment);
    const t = await import('../tasks/index.js');
    const {renderOutcomes, stdio} = await import('../tasks/render.js');
    const [id, ...rest] = argv as string[];
    const code = renderOutcomes(stdio(this.jsonMode), [t.addComment(this.openStore(), id, rest.join(' '))]);
    if (code) this.exit(code);
  }
}
