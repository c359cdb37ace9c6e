import {Args, Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Create extends TdCommand {
  static summary = 'Create a task';
  static description = 'Create a task. Prints CREATED td-xxxxxx. A title like "bug: Login fails" sets the type when --type is not given; `td create epic "Auth rework"` does too.';
  static hiddenAliases = ['add', 'new'];
  static strict = false;
  static examples = [
    '<%= config.bin %> create "Fix login redirect loop" -t bug -p P1',
    '<%= config.bin %> create "epic: Payments rework" --labels billing,backend',
    '<%= config.bin %> add "Write migration guide for v2" --points 3 --depends-on td-abc123 --json',
  ];
  static args = {title: Args.string({description: 'Task title (or a type followed by the title)'})};
  static flags = {
    title: Flags.string({description: 'Task title (max 200 characters)'}),
    type: Flags.string({char: 't', description: 'Type: bug, feature, task, epic, chore (story = feature)'}),
    priority: Flags.string({char: 'p', description: 'Priority: P0..P4, 0..4, critical, high, medium, low, none'}),
    points: Flags.string({description: 'Story points (Fibonacci: 1,2,3,5,8,13,21)'}),
    labels: Flags.string({char: 'l', multiple: true, description: 'Labels (repeatable, comma-separated)'}),
    label: Flags.string({multiple: true, description: 'Alias for --labels', hidden: true}),
    tags: Flags.string({multiple: true, description: 'Alias for --labels', hidden: true}),
    tag: Flags.string({multiple: true, description: 'Alias for --labels', hidden: true}),
    description: Flags.string({char: 'd', description: 'Description text'}),
    desc: Flags.string({description: 'Alias for --description', hidden: true}),
    body: Flags.string({description: 'Alias for --description', hidden: true}),
    notes: Flags.string({description: 'Alias for --description', hidden: true}),
    'description-file': Flags.string({description: 'Read the description from a file (- for stdin)'}),
    acceptance: Flags.string({description: 'Acceptance criteria'}),
    'acceptance-file': Flags.string({description: 'Read acceptance criteria from a file (- for stdin)'}),
    parent: Flags.string({description: 'Parent issue id'}),
    epic: Flags.string({description: 'Parent issue id (alias for --parent)'}),
    'depends-on': Flags.string({multiple: true, description: 'Issues this depends on (repeatable, comma-separated)'}),
    blocks: Flags.string({multiple: true, description: 'Issues this blocks (repeatable, comma-separated)'}),
    minor: Flags.boolean({description: 'Minor task (bypasses review rules)'}),
    defer: Flags.string({description: 'Defer until a date (YYYY-MM-DD, today, tomorrow, +Nd, +Nw)'}),
    due: Flags.string({description: 'Due date (YYYY-MM-DD, today, tomorrow, +Nd, +Nw)'}),
  };

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Create);
    const {createIssue, asType} = await import('../tasks/index.js');
    const {readText} = await import('../tasks/input.js');
    const {projectTitleLimits} = await import('../tasks/config.js');
    let positional = (argv as string[]).slice();
    let type: string | undefined = flags.type;
    if (positional.length > 1 && asType(positional[0])) {
      type ??= positional[0];
      positional = positional.slice(1);
    }
    const title = positional.length ? positional.join(' ') : flags.title ?? '';
    const store = this.openStore();
    const limits = projectTitleLimits(store.root);
    const result = createIssue(
      store,
      {
        title,
        type,
        priority: flags.priority,
        points: flags.points,
        labels: [...(flags.labels ?? []), ...(flags.label ?? []), ...(flags.tags ?? []), ...(flags.tag ?? [])],
        description: readText(flags['description-file']) ?? flags.description ?? flags.desc ?? flags.body ?? flags.notes,
        acceptance: readText(flags['acceptance-file']) ?? flags.acceptance,
        parent: flags.parent ?? flags.epic,
        dependsOn: flags['depends-on'],
        blocks: flags.blocks,
        minor: flags.minor,
        defer: flags.defer,
        due: flags.due,
        titleMinLength: limits.min,
        titleMaxLength: limits.max,
      },
    );
    if (!this.jsonMode) for (const w of result.warnings) this.warnLine(w);
    if (this.jsonMode) this.printJson(result.json);
    else this.say(`CREATED ${result.issue.id}`);
  }
}
