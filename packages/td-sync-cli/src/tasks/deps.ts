/**
 * Dependencies (spec §2.3 issue_dependencies, §4.3): `issue_id` depends on `depends_on_id`.
 * Deterministic `dep_` ids (td-sync-sdk), refusal of self and transitive cycles, duplicates are a
 * warning and write nothing, removal of an absent edge writes nothing.
 */
import {createHash} from 'node:crypto';
import {invalid, notFound} from './errors.js';
import {goMapJson, logAction} from './journal.js';
import {readIssue} from './model.js';
import type {Tx} from './tx.js';
import {supersedeApprovalIfLinked} from './write.js';

/**
 * td's DependencyID (same function as td-sync-sdk's deterministicId.dependency, inlined so
 * `td dep` does not load the SDK's hook machinery at start-up; the test suite checks both agree).
 */
export function dependencyId(issueId: string, dependsOnId: string, relationType = 'depends_on'): string {
  return `dep_${createHash('sha256').update(`${issueId}|${dependsOnId}|${relationType}`).digest('hex').slice(0, 16)}`;
}

export function dependenciesOf(tx: Pick<Tx, 'db'>, issueId: string): string[] {
  return (tx.db.prepare('SELECT depends_on_id FROM issue_dependencies WHERE issue_id = ? ORDER BY depends_on_id').all(issueId) as Array<{depends_on_id: string}>).map((r) => r.depends_on_id);
}

export function dependentsOf(tx: Pick<Tx, 'db'>, issueId: string): string[] {
  return (tx.db.prepare('SELECT issue_id FROM issue_dependencies WHERE depends_on_id = ? ORDER BY issue_id').all(issueId) as Array<{issue_id: string}>).map((r) => r.issue_id);
}

function wouldCreateCycle(tx: Tx, issueId: string, dependsOnId: string): boolean {
  const visited = new Set<string>();
  const walk = (from: string): boolean => {
    if (from === issueId) return true;
    if (visited.has(from)) return false;
    visited.add(from);
    return dependenciesOf(tx, from).some(walk);
  };
  return walk(dependsOnId);
}

const depMap = (id: string, issueId: string, dependsOnId: string, relationType: string) => goMapJson({id, issue_id: issueId, depends_on_id: dependsOnId, relation_type: relationType});

/** Returns 'added' or 'exists' (td warns "<a> already depends on <b>" and writes nothing). */
export function addDependencyTx(tx: Tx, issueId: string, dependsOnId: string): 'added' | 'exists' {
  if (!readIssue(tx.db, issueId)) throw notFound(issueId);
  if (!readIssue(tx.db, dependsOnId)) throw notFound(dependsOnId);
  if (wouldCreateCycle(tx, issueId, dependsOnId)) throw invalid('cannot add dependency: would create circular dependency');
  if (dependenciesOf(tx, issueId).includes(dependsOnId)) return 'exists';
  const id = dependencyId(issueId, dependsOnId, 'depends_on');
  tx.db.prepare('INSERT OR REPLACE INTO issue_dependencies (id, issue_id, depends_on_id, relation_type) VALUES (?, ?, ?, ?)').run(id, issueId, dependsOnId, 'depends_on');
  logAction(tx.db, {sessionId: tx.session.id, actionType: 'add_dependency', entityType: 'issue_dependencies', entityId: id, previousData: '', newData: depMap(id, issueId, dependsOnId, 'depends_on'), at: tx.now});
  supersedeApprovalIfLinked(tx, issueId);
  return 'added';
}

/** Returns whether an edge was removed (absent edge: no row, no journal entry). */
export function removeDependencyTx(tx: Tx, issueId: string, dependsOnId: string): boolean {
  const row = tx.db.prepare('SELECT relation_type FROM issue_dependencies WHERE issue_id = ? AND depends_on_id = ?').get(issueId, dependsOnId) as {relation_type: string} | undefined;
  if (!row) return false;
  const id = dependencyId(issueId, dependsOnId, row.relation_type);
  tx.db.prepare('DELETE FROM issue_dependencies WHERE issue_id = ? AND depends_on_id = ?').run(issueId, dependsOnId);
  logAction(tx.db, {sessionId: tx.session.id, actionType: 'remove_dependency', entityType: 'issue_dependencies', entityId: id, previousData: depMap(id, issueId, dependsOnId, row.relation_type), newData: '', at: tx.now});
  supersedeApprovalIfLinked(tx, issueId);
  return true;
}
