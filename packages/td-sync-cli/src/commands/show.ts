import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Show extends TdCommand {
  static summary = 'Show an issue with handoff, logs and reviews';
  static description = 'Show issue(s) with handoff, recent logs and review history. --json prints td\'s object (labels array, review_history, handoff, logs); several ids print an array of summaries, as td.';
  static hiddenAliases = ['context', 'view', 'get'];
  static strict = false;
  static examples = ['<%= config.bin %> show td-abc123', '<%= config.bin %> show abc123 --json'];
  static flags = {format: Flags.string({char: 'f', description: 'Output format: json'})};

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Show);
    if (flags.format === 'json') this.jsonMode = true;
    const ids = argv as string[];
    const {showIssue, showSummaries} = await import('../tasks/queries.js');
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
    // Several ids: td prints a JSON array of summaries (unknown ids skipped) or the issues in turn.
    if (this.jsonMode) {
      this.printJson(showSummaries(store.db, ids).json);
      return;
    }
    ids.forEach((id, i) => {
      try {
        for (const l of showIssue(store.db, id).text) this.say(l);
        if (i < ids.length - 1) this.say('---');
      } catch (e) {
        if (!isTaskError(e)) throw e;
        this.warnLine(e.message);
      }
    });
  }
}
