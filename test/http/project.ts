/**
 * `newProject` without blocking the event loop: these suites run the td-sync stand-in inside the
 * test process, and a synchronous child (spawnSync) would freeze it while other tests talk to it.
 */
import {isolatedEnv, tdAsync, tempDir} from '../helpers/td.js';

export async function newProject(extraEnv: NodeJS.ProcessEnv = {}): Promise<{dir: string; env: NodeJS.ProcessEnv}> {
  const dir = tempDir('td-proj-');
  const env = isolatedEnv(extraEnv);
  const r = await tdAsync(dir, ['init'], env);
  if (r.code !== 0) throw new Error(`td init failed: ${r.stdout}${r.stderr}`);
  return {dir, env};
}
