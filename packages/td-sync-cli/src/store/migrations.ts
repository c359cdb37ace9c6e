/**
 * Migrations from older td schemas to v38 (spec §2.1 and "Migrations 27 to 38"). Run under the
 * write lock by Store.open.
 */
import type Database from 'better-sqlite3';
import {StoreError} from './errors.js';
import {SCHEMA_VERSION} from './schema.js';

/** Oldest schema version this CLI can migrate from. */
export const OLDEST_MIGRATABLE = 27;

export function migrate(_db: Database.Database, from: number, _dbPath: string): void {
  if (from >= SCHEMA_VERSION) return;
  throw new StoreError('database_error', `database schema ${from} is older than ${SCHEMA_VERSION} and migrating it is not implemented yet`);
}
