/** td's input normalisation and JSON time encoding, table-driven (pure functions, in process). */
import test from 'ava';
import fc from 'fast-check';
import {
  asStatus, jsonTime, mergeMultiValue, normalizeIssueId, normalizePoints, normalizePriority, normalizeStatus, normalizeType, parseMinor, typeFromTitle, validateTitle, issueJson,
} from '../../packages/td-sync-cli/src/tasks/index.js';
import {actionTimestamp, goMapJson} from '../../packages/td-sync-cli/src/tasks/journal.js';
import {parseHandoffText} from '../../packages/td-sync-cli/src/tasks/input.js';

test('priorities: every td alias, case-insensitive', (t) => {
  const table: Record<string, string> = {
    '0': 'P0', p0: 'P0', P0: 'P0', critical: 'P0', Highest: 'P0', '1': 'P1', high: 'P1', '2': 'P2', medium: 'P2', normal: 'P2', default: 'P2',
    '3': 'P3', LOW: 'P3', '4': 'P4', lowest: 'P4', none: 'P4',
  };
  for (const [input, want] of Object.entries(table)) t.is(normalizePriority(input) as string, want, input);
  for (const bad of ['P5', 'urgent', '', '-1']) t.throws(() => normalizePriority(bad), {message: /invalid priority/});
});

test('statuses, types, points, minor, ids', (t) => {
  t.is(normalizeStatus('in-progress'), 'in_progress');
  t.is(normalizeStatus('review'), 'in_review');
  t.is(normalizeStatus('IN_REVIEW'), 'in_review');
  t.is(asStatus('done'), undefined);
  t.is(normalizeType('story'), 'feature');
  t.is(normalizeType('Epic'), 'epic');
  t.throws(() => normalizeType('saga'));
  for (const p of [0, 1, 2, 3, 5, 8, 13, 21]) t.is(normalizePoints(String(p)), p);
  for (const p of ['4', '34', '-1', '2.5', 'x']) t.throws(() => normalizePoints(p));
  t.true(parseMinor('1'));
  t.false(parseMinor('false'));
  t.throws(() => parseMinor('maybe'));
  t.is(normalizeIssueId('abc123'), 'td-abc123');
  t.is(normalizeIssueId(' td-abc123 '), 'td-abc123');
  t.deepEqual(mergeMultiValue(['a, b', 'b,,c', ' a ']), ['a', 'b', 'c']);
});

test('titles: generic words refused, length limits, type prefix', (t) => {
  for (const w of ['task', 'Fix', ' TODO ', 'stuff']) t.throws(() => validateTitle(w), {message: /too generic/});
  t.throws(() => validateTitle('é'.repeat(201)), {message: /too long/});
  t.is(validateTitle('é'.repeat(200)), undefined, 'runes, not bytes');
  t.regex(validateTitle('Short title') ?? '', /short/);
  t.deepEqual(typeFromTitle('epic: Auth rework'), {type: 'epic', title: 'Auth rework'});
  t.deepEqual(typeFromTitle('Story: login'), {type: 'feature', title: 'login'});
  t.deepEqual(typeFromTitle('Note: not a type'), {title: 'Note: not a type'});
  t.deepEqual(typeFromTitle('bug:'), {title: 'bug:'});
});

test('stored times become Go RFC3339Nano JSON with their offset', (t) => {
  const table: Record<string, string> = {
    '2026-03-01 10:00:00.123456789-08:00': '2026-03-01T10:00:00.123456789-08:00',
    '2026-03-01 10:00:00.120-08:00': '2026-03-01T10:00:00.12-08:00',
    '2026-03-01 10:00:00+00:00': '2026-03-01T10:00:00Z',
    '2026-03-01 18:00:00': '2026-03-01T18:00:00Z',
    '2026-03-01T18:00:00.5Z': '2026-03-01T18:00:00.5Z',
    '2026-02-03 20:53:53.519728 -0800 PST m=+0.036937834': '2026-02-03T20:53:53.519728-08:00',
  };
  for (const [stored, want] of Object.entries(table)) t.is(jsonTime(stored), want, stored);
  t.is(jsonTime(null), undefined);
  t.is(actionTimestamp(new Date('2026-03-01T18:00:00.120Z')), '2026-03-01T18:00:00.12Z');
  t.is(actionTimestamp(new Date('2026-03-01T18:00:00.000Z')), '2026-03-01T18:00:00Z');
  t.is(goMapJson({b: 1, a: 2}), '{"a":2,"b":1}');
});

test('issue JSON: optional keys omitted exactly when empty, labels round-trip (property)', (t) => {
  const label = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
  fc.assert(
    fc.property(fc.uniqueArray(label, {maxLength: 5}), fc.boolean(), fc.constantFrom('', 'td-abc123'), fc.option(fc.constant('2026-04-01'), {nil: null}), (labels, minor, parent, due) => {
      const j = issueJson({
        id: 'td-000001', title: 'T', description: null, status: 'open', type: 'task', priority: 'P2', points: null, labels: labels.join(','), parent_id: parent, acceptance: '', sprint: null,
        implementer_session: null, creator_session: '', reviewer_session: '', review_requested_by_session: '', closed_by_session: null, created_at: '2026-03-01 10:00:00+01:00',
        updated_at: '2026-03-01 10:00:00+01:00', reviewed_at: null, closed_at: null, deleted_at: null, minor: minor ? 1 : 0, created_branch: '', defer_until: null, due_date: due, defer_count: null,
      });
      return (
        ('labels' in j) === labels.length > 0 &&
        (labels.length === 0 || JSON.stringify(j.labels) === JSON.stringify(labels)) &&
        j.minor === minor && ('parent_id' in j) === (parent !== '') && ('due_date' in j) === (due !== null) &&
        j.points === 0 && j.implementer_session === '' && !('description' in j) && !('closed_at' in j)
      );
    }),
    {seed: 38, numRuns: 200},
  );
  t.pass();
});

test('handoff text on stdin (td YAML-ish sections)', (t) => {
  const text = 'done:\n  - parser\n  * lexer\nremaining:\n  - docs\nnotes:\n  - ignored\ndecisions:\n- keep v1 API\n';
  t.deepEqual(parseHandoffText(text), {done: ['parser', 'lexer'], remaining: ['docs'], decisions: ['keep v1 API'], uncertain: []});
});
