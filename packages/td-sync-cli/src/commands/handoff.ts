import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Handoff extends TdCommand {
  static summary = 'Record a handoff for an issue';
  static description = `Record a handoff (done / remaining / decisions / uncertain) for an issue (default: the focused issue). Prints HANDOFF RECORDED <id>.
Items: repeat the flags; "@file" reads one item per line, "-" reads stdin. Without flags, stdin may hold a YAML-like block (done:/remaining:/decisions:/uncertain: with "- item" lines).`;
  static strict = false;
  static examples = [
    '<%= config.bin %> handoff td-abc123 --done "parser rewritten" --remaining "docs" --uncertain "perf on 1GB files?"',
    '<%= config.bin %> handoff td-abc123 "quick note: all tests green"',
    'printf "done:\\n  - a\\nremaining:\\n  - b\\n" | <%= config.bin %> handoff td-abc123',
  ];
  static flags = {
    done: Flags.string({multiple: true, description: 'Completed item (repeatable)'}),
    remaining: Flags.string({multiple: true, description: 'Remaining item (repeatable)'}),
    decision: Flags.string({multiple: true, description: 'Decision made (repeatable)'}),
    uncertain: Flags.string({multiple: true, description: 'Uncertainty (repeatable)'}),
    note: Flags.string({char: 'n', description: 'A note (added to done)'}),
    message: Flags.string({char: 'm', description: 'A message (added to done)'}),
  };

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Handoff);
    const t = await import('../tasks/index.js');
    const {expandItems, parseHandoffText} = await import('../tasks/input.js');
    const args = argv as string[];
    let issue: string | undefined;
    let message: string | undefined;
    if (args.length >= 2) [issue, message] = args;
    else if (args.length === 1) {
      if (t.looksLikeIssueId(args[0])) issue = args[0];
      else message = args[0];
    }
    const lists = {
      done: expandItems(flags.done),
      remaining: expandItems(flags.remaining),
      decisions: expandItems(flags.decision),
      uncertain: expandItems(flags.uncertain),
    };
    for (const extra of [flags.note, flags.message, message]) if (extra) lists.done.push(extra);
    const explicit = Object.values(lists).some((l) => l.length > 0);
    if (!explicit && !process.stdin.isTTY) {
      const {readFileSync} = await import('node:fs');
      const parsed = parseHandoffText(readFileSync(0, 'utf8'));
      for (const k of ['done', 'remaining', 'decisions', 'uncertain'] as const) lists[k].push(...parsed[k]);
    }
    // td binds an empty list as JSON null.
    const asStored = (l: string[]) => (l.length ? l : null);
    const r = t.addHandoff(this.openStore(), issue, {done: asStored(lists.done), remaining: asStored(lists.remaining), decisions: asStored(lists.decisions), uncertain: asStored(lists.uncertain)});
    if (this.jsonMode) this.printJson(r.json);
    else {
      this.say(r.line);
      this.say(`\nNext: \`td review ${r.id}\` to submit for review`);
    }
  }
}
