import {TdCommand} from '../base.js';

export default class Init extends TdCommand {
  static summary = 'Create a td project here';
  static description = 'Create a td project here: .todos/ with the task database (schema v38), and .todos/ added to .gitignore inside a git repository.';
  static examples = ['<%= config.bin %> init', '<%= config.bin %> init -w ~/src/app'];

  async run(): Promise<void> {
    await this.parseTd(Init);
    const {existsSync, readFileSync, appendFileSync} = await import('node:fs');
    const {join} = await import('node:path');
    const {findProjectRoot, startDirectory} = await import('../store/project.js');
    const {Store} = await import('../store/open.js');
    const {getOrCreateSession, gitTopLevel} = await import('../tasks/session.js');
    // td resolves the directory first (.td-root, .todos, associations, git root): a subfolder of an
    // initialised repository finds the existing project instead of creating a second one.
    const root = findProjectRoot(startDirectory(this.workDir));
    const todos = join(root, '.todos');
    if (existsSync(todos)) {
      this.warnLine('.todos/ already exists');
      if (this.jsonMode) this.printJson({action: 'already_initialized', path: todos});
      return;
    }
    const {store} = Store.init(root);
    const session = store.write(() => getOrCreateSession(store.db, root));
    store.close();
    const top = gitTopLevel(root);
    if (top) {
      const gi = join(root, '.gitignore');
      const current = existsSync(gi) ? readFileSync(gi, 'utf8') : '';
      if (!current.includes('.todos/')) appendFileSync(gi, `${current && !current.endsWith('\n') ? '\n' : ''}.todos/\n`);
    }
    if (this.jsonMode) this.printJson({action: 'initialized', path: todos, session: session.id});
    else {
      this.say(`INITIALIZED ${todos}`);
      this.say(`Session: ${session.id}`);
    }
  }
}
