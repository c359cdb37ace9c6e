import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Args, Flags} from '@oclif/core';
import {ConfigError} from 'td-sync-sdk';
import {resolveAuth} from '../../auth.js';
import {TdSyncClient} from '../../client.js';
import {defaultServerUrl, normalizeUrl, urlProblem} from '../../config.js';
import {findTdRoot, HttpCommand} from '../../command-base.js';
import {getProject} from '../../init.js';

/** Config files cosmiconfig would find before .tdrc.json; we only edit .tdrc.json. */
const OTHER_CONFIGS = ['.tdrc', '.tdrc.yaml', '.tdrc.yml', '.tdrc.js', '.tdrc.mjs', '.tdrc.cjs', 'td.config.js', 'td.config.mjs', 'td.config.cjs', 'td.config.ts'];

export default class SyncLink extends HttpCommand {
  static summary = 'Link this td project to a td-sync project (http backend)';
  static description =
    'Writes sync.backend=http and sync.http.projectId (and sync.http.url with --server) to the project\'s .tdrc.json, after checking that you are a member of the project. Sync bookkeeping is kept per target (server URL + project), so linking another project starts it afresh.';
  static examples = ['<%= config.bin %> sync link p_0123456789abcdef', '<%= config.bin %> sync link p_0123456789abcdef --server https://sync.example.com'];
  static args = {projectId: Args.string({required: true, description: 'td-sync project id (p_…)'})};
  static flags = {
    server: Flags.string({description: 'td-sync server URL to store in sync.http.url.'}),
    'no-verify': Flags.boolean({description: 'Do not check the project on the server.'}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(SyncLink);
    this.jsonMode = flags.json;
    const root = findTdRoot(flags['work-dir'] ?? process.env.TD_WORK_DIR ?? process.cwd());
    if (!root) throw new ConfigError('not inside a td project (no .todos folder found)', {code: 'not_initialized', hint: 'run "td init" first, or pass -w <project dir>'});
    const projectId = args.projectId.trim();
    if (!/^[A-Za-z0-9_-]+$/.test(projectId)) throw new ConfigError(`"${projectId}" is not a td-sync project id`, {code: 'invalid_input', hint: 'list your projects with "td sync init --backend http"'});
    const file = join(root, '.tdrc.json');
    const other = OTHER_CONFIGS.find((f) => existsSync(join(root, f)));
    if (other) {
      throw new ConfigError(`this project is configured in ${other}, which td sync link does not edit`, {
        code: 'config_not_editable',
        hint: `set it yourself: sync.backend = "http", sync.http.projectId = "${projectId}" (or run "td config set sync.http.projectId ${projectId}")`,
      });
    }
    let config: Record<string, any> = {};
    if (existsSync(file)) {
      try {
        config = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        throw new ConfigError(`${file} is not valid JSON`, {code: 'config_invalid', hint: 'fix or delete it, then run td sync link again'});
      }
    }
    const section = (config.sync?.http ?? {}) as Record<string, unknown>;
    const url = normalizeUrl(flags.server ?? (typeof section.url === 'string' && section.url ? section.url : defaultServerUrl()));
    const problem = urlProblem(url);
    if (problem) throw new ConfigError(`--server: ${problem}`, {code: 'invalid_input'});
    let name: string | undefined;
    if (!flags['no-verify']) {
      const auth = await resolveAuth(this.files);
      const client = new TdSyncClient({url, apiKey: async () => auth.apiKey, maxRetries: 1, retryBudgetMs: 2_000});
      try {
        name = (await getProject(client, projectId)).name;
      } finally {
        await client.close();
      }
    }
    const previous = typeof section.projectId === 'string' ? section.projectId : typeof section.project === 'string' ? section.project : undefined;
    config.sync = {...(config.sync ?? {}), backend: 'http', http: {...section, projectId, ...(flags.server ? {url} : {})}};
    delete config.sync.http.project;
    writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
    if (this.jsonMode) this.printJson({linked: true, project_id: projectId, project_name: name ?? null, url, previous_project_id: previous ?? null, config_file: file});
    else {
      this.say(`Linked to td-sync project ${name ? `"${name}" ` : ''}(${projectId}) on ${url}.`);
      if (previous && previous !== projectId) this.say(`(was ${previous}; the next "td sync" pushes everything to the new project and pulls it from the start)`);
    }
  }
}
