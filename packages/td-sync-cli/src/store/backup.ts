/**
 * Byte-exact backups of a database file and its side files (-wal, -shm, -journal), taken before
 * a migration and put back, byte for byte, when the migration fails.
 *
 * The copies sit next to the database as `issues.db.pre-migrate-<version>.bak` (+ `-wal`, `-shm`,
 * `-journal`): SQLite looks for `<name>-wal` beside a file, so a backup pair opens as it was.
 */
import {copyFileSync, existsSync, readdirSync, renameSync, rmSync, statSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';

export const SIDE_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

export interface FileBackup {
  /** The backed-up database file. */
  dbPath: string;
  /** Path of the database copy. */
  backupPath: string;
  /** Side files that existed (suffix -> copy path). */
  sides: Partial<Record<(typeof SIDE_SUFFIXES)[number], string>>;
}

export function backupPathFor(dbPath: string, label: string): string {
  return `${dbPath}.pre-migrate-${label}.bak`;
}

/**
 * Copy the database and whichever side files exist. The caller holds the write lock. A backup
 * already under this label (left by an upgrade that was killed half-way) is the only copy of the
 * original: it is kept under an `interrupted` label rather than overwritten.
 */
export function backupDatabase(dbPath: string, label: string): FileBackup {
  const backupPath = backupPathFor(dbPath, label);
  if (existsSync(backupPath)) {
    const sides: FileBackup['sides'] = {};
    for (const suffix of SIDE_SUFFIXES) if (existsSync(backupPath + suffix)) sides[suffix] = backupPath + suffix;
    relabelBackup({dbPath, backupPath, sides}, 'interrupted');
  }
  copyFileSync(dbPath, backupPath);
  const sides: FileBackup['sides'] = {};
  for (const suffix of SIDE_SUFFIXES) {
    if (existsSync(dbPath + suffix)) {
      copyFileSync(dbPath + suffix, backupPath + suffix);
      sides[suffix] = backupPath + suffix;
    }
  }
  return {dbPath, backupPath, sides};
}

/**
 * Put the original bytes back: the database, the side files that existed, and no side file that
 * did not. Every SQLite connection to the file must be closed first.
 */
export function restoreDatabase(b: FileBackup): void {
  copyFileSync(b.backupPath, b.dbPath);
  for (const suffix of SIDE_SUFFIXES) {
    const copy = b.sides[suffix];
    if (copy) copyFileSync(copy, b.dbPath + suffix);
    else rmSync(b.dbPath + suffix, {force: true});
  }
}

/** Rename a backup under a new label (the version is only known once the file is open). */
export function relabelBackup(b: FileBackup, label: string): FileBackup {
  let target = backupPathFor(b.dbPath, label);
  if (target === b.backupPath) return b;
  // never overwrite an earlier backup (the same version can be migrated twice, e.g. after a restore)
  for (let n = 2; existsSync(target); n++) target = backupPathFor(b.dbPath, `${label}-${n}`);
  renameSync(b.backupPath, target);
  const sides: FileBackup['sides'] = {};
  for (const suffix of SIDE_SUFFIXES) {
    const copy = b.sides[suffix];
    if (copy) {
      renameSync(copy, target + suffix);
      sides[suffix] = target + suffix;
    }
  }
  return {dbPath: b.dbPath, backupPath: target, sides};
}

export function removeBackupFiles(backupPath: string): void {
  rmSync(backupPath, {force: true});
  for (const suffix of SIDE_SUFFIXES) rmSync(backupPath + suffix, {force: true});
}

export interface BackupInfo {
  path: string;
  bytes: number;
  modified: string;
}

/** Backups present beside a database: ours (`.pre-migrate-*.bak`) and td's snapshot backup. */
export function listBackups(dbPath: string): BackupInfo[] {
  const dir = dirname(dbPath);
  const name = basename(dbPath);
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((f) => (f.startsWith(`${name}.pre-migrate-`) && f.endsWith('.bak')) || f === `${name}.pre-snapshot-backup`)
    .sort()
    .map((f) => {
      const st = statSync(join(dir, f));
      return {path: join(dir, f), bytes: st.size, modified: st.mtime.toISOString()};
    });
}
