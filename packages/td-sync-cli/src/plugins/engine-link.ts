/**
 * The commands reach the engine (src/engine/index.ts) through here, lazily: it pulls in the apply
 * machinery, which `td config` and the error paths of `td sync` never need.
 */
export type EngineModule = typeof import('../engine/index.js');

export async function loadEngine(): Promise<EngineModule> {
  return import('../engine/index.js');
}
