/** `td sync`'s text output, as td prints it ("Pushed 1 events." included): results on stdout, warnings on stderr. */
import type {SyncReport} from '../engine/api.js';

export function retryIn(retryAt: string, now = Date.now()): string {
  const ms = Date.parse(retryAt) - now;
  if (!Number.isFinite(ms)) return `retry after ${retryAt}`;
  if (ms <= 0) return 'retry now';
  const min = Math.ceil(ms / 60_000);
  return `retry after ${retryAt} (in ${ms < 60_000 ? `${Math.ceil(ms / 1000)} s` : `${min} min`})`;
}

export function renderReport(report: SyncReport, mode: {push: boolean; pull: boolean}): {out: string[]; err: string[]} {
  const out: string[] = [];
  const err: string[] = [];
  const would = report.dryRun ? 'Would push' : 'Pushed';
  const stopped = !!report.stopped;
  if (mode.push) {
    if (report.pushed > 0) out.push(`${would} ${report.pushed} events.`);
    else out.push(stopped && report.pending > 0 ? `Nothing pushed (${report.pending} events pending).` : 'Nothing to push.');
  }
  if (mode.pull) {
    if (report.pulled === 0) out.push(stopped ? 'Nothing pulled.' : 'Nothing to pull.');
    else out.push(`${report.dryRun ? 'Would pull' : 'Pulled'} ${report.pulled} events (${report.applied} applied).`);
  }
  if (report.rejected > 0) err.push(`Warning: ${report.rejected} event(s) rejected by ${report.backend}; they stay pending (see \`td sync status\`)`);
  if (report.skipped > 0) err.push(`Warning: ${report.skipped} remote event(s) skipped and recorded; see \`td sync status\``);
  if (report.conflicts > 0) err.push(`Warning: ${report.conflicts} conflict(s) resolved, both versions kept; see \`td sync conflicts\``);
  if (report.failed > 0) err.push(`Warning: ${report.failed} event(s) failed and were quarantined; see \`td sync status\``);
  for (const w of report.warnings) err.push(`Warning: ${w}`);
  if (report.stopped) {
    err.push(`ERROR: sync stopped early: ${report.stopped.message}`);
    if (report.stopped.retryAt) err.push(`  ${retryIn(report.stopped.retryAt)}`);
    if (report.stopped.hint) err.push(`  ${report.stopped.hint}`);
  }
  return {out, err};
}
