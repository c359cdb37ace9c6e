import {createInterface} from 'node:readline';
import {Flags} from '@oclif/core';
import {ConfigError} from 'td-sync-sdk';
import {TdCommand} from '../../base.js';
import {loadConfig} from '../../config/load.js';
import {registerEnvSecrets, redactSecrets} from '../../redact.js';
import {parseSetFlags, runInit, type InitIO} from '../../plugins/init.js';
import {createStderrLogger} from '../../plugins/logger.js';

/** Prompts on a terminal (or piped answers with --interactive), one line per answer. */
function readlineIO(interactive: boolean, out: NodeJS.WriteStream): InitIO & {close(): void} {
  let lines: AsyncIterator<string> | undefined;
  let rl: ReturnType<typeof createInterface> | undefined;
  return {
    interactive,
    say: (text) => void out.write(redactSecrets(text) + '\n'),
    async ask(prompt) {
      if (!rl) {
        rl = createInterface({input: process.stdin, terminal: false});
        lines = rl[Symbol.asyncIterator]();
      }
      out.write(prompt);
      const next = await lines!.next();
      if (next.done) throw new ConfigError('no answer: input ended', {code: 'missing_answers', hint: 'answer every question, or pass --backend and --set flags'});
      if (!process.stdin.isTTY) out.write('\n');
      return next.value;
    },
    close: () => rl?.close(),
  };
}

export default class SyncInit extends TdCommand {
  static override description =
    'Set up sync for this project: choose a backend among every one installed, answer its questions, and write sync.backend and sync.<backend>.* to the project config. Without a terminal, pass --backend and --set.';
  static override examples = ['td sync init', 'td sync init --backend github --set repo=owner/repo', 'td sync init --backend dir --set path=../shared-tasks --yes'];
  static override flags = {
    backend: Flags.string({description: 'backend to use (dir, http, github, or a package name); skips the chooser'}),
    set: Flags.string({description: 'answer a backend question: name=value (repeatable)', multiple: true}),
    yes: Flags.boolean({char: 'y', description: 'accept defaults without asking'}),
    interactive: Flags.boolean({description: 'ask questions even when stdin is not a terminal (answers are read line by line)'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parseTd(SyncInit);
    registerEnvSecrets();
    const config = await loadConfig({workDir: this.workDir});
    const interactive = !!flags.interactive || (!!process.stdin.isTTY && !this.jsonMode);
    const io = readlineIO(interactive, this.jsonMode ? process.stderr : process.stdout);
    try {
      const result = await runInit({config, oclif: this.config, backend: flags.backend, set: parseSetFlags(flags.set), yes: !!flags.yes, io, logger: createStderrLogger()});
      if (this.jsonMode) this.printJson({action: 'sync_initialized', ...result});
      else {
        this.say(`Sync backend: ${result.displayName} (${result.backend}, ${result.package} [${result.source}])`);
        this.say(`Target:       ${result.target}`);
        this.say(`Wrote sync.backend and sync.${result.target.split(':')[0]} to ${result.file}${result.created ? ' (created)' : ''}`);
        this.say('Next: td sync');
      }
    } finally {
      io.close();
    }
  }
}
