import test from 'ava';
import fc from 'fast-check';
import {startGitHubEmulator, type IssueSnapshot} from './index.js';

// Property: an issue's updatedAt moves exactly when something a reader can see on it changed
// (title, body, state, reason, labels, comments, parent, sub-issues), and never goes backwards.

type Action =
  | {op: 'edit'; n: number; title?: string; body?: string}
  | {op: 'close'; n: number; reason: 'COMPLETED' | 'NOT_PLANNED'}
  | {op: 'reopen'; n: number}
  | {op: 'label'; n: number; name: string}
  | {op: 'unlabel'; n: number; name: string}
  | {op: 'comment'; n: number; body: string}
  | {op: 'editComment'; n: number; body: string}
  | {op: 'deleteComment'; n: number}
  | {op: 'link'; parent: number; child: number}
  | {op: 'renameLabel'; name: string};

const issueNo = fc.integer({min: 1, max: 3});
const word = fc.constantFrom('a', 'b', 'c');
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({op: fc.constant('edit' as const), n: issueNo, title: fc.option(word, {nil: undefined}), body: fc.option(word, {nil: undefined})}),
  fc.record({op: fc.constant('close' as const), n: issueNo, reason: fc.constantFrom('COMPLETED' as const, 'NOT_PLANNED' as const)}),
  fc.record({op: fc.constant('reopen' as const), n: issueNo}),
  fc.record({op: fc.constant('label' as const), n: issueNo, name: word}),
  fc.record({op: fc.constant('unlabel' as const), n: issueNo, name: word}),
  fc.record({op: fc.constant('comment' as const), n: issueNo, body: word}),
  fc.record({op: fc.constant('editComment' as const), n: issueNo, body: word}),
  fc.record({op: fc.constant('deleteComment' as const), n: issueNo}),
  fc.record({op: fc.constant('link' as const), parent: issueNo, child: issueNo}),
  fc.record({op: fc.constant('renameLabel' as const), name: word}),
);

const visible = (i: IssueSnapshot) => JSON.stringify([i.title, i.body, i.state, i.stateReason, [...i.labels].sort(), i.comments, i.parentNumber, i.subIssueNumbers]);

test('updatedAt moves exactly when visible issue state changes', async t => {
  await fc.assert(
    fc.asyncProperty(fc.array(action, {minLength: 10, maxLength: 30}), async actions => {
      const em = await startGitHubEmulator({startAt: new Date('2026-01-01T00:00:00Z'), freezeClock: true});
      try {
        const repo = 'acme/app';
        em.createRepo(repo);
        for (const title of ['1', '2', '3']) em.ui.createIssue(repo, {title});
        for (const name of ['a', 'b', 'c']) em.ui.createLabel(repo, {name});
        for (const a of actions) {
          em.advanceClock(1000);
          const before = em.issues(repo);
          const comments = (n: number) => before[n - 1]!.comments;
          try {
            switch (a.op) {
              case 'edit':
                em.ui.editIssue(repo, a.n, {title: a.title, body: a.body});
                break;
              case 'close':
                em.ui.closeIssue(repo, a.n, a.reason);
                break;
              case 'reopen':
                em.ui.reopenIssue(repo, a.n);
                break;
              case 'label':
                em.ui.addLabels(repo, a.n, [a.name]);
                break;
              case 'unlabel':
                em.ui.removeLabels(repo, a.n, [a.name]);
                break;
              case 'comment':
                em.ui.addComment(repo, a.n, a.body);
                break;
              case 'editComment':
                if (comments(a.n).length) em.ui.editComment(repo, comments(a.n)[0]!.id, a.body);
                break;
              case 'deleteComment':
                if (comments(a.n).length) em.ui.deleteComment(repo, comments(a.n)[0]!.id);
                break;
              case 'link':
                em.ui.addSubIssue(repo, a.parent, a.child);
                break;
              case 'renameLabel':
                em.ui.renameLabel(repo, a.name, a.name);
                break;
            }
          } catch {
            // refused (cycle, self link): must change nothing, checked below
          }
          const after = em.issues(repo);
          for (let k = 0; k < after.length; k++) {
            const b = before[k]!;
            const x = after[k]!;
            if (x.updatedAt < b.updatedAt) return false;
            if ((visible(x) !== visible(b)) !== (x.updatedAt !== b.updatedAt)) {
              // A sub-issue move also touches the former parent, whose visible list changed too.
              return false;
            }
          }
        }
        return true;
      } finally {
        await em.close();
      }
    }),
    {seed: 7, numRuns: Number(process.env.TD_EMULATOR_RUNS ?? 40)},
  );
  t.pass();
});
