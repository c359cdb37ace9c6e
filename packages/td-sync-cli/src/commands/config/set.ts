import {Args, Flags} from '@oclif/core';
import {TdCommand} from '../../base.js';
import {loadConfig} from '../../config/load.js';
import {formatValue} from '../../config/render.js';
import {setConfigValue} from '../../config/write.js';
import {findPackage} from '../../plugins/discovery.js';
import {INSTALL_HINT} from '../../plugins/host.js';
import {resolveBackendPackage} from '../../plugins/names.js';

export default class ConfigSet extends TdCommand {
  static override description =
    'Set a config value in the project config (the .tdrc*/package.json#td in effect, else a new .tdrc.json at the project root), or with --global in ~/.config/td/config.json. Values true/false, numbers and JSON are parsed; secrets are refused.';
  static override examples = ['td config set sync.backend github', 'td config set sync.github.repo owner/repo', `td config set plugins '["./td-plugins/redact.mjs"]'`, 'td config set --global sync.backend dir'];
  static override args = {
    key: Args.string({required: true, description: 'dotted key: sync.backend, sync.<backend>.<setting>, plugins, ...'}),
    value: Args.string({required: true, description: 'value (true/false, numbers and JSON are parsed)'}),
  };
  static override flags = {
    global: Flags.boolean({char: 'g', description: 'write the user config (~/.config/td/config.json) instead of the project config'}),
    string: Flags.boolean({description: 'store the value as text, without parsing it'}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parseTd(ConfigSet);
    const loaded = await loadConfig({workDir: this.workDir});
    const r = setConfigValue(loaded, args.key, args.value, {global: flags.global, string: flags.string});
    if (this.jsonMode) this.printJson({action: 'set', key: r.key, value: r.value, previous: r.previous ?? null, scope: r.scope, file: r.file, created: r.created});
    else this.say(`${r.key} = ${formatValue(r.value)} (${r.scope === 'user' ? 'user config' : 'project config'}: ${r.file}${r.created ? ', created' : ''})`);
    if (r.note) process.stderr.write(`note: ${r.note}\n`);
    if (r.key === 'sync.backend' && typeof r.value === 'string') {
      const pkg = resolveBackendPackage(r.value);
      if (!findPackage(pkg, {oclif: this.config, projectRoot: loaded.projectRoot})) this.warnLine(`backend "${r.value}" is not installed yet: ${INSTALL_HINT(pkg)}`);
    }
  }
}
