/**
 * The plugin host: from the effective config to a ResolvedTarget the engine can run — the backend
 * package found and validated, its `sync.<name>` section validated by the backend, every configured
 * plugin applied to one fresh set of hooks, and the credential store.
 */
import {dirname, isAbsolute, resolve} from 'node:path';
import {ConfigError, createSyncHooks, isSyncError, type BackendDefinition, type JsonObject, type Logger, type SyncHooks} from 'td-sync-sdk';
import type {LoadedConfig} from '../config/load.js';
import {isPlainObject} from '../config/keys.js';
import {createCredentialStore} from '../credentials.js';
import type {ResolvedTarget} from '../engine/api.js';
import {blameTaps} from './blame.js';
import {topLevelWarnings, unknownKeyWarnings} from './config-warnings.js';
import {findPackage, listPackages, type FoundPackage, type OclifConfigLike} from './discovery.js';
import {loadBackendPackage, loadPluginFile, loadPluginPackage, type LoadedBackend} from './load.js';
import {quietLogger} from './logger.js';
import {BACKEND_PREFIX, resolveBackendPackage, resolvePluginPackage, shortPackageName} from './names.js';

export interface HostOptions {
  config: LoadedConfig;
  /** The running CLI's oclif Config (`this.config`). */
  oclif?: OclifConfigLike;
  /** `--backend`: overrides `sync.backend` for one run. */
  backend?: string;
  logger?: Logger;
}

export const INSTALL_HINT = (pkg: string) => `install it with "td plugins install ${pkg}" (or "npm install ${pkg}" in the project), then try again`;

/** `dir (td-sync-backend-dir, core), github (td-sync-backend-github, node_modules)` */
export function describeInstalled(packages: FoundPackage[]): string {
  if (packages.length === 0) return 'none';
  return packages.map((p) => `${shortPackageName(p.name)} (${p.name}, ${p.source})`).join(', ');
}

/** The name of the configured backend (flag over config), or a ConfigError saying how to set one. */
export function configuredBackendName(options: HostOptions): string {
  const fromConfig = (options.config.merged.sync as JsonObject | undefined)?.backend;
  const name = options.backend ?? fromConfig;
  if (typeof name === 'string' && name.trim() !== '') return name.trim();
  // A project set up with the Go td (sync.url in td's user file, or TD_SYNC_URL) keeps syncing over td-sync.
  const tdUrl = (options.config.user.config.sync as JsonObject | undefined)?.url;
  if ((typeof tdUrl === 'string' && tdUrl !== '') || options.config.env.TD_SYNC_URL) return 'http';
  const installed = listPackages({oclif: options.oclif, projectRoot: options.config.projectRoot});
  throw new ConfigError(`no sync backend configured for ${options.config.projectRoot}`, {
    code: 'sync_not_configured',
    hint: `run "td sync init", or "td config set sync.backend <name>" (installed: ${describeInstalled(installed)})`,
  });
}

/** Find and load the backend a user named (`github`, `@acme/jira`, a package name). */
export async function findBackend(name: string, options: Omit<HostOptions, 'config'> & {projectRoot: string}): Promise<LoadedBackend> {
  const packageName = resolveBackendPackage(name);
  const pkg = findPackage(packageName, {oclif: options.oclif, projectRoot: options.projectRoot});
  if (!pkg) {
    const installed = listPackages({oclif: options.oclif, projectRoot: options.projectRoot});
    throw new ConfigError(`sync backend "${name}" not found: no package ${packageName} among td's plugins or in the project's node_modules (installed backends: ${describeInstalled(installed)})`, {
      code: 'backend_not_found',
      hint: INSTALL_HINT(packageName),
      details: {backend: name, package: packageName, installed: installed.map((p) => ({package: p.name, source: p.source}))},
    });
  }
  return loadBackendPackage(pkg);
}

/** Every backend package installed, loaded where possible (for `td sync init` and `td backends`). */
export async function listBackends(options: {oclif?: OclifConfigLike; projectRoot: string}): Promise<Array<{pkg: FoundPackage; name: string; loaded?: LoadedBackend; error?: string}>> {
  const out = [];
  for (const pkg of listPackages(options, BACKEND_PREFIX)) {
    try {
      const loaded = await loadBackendPackage(pkg);
      out.push({pkg, name: shortPackageName(pkg.name), loaded});
    } catch (e) {
      out.push({pkg, name: shortPackageName(pkg.name), error: (e as Error).message});
    }
  }
  return out;
}

/** `sync.<name>` of the effective config (an object, possibly empty). */
export function backendSection(config: LoadedConfig, definition: BackendDefinition): JsonObject {
  const section = (config.merged.sync as JsonObject | undefined)?.[definition.name];
  if (section === undefined) return {};
  if (!isPlainObject(section)) {
    throw new ConfigError(`sync.${definition.name} must be a section of settings, not ${JSON.stringify(section)}`, {
      code: 'config_invalid',
      hint: `td config unset sync.${definition.name}, then set sync.${definition.name}.<key> values`,
    });
  }
  return section;
}

/** Run the backend's own validation, turning any failure into a ConfigError naming the backend. */
export function validateBackendConfig(definition: BackendDefinition, raw: JsonObject, projectRoot: string): JsonObject {
  try {
    return definition.validateConfig(raw, {projectRoot});
  } catch (e) {
    if (isSyncError(e)) throw e;
    throw new ConfigError(`sync.${definition.name} is invalid: ${(e as Error)?.message ?? String(e)}`, {
      code: 'config_invalid',
      hint: `check it with "td config list" and fix it with "td config set sync.${definition.name}.<key> <value>"`,
      cause: e,
    });
  }
}

export interface PluginEntry {
  spec: string;
  options: JsonObject;
}

/** `plugins: ["name", "./file.mjs", ["name", {options}]]` -> entries. */
export function pluginEntries(value: unknown): PluginEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError('plugins must be a list', {code: 'config_invalid', hint: `e.g. "plugins": ["redact", "./td-plugins/audit.mjs"]`});
  return value.map((entry) => {
    if (typeof entry === 'string') return {spec: entry, options: {}};
    if (Array.isArray(entry) && typeof entry[0] === 'string' && entry.length <= 2 && (entry[1] === undefined || isPlainObject(entry[1]))) {
      return {spec: entry[0], options: (entry[1] as JsonObject | undefined) ?? {}};
    }
    throw new ConfigError(`plugins entry ${JSON.stringify(entry)} must be a name, a relative file, or [name, {options}]`, {code: 'config_invalid'});
  });
}

const isFileSpec = (spec: string) => spec.startsWith('./') || spec.startsWith('../') || isAbsolute(spec);

/** Folder relative plugin files are resolved against: the config file that lists them. */
export function pluginBaseDir(config: LoadedConfig): string {
  if (config.project && config.project.config.plugins !== undefined) return dirname(config.project.file);
  if (config.user.config.plugins !== undefined) return dirname(config.user.file);
  return config.projectRoot;
}

/** Load every configured plugin and let it tap `hooks`. A plugin that throws stops here, named. */
export async function applyPlugins(hooks: SyncHooks, options: {config: LoadedConfig; oclif?: OclifConfigLike; logger?: Logger}): Promise<string[]> {
  const entries = pluginEntries(options.config.merged.plugins);
  const baseDir = pluginBaseDir(options.config);
  const applied: string[] = [];
  const asOwner = entries.length > 0 ? blameTaps(hooks) : undefined;
  for (const {spec, options: pluginOptions} of entries) {
    let loaded;
    if (isFileSpec(spec)) loaded = await loadPluginFile(resolve(baseDir, spec));
    else {
      const packageName = resolvePluginPackage(spec);
      const pkg = findPackage(packageName, {oclif: options.oclif, projectRoot: options.config.projectRoot});
      if (!pkg) {
        throw new ConfigError(`sync plugin "${spec}" not found: no package ${packageName} among td's plugins or in the project's node_modules`, {
          code: 'plugin_not_found',
          hint: INSTALL_HINT(packageName),
        });
      }
      loaded = await loadPluginPackage(pkg);
    }
    try {
      const context = {projectRoot: options.config.projectRoot, options: pluginOptions, logger: options.logger ?? quietLogger};
      await asOwner!(loaded.id, async () => loaded.definition.apply(hooks, context));
    } catch (e) {
      throw new ConfigError(`sync plugin ${loaded.id} failed while setting up its hooks: ${(e as Error)?.message ?? String(e)}`, {
        code: 'plugin_failed',
        hint: `fix or remove it from "plugins" in your td config`,
        cause: e,
      });
    }
    applied.push(loaded.id);
  }
  return applied;
}

/** Everything the engine needs for one run against the configured (or overridden) backend. */
export async function resolveTarget(options: HostOptions): Promise<ResolvedTarget & {entry: string; plugins: string[]}> {
  const name = configuredBackendName(options);
  const projectRoot = options.config.projectRoot;
  const loaded = await findBackend(name, {oclif: options.oclif, projectRoot, logger: options.logger});
  const {definition, pkg} = loaded;
  const section = backendSection(options.config, definition);
  const unknownKeys = unknownKeyWarnings(definition, section);
  let config: JsonObject;
  try {
    config = validateBackendConfig(definition, section, projectRoot);
  } catch (e) {
    // A missing required key is often a misspelt one: say so next to the error.
    if (unknownKeys.length > 0 && isSyncError(e)) Object.assign(e, {hint: [e.hint, ...unknownKeys].filter(Boolean).join('; ')});
    throw e;
  }
  let remote: string;
  try {
    remote = definition.remoteId(config);
  } catch (e) {
    throw isSyncError(e) ? e : new ConfigError(`backend ${definition.name} cannot name its remote: ${(e as Error)?.message}`, {code: 'config_invalid', cause: e});
  }
  const hooks = createSyncHooks();
  const plugins = await applyPlugins(hooks, {config: options.config, oclif: options.oclif, logger: options.logger});
  return {
    targetId: `${definition.name}:${remote}`,
    backendName: definition.name,
    packageName: pkg.name,
    source: pkg.source,
    definition,
    config,
    hooks,
    credentials: createCredentialStore(options.config.env),
    entry: loaded.entry,
    plugins,
    warnings: [...topLevelWarnings(options.config), ...unknownKeys],
  };
}
