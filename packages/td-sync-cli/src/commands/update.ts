import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Update extends TdCommand {
  static summary = 'Edit issues';
  static description = 'Edit issue(s). --labels/--depends-on/--blocks replace the whole set (empty clears); --status runs the state machine (refused transitions change nothing). Prints UPDATED <id>.';
  static hiddenAliases = ['edit'];
  static strict = false;
  static examples = [
    '<%= config.bin %> update td-abc123 --priority high --points 5',
    '<%= config.bin %> update td-abc123 --labels api,backend --status in_review',
    '<%= config.bin %> update td-abc123 -d "More detail" --append -m "clarified scope"',
  ];
  static flags = {
    title: Flags.string({description: 'New title'}),
    description: Flags.string({char: 'd', description: 'Description', aliases: ['desc', 'body']}),
    'description-file': Flags.string({description: 'Read the description from a file (- for stdin)'}),
    acceptance: Flags.string({description: 'Acceptance criteria'}),
    'acceptance-file': Flags.string({description: 'Read acceptance criteria from a file (- for stdin)'}),
    append: Flags.boolean({description: 'Append to description/acceptance instead of replacing'}),
    type: Flags.string({char: 't', description: 'Type: bug, feature, task, epic, chore'}),
    priority: Flags.string({char: 'p', description: 'Priority: P0..P4 or an alias'}),
    points: Flags.string({description: 'Story points (0 clears; Fibonacci 1..21)'}),
    labels: Flags.string({char: 'l', multiple: true, description: 'Replace labels (comma-separated; "" clears)'}),
    sprint: Flags.string({description: 'Sprint name'}),
    parent: Flags.string({description: 'Parent issue id ("" clears)'}),
    status: Flags.string({char: 's', description: 'New status (validated transition)'}),
    minor: Flags.string({description: 'Minor flag: true/false or 1/0'}),
    defer: Flags.string({description: 'Defer until a date ("" clears)'}),
    due: Flags.string({description: 'Due date ("" clears)'}),
    'depends-on': Flags.string({multiple: true, description: 'Replace the set of issues this depends on'}),
    blocks: Flags.string({multiple: true, description: 'Replace the set of issues this blocks'}),
    comment: Flags.string({char: 'm', description: 'Also add a comment'}),
  };

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Update);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {readText} = await import('../tasks/input.js');
    const {runForIds} = await import('../tasks/cli.js');
    if (ids.length === 0) throw new t.TaskError('invalid_input', 'no issue id given: td update <id> [flags]');
    const input = {
      title: flags.title,
      description: readText(flags['description-file']) ?? flags.description,
      acceptance: readText(flags['acceptance-file']) ?? flags.acceptance,
      append: flags.append,
      type: flags.type,
      priority: flags.priority,
      points: flags.points,
      labels: flags.labels,
      sprint: flags.sprint,
      parent: flags.parent,
      status: flags.status,
      minor: flags.minor === undefined ? undefined : t.parseMinor(flags.minor),
      defer: flags.defer,
      due: flags.due,
      dependsOn: flags['depends-on'],
      blocks: flags.blocks,
      comment: flags.comment,
    };
    // Validate enumerations once, before touching any issue.
    if (input.type !== undefined) t.normalizeType(input.type);
    if (input.priority !== undefined) t.normalizePriority(input.priority);
    if (input.points !== undefined) t.normalizePoints(input.points);
    if (input.status !== undefined) t.normalizeStatus(input.status);
    runForIds({json: this.jsonMode, store: this.openStore(), exit: (c) => this.exit(c)}, ids, (store, id) => t.updateIssue(store, id, input), (c) => `Updated ${c.done}, failed ${c.failed}`);
  }
}
