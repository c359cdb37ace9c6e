import {Flags} from '@oclif/core';
import {TdCommand} from '../base.js';
import {diagnoseProject, findProjectRoot, startDirectory, type DoctorReport} from '../store/index.js';

function render(r: DoctorReport): string[] {
  const lines = [
    `Project:        ${r.project_root}`,
    `Database:       ${r.db_path}`,
    `Schema version: ${r.schema_version ?? '?'} (td ${r.expected_schema_version})${r.needs_migration ? ' - migrated by the next td command' : ''}`,
    `Journal mode:   ${r.journal_mode ?? '?'}`,
    `Quick check:    ${r.quick_check ?? '-'}`,
  ];
  if (r.integrity_check !== undefined) lines.push(`Integrity:      ${r.integrity_check ?? '-'}`);
  if (r.foreign_key_violations) lines.push(`FK violations:  ${r.foreign_key_violations}`);
  const counts = Object.entries(r.tables).filter(([, n]) => n !== null);
  if (counts.length) lines.push(`Rows:           ${counts.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  if (r.pending_events.td !== null) lines.push(`Pending events: ${r.pending_events.td} (td: unsynced action_log rows)`);
  for (const t of r.pending_events.targets) lines.push(`  ${t.target}: ${t.pending} pending${t.last_sync_at ? `, last sync ${t.last_sync_at}` : ''}`);
  lines.push(`Backups:        ${r.backups.length ? '' : 'none'}`);
  for (const b of r.backups) lines.push(`  ${b.path} (${b.bytes} bytes, ${b.modified})`);
  lines.push(r.ok ? 'OK' : 'PROBLEMS:');
  for (const p of r.problems) lines.push(`  - ${p}`);
  return lines;
}

export default class Doctor extends TdCommand {
  static summary = 'Check the project database: schema, integrity, pending sync events, backups.';
  static description =
    'Reads the database without changing it (no migration): project root, database path, schema version, journal mode, ' +
    "SQLite's quick_check (integrity_check with --full), rows per synced table, pending events (td's count and per sync " +
    'target) and the backups kept beside the database. Exits 1 when a check fails.';
  static examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --full --json'];
  static flags = {
    full: Flags.boolean({description: 'Run the full PRAGMA integrity_check (slower) as well.'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parseTd(Doctor);
    const root = findProjectRoot(startDirectory(this.workDir));
    const report = diagnoseProject(root, {full: flags.full});
    if (this.jsonMode) this.printJson(report);
    else for (const line of render(report)) this.say(line);
    if (!report.ok) this.exit(1);
  }
}
