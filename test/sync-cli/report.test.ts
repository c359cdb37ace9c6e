import test from 'ava';
import type {SyncReport} from '../../packages/td-sync-cli/src/engine/api.js';
import {parseDuration} from '../../packages/td-sync-cli/src/plugins/duration.js';
import {renderReport, retryIn} from '../../packages/td-sync-cli/src/plugins/report.js';

const base: SyncReport = {target: 'dir:/x', backend: 'dir', dryRun: false, pushed: 0, rejected: 0, pulled: 0, applied: 0, conflicts: 0, skipped: 0, failed: 0, pending: 0, rateLimitWaitMs: 0, durationMs: 1, warnings: []};
const both = {push: true, pull: true};

test('td-style lines: nothing / pushed / pulled (applied)', (t) => {
  t.deepEqual(renderReport(base, both), {out: ['Nothing to push.', 'Nothing to pull.'], err: []});
  t.deepEqual(renderReport({...base, pushed: 3, pulled: 5, applied: 4}, both).out, ['Pushed 3 events.', 'Pulled 5 events (4 applied).']);
  t.deepEqual(renderReport({...base, pushed: 3}, {push: true, pull: false}).out, ['Pushed 3 events.']);
  t.deepEqual(renderReport({...base, pulled: 1, applied: 1}, {push: false, pull: true}).out, ['Pulled 1 events (1 applied).']);
  t.deepEqual(renderReport({...base, dryRun: true, pushed: 2}, both).out, ['Would push 2 events.', 'Nothing to pull.']);
});

test('warnings go to stderr; a stopped run says what happened and when to retry', (t) => {
  const r = renderReport({...base, skipped: 2, conflicts: 1, rejected: 1, failed: 1, warnings: ['custom']}, both);
  t.is(r.err.length, 5);
  t.regex(r.err.join('\n'), /2 remote event\(s\) skipped and recorded; see `td sync status`/);
  t.regex(r.err.join('\n'), /td sync conflicts/);
  const retryAt = new Date(Date.now() + 90_000).toISOString();
  const s = renderReport({...base, pending: 4, stopped: {code: 'rate_limited', message: 'slow down', retryAt, hint: 'wait'}}, both);
  t.deepEqual(s.out, ['Nothing pushed (4 events pending).', 'Nothing pulled.']);
  t.is(s.err[0], 'ERROR: sync stopped early: slow down');
  t.regex(s.err[1]!, /retry after .* \(in 2 min\)/);
  t.is(s.err[2], '  wait');
});

test('retryIn and Go durations', (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  t.is(retryIn('2026-01-01T00:00:30Z', now), 'retry after 2026-01-01T00:00:30Z (in 30 s)');
  t.is(retryIn('2025-12-31T00:00:00Z', now), 'retry now');
  t.is(retryIn('garbage', now), 'retry after garbage');
  t.is(parseDuration('24h'), 86_400_000);
  t.is(parseDuration('1h30m'), 5_400_000);
  t.is(parseDuration('500ms'), 500);
  t.is(parseDuration('1.5s'), 1500);
  t.is(parseDuration('yesterday'), undefined);
  t.is(parseDuration(''), undefined);
});
