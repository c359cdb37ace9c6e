import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Log extends TdCommand {
  static summary = 'Add a log entry to an issue';
  static description = 'Add a log entry to an issue (default: the focused issue). Prints LOGGED <id>[ [type]]. The message may come from stdin.';
  static strict = false;
  static examples = [
    '<%= config.bin %> log td-abc123 "found the root cause in the token refresh"',
    '<%= config.bin %> log td-abc123 --decision "use a mutex, not a channel"',
    'echo "tried X, failed" | <%= config.bin %> log td-abc123 --tried',
  ];
  static flags = {
    issue: Flags.string({char: 'i', description: 'Issue id', aliases: ['task']}),
    T: Flags.string({char: 'T', description: 'Issue id (alias for --issue)', hidden: true}),
    type: Flags.string({char: 't', description: 'Log type: progress, blocker, decision, hypothesis, tried, result, orchestration, security'}),
    blocker: Flags.boolean({description: 'Type blocker'}),
    decision: Flags.boolean({description: 'Type decision'}),
    hypothesis: Flags.boolean({description: 'Type hypothesis'}),
    tried: Flags.boolean({description: 'Type tried'}),
    result: Flags.boolean({description: 'Type result'}),
  };

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Log);
    const t = await import('../tasks/index.js');
    const args = argv as string[];
    let issue = flags.issue ?? flags.T;
    let message = '';
    // td: `td log <id> <msg>`, `td log <msg> <id>`, `td log <msg>` (focused issue), `td log <id>` + stdin.
    if (args.length >= 2) {
      if (!t.looksLikeIssueId(args[0]) && args.length === 2 && t.looksLikeIssueId(args[1])) [message, issue] = [args[0], args[1]];
      else [issue, message] = [args[0], args.slice(1).join(' ')];
    } else if (args.length === 1) {
      if (t.looksLikeIssueId(args[0])) issue = args[0];
      else message = args[0];
    }
    if (!message && !process.stdin.isTTY) {
      const {readFileSync} = await import('node:fs');
      message = readFileSync(0, 'utf8').trim();
    }
    const type = flags.type ?? (flags.blocker ? 'blocker' : flags.decision ? 'decision' : flags.hypothesis ? 'hypothesis' : flags.tried ? 'tried' : flags.result ? 'result' : 'progress');
    const r = t.addLog(this.openStore(), issue, message, type);
    if (this.jsonMode) this.printJson(r.json);
    else this.say(r.line);
  }
}
