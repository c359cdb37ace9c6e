import test from 'ava';
import {runSync} from '../../packages/td-sync-cli/src/engine/index.js';
import {Hub, tempProject} from './helpers/hub.js';
import {TdWriter, taskTables} from './helpers/td-writes.js';

const count = (store: {db: any}, sql: string) => (store.db.prepare(sql).get() as {n: number}).n;

for (const ordering of ['total', 'unordered'] as const) {
  test(`${ordering}: two projects round-trip issues, logs, comments and dependencies`, async (t) => {
    const hub = new Hub({ordering});
    const a = tempProject();
    const b = tempProject();
    const wa = new TdWriter(a);
    const i1 = wa.createIssue({title: 'Fix the login redirect loop', labels: 'auth,bug'});
    const i2 = wa.createIssue({title: 'Write the release notes'});
    wa.addLog(i1, 'started');
    wa.addComment(i1, 'looks like a cookie problem');
    wa.addDep(i2, i1);
    const ra = await runSync(a, hub.target(), {});
    t.is(ra.pushed, 5);
    t.is(ra.rejected, 0);
    t.is(ra.pending, 0);
    t.is(ra.stopped, undefined);

    const logBefore = count(b, 'SELECT COUNT(*) AS n FROM action_log');
    const rb = await runSync(b, hub.target(), {});
    t.is(rb.pulled, 5);
    t.is(rb.applied, 5);
    t.is(count(b, 'SELECT COUNT(*) AS n FROM action_log'), logBefore, 'applying pulled events writes no journal rows');
    t.is((b.db.prepare('SELECT labels FROM issues WHERE id = ?').get(i1) as {labels: string}).labels, 'auth,bug');

    const wb = new TdWriter(b, 'ses_b', Date.UTC(2026, 2, 2));
    wb.updateIssue(i1, {title: 'Fix the login redirect loop on expiry'});
    await runSync(b, hub.target(), {});
    await runSync(a, hub.target(), {});
    t.is(wa.issue(i1)!.title, 'Fix the login redirect loop on expiry');
    t.deepEqual(taskTables(a), taskTables(b));
    const again = await runSync(a, hub.target(), {});
    t.is(again.pushed, 0, 'push then pull changes nothing');
  });
}
