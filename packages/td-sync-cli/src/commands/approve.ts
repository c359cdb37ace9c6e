import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';

export default class Approve extends TdCommand {
  static summary = 'Approve and close, or record a review';
  static description = `Approve and close in-review issue(s), or record a review (td's default "trusted" review policy).
An independent reviewer can always approve. If you implemented the work, say who reviewed it with --reviewed-by "<who>", or acknowledge a self-review with --self-review --reason "...".
--record-only records an approval (or --decision changes_requested) without closing; once an active approval exists any session may close with td approve.`;
  static strict = false;

  static examples = [
    '<%= config.bin %> approve td-abc123',
    '<%= config.bin %> approve td-abc123 --reviewed-by "code-reviewer sub-agent"',
    '<%= config.bin %> approve td-abc123 --self-review --reason "re-read the diff, tests pass"',
    '<%= config.bin %> approve td-abc123 --record-only --reason "looks good"',
    '<%= config.bin %> approve td-abc123 --record-only --decision changes_requested --reason "fix X"',
    '<%= config.bin %> approve --all',
  ];
  static flags = {
    reason: Flags.string({char: 'm', description: 'Reason / review summary', aliases: ['message', 'note', 'notes']}),
    comment: Flags.string({char: 'c', description: 'Alias for --reason', hidden: true}),
    'reviewed-by': Flags.string({description: 'Who performed the review (max 120 characters)'}),
    'self-review': Flags.boolean({description: 'You reviewed your own work (needs --reason)'}),
    'record-only': Flags.boolean({description: 'Record a review without closing (needs --reason)'}),
    decision: Flags.string({description: 'Review decision with --record-only: approved | changes_requested'}),
    all: Flags.boolean({description: 'Approve every issue you can review (refusals are skipped quietly)'}),
  };

  async run(): Promise<void> {
    const {flags, argv} = await this.parseTd(Approve);
    const ids = argv as string[];
    const t = await import('../tasks/index.js');
    const {runForIds} = await import('../tasks/cli.js');
    const o = {
      reason: flags.reason ?? flags.comment,
      reviewedBy: flags['reviewed-by'],
      selfReview: flags['self-review'],
      recordOnly: flags['record-only'],
      decision: flags.decision,
    };
    t.checkApproveFlags(o);
    const store = this.openStore();
    (await import('../tasks/config.js')).requireTrustedPolicy(store.root);
    if (flags.all || ids.length === 0) {
      const {approvalCandidates} = await import('../tasks/queries.js');
      const candidates = approvalCandidates(store.db, !o.recordOnly);
      if (flags.all) ids.splice(0, ids.length, ...candidates.map((c) => c.id));
      else if (candidates.length === 1) ids.push(candidates[0].id);
      else if (candidates.length === 0) throw new t.TaskError('invalid_input', 'no issues to approve. Provide issue IDs or use --all');
      else throw new t.TaskError('invalid_input', `issue ID required: several issues await review (${candidates.map((c) => c.id).join(', ')}); name one or use --all`);
      if (ids.length === 0) throw new t.TaskError('invalid_input', 'no issues to approve. Provide issue IDs or use --all');
    }
    if (flags.all) {
      // td's --all reports only what it approved; refusals are skipped without noise.
      const {renderOutcomes, stdio} = await import('../tasks/render.js');
      const outcomes = ids.map((id) => t.approveIssue(store, id, o)).filter((x) => x.kind !== 'failed');
      renderOutcomes(stdio(this.jsonMode), outcomes, (c) => `Approved ${c.done}, skipped ${ids.length - c.done}`);
      return;
    }
    runForIds({json: this.jsonMode, store, exit: (c) => this.exit(c)}, ids, (store, id) => t.approveIssue(store, id, o), (c) => `Approved ${c.done}, skipped ${c.failed + c.noop}`);
  }
}
