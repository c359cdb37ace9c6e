import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Show extends TdCommand {
  static summary = 'Show an issue with handoff, logs and reviews';
  static description = 'Show issue(s) with handoff, recent logs and review history. --json prints td\'s object (labels array, review_history, handoff, logs); several ids print one document each.';
  static hiddenAliases = ['context', 'view', 'get'];
  static strict = false;
  static examples = ['<%= config.bin %> show td-abc123', '<%= config.bin %> show abc123 --json'];
  static flags = {format: Flags.string({char: 'f', description: 'Output format: json'})};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Show);
    if (flags.format === 'json') this.jsonMode = true;
    const ids = argv as string[];
    const {showIssue} = await import('../tasks/queries.js');
    const {TaskError} = await import('../tasks/errors.js');
    const {isTaskError} = await import('../tasks/util.js');
    if (ids.length === 0) throw new TaskError('invalid_input', 'no issue id given: td show <id> [id...]');
    const store = this.openStore();
    if (ids.length === 1) {
      const r = showIssue(store.db, ids[0]);
      if (this.jsonMode) this.printJson(r.json);
      else for (const l of r.text) this.say(l);
      return;
    }
    let shown = 0;
    for (const id of ids) {
      try {
        const r = showIssue(store.db, id);
        shown++;
        if (this.jsonMode) this.printJson(r.json);
        else {
          for (const l of r.text) this.say(l);
          this.say('');
        }
      } catch (e) {
        if (!isTaskError(e)) throw e;
        if (this.jsonMode) process.stdout.write(JSON.stringify({error: {code: e.code, message: e.message}}) + '\n');
        else process.stderr.write(`ERROR: ${e.message}\n`);
      }
    }
    if (shown === 0) this.exit(1);
  }
}
