/**
 * The commands reach the engine (src/engine/index.ts) through here. It is imported lazily: it pulls
 * in the store and tapable, which `td config` and `td sync status`'s error paths do not need.
 */
import {ConfigError} from 'td-sync-sdk';
import type {Store} from '../store/index.js';
import type {ResolvedTarget, SyncReport, SyncRunOptions} from '../engine/api.js';

export interface EngineModule {
  runSync(store: Store, target: ResolvedTarget, options: SyncRunOptions): Promise<SyncReport>;
  pendingCount(store: Store, targetId: string, backendName: string): number;
}

export async function loadEngine(): Promise<EngineModule> {
  const specifier = '../engine/index.js'; // a variable: the engine is built by another part of the tree
  try {
    return (await import(specifier)) as EngineModule;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes('engine')) {
      throw new ConfigError('the sync engine is missing from this build of td', {code: 'internal_error', hint: 'rebuild td (npm run build)'});
    }
    throw e;
  }
}
