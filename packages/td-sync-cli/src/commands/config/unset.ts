import {Args, Flags} from '@oclif/core';
import {TdCommand} from '../../base.js';
import {loadConfig} from '../../config/load.js';
import {formatValue} from '../../config/render.js';
import {unsetConfigValue} from '../../config/write.js';

export default class ConfigUnset extends TdCommand {
  static override description = 'Remove a config value from the project config (or with --global from ~/.config/td/config.json).';
  static override examples = ['td config unset sync.github.repo', 'td config unset --global sync.backend'];
  static override args = {key: Args.string({required: true, description: 'dotted key'})};
  static override flags = {global: Flags.boolean({char: 'g', description: 'edit the user config (~/.config/td/config.json)'})};

  async run(): Promise<void> {
    const {args, flags} = await this.parseTd(ConfigUnset);
    const loaded = await loadConfig({workDir: this.workDir});
    const r = unsetConfigValue(loaded, args.key, {global: flags.global});
    if (this.jsonMode) this.printJson({action: r.removed ? 'unset' : 'not_set', key: r.key, previous: r.previous ?? null, scope: r.scope, file: r.file});
    else if (r.removed) this.say(`unset ${r.key} (was ${formatValue(r.previous)}) in ${r.file}`);
    else this.say(`${r.key} was not set in ${r.file}`);
  }
}
