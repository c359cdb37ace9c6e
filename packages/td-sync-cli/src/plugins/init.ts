/**
 * `td sync init`: choose a backend among every one installed, ask its own questions, let it
 * finalize the answers, validate, and write `sync.backend` + `sync.<name>` to the project config.
 * Prompts go through a small IO interface so the flow runs the same from a terminal, from piped
 * answers, or from flags alone.
 */
import {ConfigError, type BackendDefinition, type InitContext, type InitQuestion, type JsonObject, type Logger} from 'td-sync-sdk';
import type {LoadedConfig} from '../config/load.js';
import {isPlainObject} from '../config/keys.js';
import {setProjectValues} from '../config/write.js';
import {createCredentialStore} from '../credentials.js';
import type {OclifConfigLike} from './discovery.js';
import {backendSection, findBackend, listBackends, validateBackendConfig} from './host.js';
import type {LoadedBackend} from './load.js';
import {quietLogger} from './logger.js';
import {shortPackageName} from './names.js';

export interface InitIO {
  /** Can we ask questions? (a terminal, or --interactive with piped answers) */
  interactive: boolean;
  /** Show `prompt`, return the next answer line (rejects when input ends). */
  ask(prompt: string): Promise<string>;
  say(text: string): void;
}

export interface InitOptions {
  config: LoadedConfig;
  oclif?: OclifConfigLike;
  /** `--backend` */
  backend?: string;
  /** `--set name=value`, repeatable */
  set: Record<string, string>;
  /** `--yes`: take defaults without asking */
  yes: boolean;
  io: InitIO;
  logger?: Logger;
}

export interface InitResult {
  backend: string;
  displayName: string;
  package: string;
  source: string;
  file: string;
  created: boolean;
  config: JsonObject;
  target: string;
}

/** `["repo=owner/repo", "x=1"]` -> `{repo: "owner/repo", x: "1"}` */
export function parseSetFlags(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set ${v}: expected name=value`, {code: 'invalid_input', hint: 'e.g. --set repo=owner/repo'});
    out[v.slice(0, eq).trim()] = v.slice(eq + 1);
  }
  return out;
}

async function chooseBackend(options: InitOptions): Promise<LoadedBackend> {
  const projectRoot = options.config.projectRoot;
  if (options.backend) return findBackend(options.backend, {oclif: options.oclif, projectRoot});
  const all = await listBackends({oclif: options.oclif, projectRoot});
  const usable = all.filter((b) => b.loaded);
  for (const broken of all.filter((b) => !b.loaded)) options.io.say(`  (skipped ${broken.pkg.name}: ${broken.error})`);
  if (usable.length === 0) {
    throw new ConfigError('no sync backend is installed', {code: 'backend_not_found', hint: 'install one with "td plugins install td-sync-backend-<name>"'});
  }
  if (!options.io.interactive) {
    throw new ConfigError('td sync init needs answers: stdin is not a terminal and --backend is missing', {
      code: 'missing_answers',
      hint: `pass --backend <name> (one of: ${usable.map((b) => b.name).join(', ')}) and --set <question>=<value> for its settings, or --interactive to read answers from stdin`,
      details: {missing: ['--backend'], backends: usable.map((b) => b.name)},
    });
  }
  const current = (options.config.merged.sync as JsonObject | undefined)?.backend;
  const currentIndex = usable.findIndex((b) => b.name === current || b.loaded!.definition.name === current);
  options.io.say(`Choose sync backend: ${usable.map((b, i) => `(${i + 1}) ${b.loaded!.definition.displayName}`).join(' ')}`);
  for (const [i, b] of usable.entries()) {
    const d = b.loaded!.definition;
    options.io.say(`  (${i + 1}) ${d.displayName}${d.description ? ` - ${d.description}` : ''} [${b.name}, ${b.pkg.name}, ${b.pkg.source}]`);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = (await options.io.ask(`Backend [1-${usable.length}]${currentIndex >= 0 ? ` (${currentIndex + 1})` : ''}: `)).trim();
    if (answer === '' && currentIndex >= 0) return usable[currentIndex]!.loaded!;
    const n = Number(answer);
    if (Number.isInteger(n) && n >= 1 && n <= usable.length) return usable[n - 1]!.loaded!;
    const byName = usable.find((b) => b.name === answer || b.loaded!.definition.name === answer || b.pkg.name === answer);
    if (byName) return byName.loaded!;
    options.io.say(`  "${answer}" is not one of 1-${usable.length}`);
  }
  throw new ConfigError('no backend chosen', {code: 'invalid_input', hint: 'run td sync init again, or pass --backend <name>'});
}

function coerce(q: InitQuestion, raw: string): string | boolean {
  if (q.type === 'confirm') {
    const t = raw.trim().toLowerCase();
    if (['y', 'yes', 'true', '1'].includes(t)) return true;
    if (['n', 'no', 'false', '0'].includes(t)) return false;
    throw new ConfigError(`${q.name}: answer yes or no (got "${raw}")`, {code: 'invalid_value'});
  }
  if (q.type === 'select' && q.choices) {
    const n = Number(raw);
    if (Number.isInteger(n) && n >= 1 && n <= q.choices.length && !q.choices.some((c) => c.value === raw)) return q.choices[n - 1]!.value;
    if (!q.choices.some((c) => c.value === raw)) throw new ConfigError(`${q.name}: choose one of ${q.choices.map((c) => c.value).join(', ')} (got "${raw}")`, {code: 'invalid_value'});
  }
  const problem = q.validate?.(raw);
  if (problem) throw new ConfigError(`${q.name}: ${problem}`, {code: 'invalid_value'});
  return raw;
}

function promptFor(q: InitQuestion): string {
  const dflt = q.default === undefined ? '' : q.type === 'confirm' ? (q.default ? ' (Y/n)' : ' (y/N)') : ` (${q.default})`;
  const choices = q.type === 'select' && q.choices ? `\n${q.choices.map((c, i) => `  (${i + 1}) ${c.label} [${c.value}]`).join('\n')}\n` : '';
  return `${choices}${q.message}${dflt}: `;
}

async function answerQuestions(questions: InitQuestion[], options: InitOptions, definition: BackendDefinition, existing: JsonObject): Promise<Record<string, string | boolean>> {
  const answers: Record<string, string | boolean> = {};
  const missing: InitQuestion[] = [];
  for (const q of questions) {
    const given = options.set[q.name];
    if (given !== undefined) {
      answers[q.name] = coerce(q, given);
      continue;
    }
    const known = existing[q.name];
    const dflt = known !== undefined && (typeof known === 'string' || typeof known === 'boolean') ? known : q.default;
    if (!options.io.interactive || options.yes) {
      if (dflt !== undefined) answers[q.name] = typeof dflt === 'boolean' ? dflt : coerce(q, dflt);
      else missing.push(q);
      continue;
    }
    for (let attempt = 0; ; attempt++) {
      const raw = (await options.io.ask(promptFor({...q, default: dflt}))).trim();
      if (raw === '' && dflt !== undefined) {
        answers[q.name] = dflt;
        break;
      }
      try {
        if (raw === '') throw new ConfigError(`${q.name}: an answer is required`, {code: 'invalid_value'});
        answers[q.name] = coerce(q, raw);
        break;
      } catch (e) {
        if (attempt >= 2) throw e;
        options.io.say(`  ${(e as Error).message}`);
      }
    }
  }
  if (missing.length > 0) {
    throw new ConfigError(`td sync init --backend ${definition.name}: missing answers for ${missing.map((q) => q.name).join(', ')}`, {
      code: 'missing_answers',
      hint: `pass ${missing.map((q) => `--set ${q.name}=<${q.message.replace(/[:?]\s*$/, '')}>`).join(' ')}`,
      details: {missing: missing.map((q) => `--set ${q.name}=`)},
    });
  }
  // --set names the backend did not ask about are passed through (settings without a question)
  for (const [k, v] of Object.entries(options.set)) if (!(k in answers)) answers[k] = v;
  return answers;
}

export async function runInit(options: InitOptions): Promise<InitResult> {
  const {definition, pkg} = await chooseBackend(options);
  const projectRoot = options.config.projectRoot;
  const logger = options.logger ?? quietLogger;
  const existing = backendSection(options.config, definition);
  const context: InitContext = {projectRoot, existing, credentials: createCredentialStore(options.config.env), logger};
  const questions = definition.init ? await definition.init.questions(context) : [];
  const answers = await answerQuestions(questions, options, definition, existing);
  const values = definition.init?.finalize ? await definition.init.finalize(answers, context) : (answers as JsonObject);
  if (!isPlainObject(values)) throw new ConfigError(`backend ${definition.name}: init.finalize() must return an object of settings`, {code: 'backend_invalid'});
  // validate before writing anything: a bad answer never reaches the config file
  const normalised = validateBackendConfig(definition, values, projectRoot);
  const remote = definition.remoteId(normalised);
  const short = shortPackageName(pkg.name);
  const written = setProjectValues(options.config, [
    ['sync.backend', short],
    [`sync.${definition.name}`, values],
  ]);
  return {
    backend: short,
    displayName: definition.displayName,
    package: pkg.name,
    source: pkg.source,
    file: written.file,
    created: written.created,
    config: values,
    target: `${definition.name}:${remote}`,
  };
}
