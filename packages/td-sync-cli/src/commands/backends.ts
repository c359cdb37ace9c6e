import {TdCommand} from '../base.js';
import {findProjectRoot, startDirectory} from '../store/project.js';
import {listBackends} from '../plugins/host.js';

export default class Backends extends TdCommand {
  static override description = 'List the sync backends td can find (oclif core plugins, plugins installed or linked with td plugins, then the project\'s node_modules) and where each came from.';

  async run(): Promise<void> {
    await this.parseTd(Backends);
    const projectRoot = findProjectRoot(startDirectory(this.workDir));
    const found = await listBackends({oclif: this.config, projectRoot});
    if (this.jsonMode) {
      this.printJson(
        found.map((b) => ({
          name: b.name,
          backend: b.loaded?.definition.name ?? null,
          displayName: b.loaded?.definition.displayName ?? null,
          package: b.pkg.name,
          version: b.pkg.version ?? null,
          source: b.pkg.source,
          root: b.pkg.root,
          valid: !!b.loaded,
          ...(b.error ? {error: b.error} : {}),
        })),
      );
      return;
    }
    if (found.length === 0) this.say('No sync backends found. Install one with: td plugins install td-sync-backend-<name>');
    for (const b of found) {
      const what = b.loaded ? b.loaded.definition.displayName : `INVALID: ${b.error}`;
      this.say(`${b.name.padEnd(12)} ${`${b.pkg.name}@${b.pkg.version ?? '?'}`.padEnd(36)} [${b.pkg.source}] ${what}`);
    }
  }
}
