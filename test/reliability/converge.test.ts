/**
 * Convergence: three projects doing seeded random work (create, rename, log, comment, close and
 * reopen, priority, delete) and syncing in random order through each backend — for github with a
 * person editing in the GitHub UI between syncs (titles, comments, close/reopen) — end with
 * identical task state, nothing pending and nothing twice on the remote.
 * TD_SOAK=1: 500 operations per backend (spread over the three projects); default: 10.
 */
import test from 'ava';
import {count, divergence, duplicates, pick, randomOp, remoteFor, rng, settle, syncJson, type BackendName} from './lib.js';

const OPS = pick(10, 500);

for (const backend of ['dir', 'http', 'github'] as BackendName[]) {
  test.serial(`${backend}: three projects, ${OPS} random operations, syncs in random order${backend === 'github' ? ', a person editing in the UI' : ''}: identical task state`, async (t) => {
    const remote = await remoteFor(backend);
    t.teardown(() => remote.close());
    const projects = [await remote.project('A'), await remote.project('B'), await remote.project('C')];
    const r = rng(backend === 'dir' ? 7 : backend === 'http' ? 8 : 9);
    let uiEdits = 0;
    for (let op = 1; op <= OPS; op++) {
      const p = projects[Math.floor(r() * 3)]!;
      await randomOp(p, r, op);
      if (r() < 0.25) {
        const s = projects[Math.floor(r() * 3)]!;
        const res = await syncJson(s);
        t.is(res.code, 0, `${s.name} sync after op ${op}: ${res.raw.stdout}${res.raw.stderr}`);
      }
      const em = remote.em;
      if (em && r() < 0.1) {
        const open = em.issues('acme/app').filter((i) => /<!-- td:begin /.test(i.body));
        const issue = open[Math.floor(r() * open.length)];
        if (issue) {
          em.advanceClock(2000);
          const x = r();
          if (x < 0.4) em.ui.editIssue('acme/app', issue.number, {title: `Edited on GitHub by a person, step ${op}`});
          else if (x < 0.7) em.ui.addComment('acme/app', issue.number, `A person's comment at step ${op}`);
          else if (issue.state === 'OPEN') em.ui.closeIssue('acme/app', issue.number);
          else em.ui.reopenIssue('acme/app', issue.number);
          uiEdits++;
        }
      }
    }
    await settle([...projects, ...projects], 4);
    const diff = divergence(projects);
    t.is(diff, undefined);
    for (const p of projects) t.is((await syncJson(p)).report.pending, 0, `${p.name}: nothing pending`);
    const dups = duplicates(remote);
    t.deepEqual(dups, []);
    if (remote.em) t.log(`${uiEdits} edits by a person in the GitHub UI`);
    count('operationsConverged', OPS + uiEdits, t.title);
    count('lost', diff ? 1 : 0, t.title);
    count('duplicated', dups.length, t.title);
  });
}
