import {Flags} from '@oclif/core';
import {TdCommand} from '../../base.js';
import {flatten} from '../../config/keys.js';
import {loadConfig} from '../../config/load.js';
import {formatValue} from '../../config/render.js';

export default class ConfigList extends TdCommand {
  static override description = 'Show the effective config (user config as defaults, project config on top) and which files it came from.';
  static override flags = {global: Flags.boolean({char: 'g', description: 'only the user config (~/.config/td/config.json)'})};

  async run(): Promise<void> {
    const {flags} = await this.parseTd(ConfigList);
    const loaded = await loadConfig({workDir: this.workDir});
    const shown = flags.global ? loaded.user.config : loaded.merged;
    if (this.jsonMode) {
      this.printJson({
        config: shown,
        projectRoot: loaded.projectRoot,
        project: flags.global || !loaded.project ? null : {file: loaded.project.file, config: loaded.project.config},
        user: {file: loaded.user.file, config: loaded.user.config},
      });
      return;
    }
    if (!flags.global) this.say(`# project config: ${loaded.project?.file ?? `none (td config set creates ${loaded.projectRoot}/.tdrc.json)`}`);
    this.say(`# user config:    ${loaded.user.file}`);
    for (const [key, value] of flatten(shown)) this.say(`${key}=${formatValue(value)}`);
  }
}
