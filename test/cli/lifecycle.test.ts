/**
 * The core task commands end to end: the built `td` in a temp project, the database checked with
 * better-sqlite3 afterwards (rows, action_log rows, payload keys), td's JSON envelopes.
 */
import test from 'ava';
import {actions, jsonDocs, project, row, rows, ISSUE_KEYS_REQUIRED} from './helpers.js';

test('create: row, create/issue journal row, labels/minor/points/type-prefix normalisation, JSON envelope', (t) => {
  const p = project('alice');
  const r = p.td(['create', 'bug: Login redirect loops forever', '-p', 'high', '--points', '5', '-l', 'api, web', '--label', 'web,ops', '--minor', '-d', 'Steps: log in twice', '--json']);
  t.is(r.code, 0, r.stderr);
  const env = r.json();
  t.deepEqual(Object.keys(env), ['action', 'id', 'issue', 'status']);
  t.is(env.action, 'created');
  t.regex(env.id, /^td-[0-9a-f]{6}$/);
  t.is(env.status, 'open');
  const issue = env.issue;
  for (const k of ISSUE_KEYS_REQUIRED) t.true(k in issue, `issue JSON has ${k}`);
  t.is(issue.title, 'Login redirect loops forever');
  t.is(issue.type, 'bug');
  t.is(issue.priority, 'P1');
  t.is(issue.points, 5);
  t.deepEqual(issue.labels, ['api', 'web', 'ops']);
  t.is(issue.minor, true);
  t.false('parent_id' in issue, 'empty optional keys are omitted');
  t.false('closed_at' in issue);
  // Go struct key order.
  t.deepEqual(Object.keys(issue).slice(0, 6), ['id', 'title', 'description', 'status', 'type', 'priority']);

  const db = row(p.dir, 'SELECT * FROM issues WHERE id = ?', env.id)!;
  t.is(db.labels, 'api,web,ops');
  t.is(db.minor, 1);
  t.is(db.parent_id, '', "'' sentinel, never NULL");
  t.is(db.implementer_session, '');
  t.is(db.sprint, '');
  t.regex(db.created_at, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$/, 'Go driver layout');
  t.is(db.creator_session, row(p.dir, 'SELECT id FROM sessions')!.id);

  const log = actions(p.dir);
  t.is(log.length, 1);
  t.like(log[0], {action_type: 'create', entity_type: 'issue', entity_id: env.id, previous_data: '', session_id: db.creator_session});
  t.regex(log[0].id, /^al-[0-9a-f]{8}$/);
  t.regex(log[0].timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'UTC RFC3339');
  t.deepEqual(JSON.parse(log[0].new_data), issue, 'journal snapshot = JSON output');
  t.is(row(p.dir, "SELECT action FROM issue_session_history WHERE issue_id = ?", env.id)!.action, 'created');

  // Title rules and text output.
  const generic = p.td(['create', 'fix']);
  t.is(generic.code, 1);
  t.regex(generic.stderr, /too generic/);
  const short = p.td(['add', 'Short one']);
  t.is(short.code, 0);
  t.regex(short.stdout, /^CREATED td-[0-9a-f]{6}\n$/);
  t.regex(short.stderr, /Warning: title is short/);
  const typed = p.td(['create', 'epic', 'Payments platform rework', '--json']).json();
  t.is(typed.issue.type, 'epic');
  t.is(typed.issue.title, 'Payments platform rework');
  t.is(actions(p.dir, "action_type = 'create' AND entity_type = 'issue'").length, 3);
  t.is(p.td(['ls', '--json']).json().length, 3, 'td aliases: add, ls');
  // Local offsets as td writes them: the DB column in the Go driver layout, JSON in RFC3339.
  const la = p.td(['create', 'Created on the US west coast', '--json'], undefined, {TZ: 'America/Los_Angeles'}).json().issue;
  t.regex(la.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?-0[78]:00$/);
  t.regex(row(p.dir, 'SELECT created_at FROM issues WHERE id = ?', la.id)!.created_at, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?-0[78]:00$/);
  t.regex(actions(p.dir).at(-1)!.timestamp, /Z$/, 'action_log.timestamp is UTC whatever the zone');
});

test('workflow: start, log, comment, handoff, review, approve by another session, reopen, block/unblock, delete/restore', (t) => {
  const p = project('alice');
  const id = p.td(['create', 'Implement the export endpoint', '--json']).json().id as string;
  const short = id.slice(3);
  const alice = row(p.dir, 'SELECT id FROM sessions')!.id as string;

  // start by short id (abc123 -> td-abc123), then again = idempotent no-op.
  const s1 = p.td(['start', short, '--json']);
  t.is(s1.code, 0, s1.stdout + s1.stderr);
  t.like(s1.json(), {action: 'started', id, status: 'in_progress', session: alice});
  const s2 = p.td(['start', id, '--json']);
  t.is(s2.code, 0);
  t.like(s2.json(), {action: 'already started', id, status: 'in_progress'});
  let log = actions(p.dir);
  t.deepEqual(log.map((a) => `${a.action_type}/${a.entity_type}`), ['create/issue', 'start/issue', 'create/logs']);
  t.deepEqual(p.td(['list', '--mine', '--json']).json().map((i: {id: string}) => i.id), [id]);
  t.deepEqual(p.td(['list', '--mine', '--json'], undefined, {TD_SESSION_ID: 'bob'}).json(), []);
  const start = log[1];
  t.is(JSON.parse(start.previous_data).status, 'open');
  t.like(JSON.parse(start.new_data), {status: 'in_progress', implementer_session: alice});
  t.deepEqual(Object.keys(JSON.parse(log[2].new_data)), ['id', 'issue_id', 'message', 'session_id', 'timestamp', 'type', 'work_session_id']);
  t.is(JSON.parse(log[2].new_data).message, 'Started work');
  t.regex(JSON.parse(log[2].new_data).timestamp, /T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'Go writes a zero offset as Z');

  const lg = p.td(['log', id, '--decision', 'Stream rows instead of buffering', '--json']);
  t.is(lg.code, 0, lg.stderr);
  t.like(lg.json(), {action: 'logged', id, log: {type: 'decision', message: 'Stream rows instead of buffering'}});
  t.is(p.td(['log', 'message before the id', id]).stdout.trim(), `LOGGED ${id}`);
  t.is(p.td(['log', id], 'multi-line\nfrom stdin\n').code, 0);
  t.deepEqual(actions(p.dir, "entity_type = 'logs'").slice(-2).map((a) => JSON.parse(a.new_data).message), ['message before the id', 'multi-line\nfrom stdin']);
  const cm = p.td(['comment', id, 'Remember the CSV variant']);
  t.is(cm.stdout.trim(), `COMMENT ADDED ${id}`);
  const c = rows(p.dir, 'SELECT * FROM comments');
  t.is(c.length, 1);
  t.regex(c[0].id, /^cm-[0-9a-f]{8}$/);
  const cAct = actions(p.dir, "entity_type = 'comments'")[0];
  t.like(cAct, {action_type: 'create', entity_id: c[0].id, previous_data: ''});
  t.deepEqual(Object.keys(JSON.parse(cAct.new_data)), ['created_at', 'id', 'issue_id', 'session_id', 'text']);

  const ho = p.td(['handoff', id, '--done', 'endpoint', '--done', 'tests', '--remaining', 'docs', '--json']);
  t.is(ho.code, 0, ho.stderr);
  t.like(ho.json(), {action: 'handoff_recorded', id, handoff: {done: ['endpoint', 'tests'], remaining: ['docs']}});
  const h = row(p.dir, 'SELECT id, typeof(done) AS t, CAST(done AS TEXT) AS done, CAST(decisions AS TEXT) AS decisions FROM handoffs')!;
  t.is(h.t, 'blob', 'td binds the lists as BLOBs (Errata 1)');
  t.is(h.done, '["endpoint","tests"]');
  t.is(h.decisions, 'null', 'a missing list is JSON null');
  const hAct = actions(p.dir, "entity_type = 'handoff'")[0];
  t.like(hAct, {action_type: 'handoff', entity_id: h.id, previous_data: ''});
  const hPayload = JSON.parse(hAct.new_data);
  t.deepEqual(Object.keys(hPayload), ['decisions', 'done', 'id', 'issue_id', 'remaining', 'session_id', 'timestamp', 'uncertain']);
  t.is(hPayload.done, '["endpoint","tests"]', 'lists are JSON strings in the payload');
  t.regex(hPayload.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/, 'RFC3339 seconds');
  t.is(actions(p.dir).at(-1)!.action_type, 'update', 'handoff touches the issue (update/issue)');

  const rv = p.td(['review', id, '--json']);
  t.is(rv.code, 0, rv.stderr);
  t.deepEqual(rv.json(), {action: 'review_requested', id, session: alice, status: 'in_review'});
  t.like(row(p.dir, 'SELECT * FROM issues WHERE id = ?', id), {status: 'in_review', review_requested_by_session: alice, implementer_session: alice});
  t.is(rows(p.dir, 'SELECT * FROM handoffs').length, 1, 'an existing handoff is not duplicated');

  // The implementer cannot approve without attribution (trusted mode): nothing written.
  const before = actions(p.dir).length;
  const self = p.td(['approve', id, '--json']);
  t.is(self.code, 1);
  t.is(self.json().error.code, 'cannot_self_approve');
  t.is(actions(p.dir).length, before);
  const noReason = p.td(['approve', id, '--self-review', '--json']);
  t.is(noReason.code, 1);
  t.is(noReason.json().error.code, 'invalid_input');

  // Another session approves: review row + approve wrapper + log.
  const ap = p.td(['approve', id, '-m', 'looks right', '--json'], undefined, {TD_SESSION_ID: 'bob'});
  t.is(ap.code, 0, ap.stdout + ap.stderr);
  const apj = ap.json();
  t.like(apj, {action: 'approved', id, status: 'closed'});
  const bob = apj.reviewer as string;
  t.not(bob, alice);
  const review = row(p.dir, 'SELECT * FROM issue_reviews')!;
  t.like(review, {issue_id: id, reviewer_session: bob, decision: 'approved', summary: 'looks right', requested_by_session: alice, self_review: 0, superseded_at: null});
  const tail = actions(p.dir).slice(-3);
  t.deepEqual(tail.map((a) => `${a.action_type}/${a.entity_type}`), ['create/issue_reviews', 'approve/issue', 'create/logs']);
  const wrapper = JSON.parse(tail[1].new_data);
  t.deepEqual(Object.keys(wrapper), ['issue', 'created_review_id']);
  t.is(wrapper.created_review_id, review.id);
  t.like(wrapper.issue, {status: 'closed', reviewer_session: bob, closed_by_session: bob});
  t.truthy(wrapper.issue.closed_at);
  t.truthy(wrapper.issue.reviewed_at);
  t.deepEqual(Object.keys(JSON.parse(tail[0].new_data)), ['id', 'issue_id', 'reviewer_session', 'decision', 'summary', 'requested_by_session', 'created_at', 'self_review']);
  const again = p.td(['approve', id, '--json'], undefined, {TD_SESSION_ID: 'bob'});
  t.is(again.code, 0);
  t.is(again.json().action, 'already approved/closed');

  // Reopen: closed -> open, closed_at cleared, the approval superseded (update/issue_reviews).
  const ro = p.td(['reopen', id, '--reason', 'regression', '--json']);
  t.is(ro.code, 0, ro.stderr);
  t.like(ro.json(), {action: 'reopened', status: 'open'});
  t.like(row(p.dir, 'SELECT * FROM issues WHERE id = ?', id), {status: 'open', closed_at: null, implementer_session: '', reviewer_session: ''});
  const sup = actions(p.dir, "entity_type = 'issue_reviews' AND action_type = 'update'");
  t.is(sup.length, 1);
  t.truthy(JSON.parse(sup[0].new_data).superseded_at);
  t.false('superseded_at' in JSON.parse(sup[0].previous_data));

  // block / unblock
  t.like(p.td(['block', id, '--reason', 'waiting on API keys', '--json']).json(), {action: 'blocked', status: 'blocked'});
  t.is(actions(p.dir, "entity_type = 'logs'").map((a) => JSON.parse(a.new_data)).at(-1).type, 'blocker');
  t.like(p.td(['block', id, '--json']).json(), {action: 'already blocked'});
  t.like(p.td(['unblock', id, '--json']).json(), {action: 'unblocked', status: 'open'});

  // soft delete / restore
  const del = p.td(['delete', id]);
  t.is(del.stdout.trim(), `DELETED ${id}`);
  const d = actions(p.dir).at(-1)!;
  t.like(d, {action_type: 'delete', entity_type: 'issue', entity_id: id, new_data: ''});
  t.is(JSON.parse(d.previous_data).id, id);
  t.truthy(row(p.dir, 'SELECT deleted_at FROM issues WHERE id = ?', id)!.deleted_at, 'the row stays');
  t.deepEqual(p.td(['list', '--json']).json(), [], 'deleted issues are hidden');
  t.is(p.td(['list', '--deleted', '--json']).json().length, 1);
  t.is(p.td(['show', id, '--json']).json().id, id, 'show still finds it');
  const rs = p.td(['restore', id, '--json']);
  t.like(rs.json(), {action: 'restored', id});
  const rAct = actions(p.dir).at(-1)!;
  t.is(rAct.action_type, 'restore');
  t.truthy(JSON.parse(rAct.previous_data).deleted_at);
  t.false('deleted_at' in JSON.parse(rAct.new_data));
  t.is(p.td(['list', '--json']).json().length, 1);
});

test('unstart, reject, close rules, self-close exception, update, show JSON shape', (t) => {
  const p = project('alice');
  const [a, b, c] = ['Build the importer pipeline', 'Write the importer docs page', 'Remove the legacy CSV flag'].map((title) => p.td(['create', title, '--json']).json().id as string);

  // unstart
  p.td(['start', a]);
  const un = p.td(['unstart', a, '--json']);
  t.like(un.json(), {action: 'unstarted', status: 'open'});
  const unAct = actions(p.dir, "entity_id = ? AND action_type = 'reopen'", a);
  t.is(unAct.length, 1, 'unstart journals reopen/issue');
  t.is(JSON.parse(unAct[0].new_data).implementer_session, '');
  t.like(p.td(['unstart', a, '--json']).json(), {action: 'already unstarted'});

  // close: the implementer-history rule (alice started then unstarted a) and the exception.
  const refused = p.td(['close', a, '--json']);
  t.is(refused.code, 1);
  t.is(refused.json().error.code, 'cannot_self_approve');
  const exc = p.td(['close', a, '--self-close-exception', 'trivial', '--json']);
  t.is(exc.code, 0, exc.stdout);
  t.like(exc.json(), {action: 'closed', self_close_exception: 'trivial', cascaded_parents: [], unblocked_dependents: []});
  t.is(JSON.parse(actions(p.dir, "entity_type = 'logs'").at(-1)!.new_data).type, 'security');
  // creator may close its own never-worked open issue
  t.is(p.td(['close', c, '-m', 'obsolete']).stdout.trim(), `CLOSED ${c}`);
  t.like(row(p.dir, 'SELECT * FROM issues WHERE id = ?', c), {status: 'closed', closed_by_session: row(p.dir, 'SELECT id FROM sessions')!.id});

  // reject: only from in_review; clears implementer/reviewer/request
  p.td(['review', b]);
  const notReview = p.td(['reject', c, '--json']);
  t.is(notReview.code, 1);
  const rj = p.td(['reject', b, '-m', 'missing examples', '--json'], undefined, {TD_SESSION_ID: 'bob'});
  t.is(rj.code, 0);
  t.like(rj.json(), {action: 'rejected', id: b, status: 'open', reason: 'missing examples'});
  t.like(row(p.dir, 'SELECT * FROM issues WHERE id = ?', b), {status: 'open', implementer_session: '', review_requested_by_session: '', reviewer_session: ''});
  // in_review cannot be closed with td close
  p.td(['review', b]);
  const cl = p.td(['close', b, '--json'], undefined, {TD_SESSION_ID: 'carol'});
  t.is(cl.code, 1);
  t.regex(cl.json().error.message, /in review/);

  // update: fields, labels replace/clear, comment, status transition
  const up = p.td(['update', b.slice(3), '--title', 'Write the importer docs page (v2)', '-p', '0', '--points', '8', '-l', 'docs', '--sprint', 's1', '-m', 'scope grew', '--json']);
  t.is(up.code, 0, up.stdout + up.stderr);
  t.like(up.json(), {action: 'updated', id: b, issue: {priority: 'P0', points: 8, labels: ['docs'], sprint: 's1'}});
  const upd = actions(p.dir, "entity_id = ? AND action_type = 'update'", b).at(-1)!;
  t.is(JSON.parse(upd.previous_data).title, 'Write the importer docs page');
  t.is(JSON.parse(upd.new_data).title, 'Write the importer docs page (v2)');
  t.is(actions(p.dir, "entity_type = 'comments'").length, 1);
  p.td(['update', b, '--labels', '']);
  t.is(row(p.dir, 'SELECT labels FROM issues WHERE id = ?', b)!.labels, '');

  const show = p.td(['show', b, '--json']).json();
  t.deepEqual(show.labels, [], 'show always has a labels array');
  t.false('review_history' in show, 'review_history only when reviews exist (as td)');
  t.deepEqual(Object.keys(show), [...Object.keys(show)].sort(), 'Go map: sorted keys');
  t.deepEqual(Object.keys(show.logs[0]), ['message', 'session', 'timestamp', 'type']);
  t.truthy(show.handoff, 'review auto-created a handoff');
  t.deepEqual(show.handoff.done, ['Auto-generated for review submission']);
  t.deepEqual(Object.keys(show.handoff), ['decisions', 'done', 'remaining', 'session', 'timestamp', 'uncertain']);
  const text = p.td(['show', b]).stdout;
  t.regex(text, new RegExp(`^${b}: Write the importer docs page \\(v2\\)`));
});
