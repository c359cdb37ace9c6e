import {Args, Flags} from '@oclif/core';
import {ConfigError} from 'td-sync-sdk';
import {TdCommand} from '../../base.js';
import {getPath, splitKey, TD_KEYS} from '../../config/keys.js';
import {loadConfig, lookup} from '../../config/load.js';
import {formatValue} from '../../config/render.js';

export default class ConfigGet extends TdCommand {
  static override description = "Print a config value (project config over the user config; td's own keys show their default when unset).";
  static override examples = ['td config get sync.backend', 'td config get sync.github.repo --json'];
  static override args = {key: Args.string({required: true, description: 'dotted key'})};
  static override flags = {global: Flags.boolean({char: 'g', description: 'read only the user config (~/.config/td/config.json)'})};

  async run(): Promise<void> {
    const {args, flags} = await this.parseTd(ConfigGet);
    const loaded = await loadConfig({workDir: this.workDir});
    let found: {value: unknown; source?: string; file?: string};
    if (flags.global) {
      const value = getPath(loaded.user.config, splitKey(args.key));
      found = value === undefined ? {value} : {value, source: 'user', file: loaded.user.file};
    } else found = lookup(loaded, args.key);
    if (found.value === undefined) {
      const dflt = TD_KEYS[args.key]?.default;
      if (dflt === undefined) {
        throw new ConfigError(`${args.key} is not set`, {code: 'not_found', hint: `set it with "td config set ${args.key} <value>"`});
      }
      found = {value: dflt, source: 'default'};
    }
    if (this.jsonMode) this.printJson({key: args.key, value: found.value, source: found.source, file: found.file ?? null});
    else this.say(found.source === 'default' ? `${formatValue(found.value)} (default)` : formatValue(found.value));
  }
}
