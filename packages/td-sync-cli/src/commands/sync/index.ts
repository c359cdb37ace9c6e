import {Flags} from '@oclif/core';
import {isSyncError} from 'td-sync-sdk';
import {TdCommand} from '../../base.js';
import {loadConfig, lookup} from '../../config/load.js';
import {registerEnvSecrets, redactSecrets} from '../../redact.js';
import {loadEngine} from '../../plugins/engine-link.js';
import {resolveTarget} from '../../plugins/host.js';
import {createStderrLogger} from '../../plugins/logger.js';
import {createProgressReporter} from '../../plugins/progress.js';
import {renderReport, retryIn} from '../../plugins/report.js';
import {collectStatus, renderStatus} from '../../plugins/status.js';

export default class Sync extends TdCommand {
  static override description = 'Push local changes to the configured sync backend and pull everyone else\'s (both unless --push or --pull).';
  static override examples = ['td sync', 'td sync --push', 'td sync --pull', 'td sync --status', 'td sync --dry-run --json', 'td sync --backend dir'];
  static override flags = {
    push: Flags.boolean({description: 'push local changes only'}),
    pull: Flags.boolean({description: 'pull remote changes only'}),
    status: Flags.boolean({description: 'show the sync status without syncing', exclusive: ['push', 'pull', 'dry-run']}),
    'dry-run': Flags.boolean({description: 'show what would be pushed and pulled; change nothing'}),
    backend: Flags.string({description: 'use this backend for this run instead of sync.backend (e.g. dir, http, github)'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parseTd(Sync);
    registerEnvSecrets();
    const opened = this.openStore();
    let store = opened;
    const config = await loadConfig({workDir: this.workDir, projectRoot: store.root});
    const logger = createStderrLogger();

    if (flags.status) {
      const status = await collectStatus({config, store, oclif: this.config, backend: flags.backend, strict: true, logger});
      if (this.jsonMode) this.printJson(status);
      else for (const line of renderStatus(status)) this.say(line);
      return;
    }

    const target = await resolveTarget({config, oclif: this.config, backend: flags.backend, logger});
    const mode = {push: flags.push || !flags.pull, pull: flags.pull || !flags.push};
    const controller = new AbortController();
    const onSigint = () => controller.abort(new Error('interrupted'));
    process.once('SIGINT', onSigint);
    const progress = createProgressReporter({json: this.jsonMode});
    let report;
    let boot: Awaited<ReturnType<Awaited<ReturnType<typeof loadEngine>>['bootstrapFromSnapshot']>> | undefined;
    try {
      const engine = await loadEngine();
      // td's snapshot bootstrap (first pull only, not --push). It replaces issues.db, which an open
      // Store cannot survive, so it runs here, before runSync, and hands back a reopened Store.
      if (mode.pull && !flags['dry-run']) {
        const threshold = Number(lookup(config, 'sync.snapshot_threshold').value);
        boot = await engine.bootstrapFromSnapshot(store, target, {env: process.env, logger, signal: controller.signal, configThreshold: Number.isInteger(threshold) ? threshold : undefined, say: this.jsonMode ? undefined : (line) => this.say(line)});
        store = boot.store;
      }
      report = await engine.runSync(store, target, {
        push: mode.push,
        pull: mode.pull && !boot?.bootstrapped,
        dryRun: flags['dry-run'],
        signal: controller.signal,
        logger,
        progress,
        env: process.env,
      });
    } catch (e) {
      throw explain(e);
    } finally {
      if (store !== opened) store.close(); // the Store the bootstrap reopened (the base closes its own)
      progress.done(); // erase a bar a failing phase left behind
      process.off('SIGINT', onSigint);
    }
    if (boot?.bootstrapped) report.bootstrapped = boot.bootstrapped;
    if (boot) report.warnings.unshift(...boot.warnings);
    if (this.jsonMode) this.printJson(report);
    else {
      const {out, err} = renderReport(report, {push: mode.push, pull: mode.pull && !report.bootstrapped});
      if (report.bootstrapped) out.unshift(`Bootstrap complete (seq ${report.bootstrapped.seq}).`);
      for (const line of out) this.say(line);
      for (const line of err) process.stderr.write(redactSecrets(line) + '\n');
    }
    if (report.stopped) this.exit(1);
  }
}

/** Add what to do next to an error the engine or a backend threw (rate limit: when to retry). */
function explain(e: unknown): unknown {
  if (!isSyncError(e)) return e;
  if (e.kind === 'rate_limit') {
    const retryAt = (e as {retryAt?: Date}).retryAt;
    const when = retryAt instanceof Date && !Number.isNaN(retryAt.getTime()) ? retryIn(retryAt.toISOString()) : 'retry later';
    return Object.assign(new Error(e.message), {code: e.code, hint: `${when}; nothing was lost${e.hint ? `. ${e.hint}` : ''}`, details: e.details});
  }
  return e;
}
