/**
 * The base of every `td` command: `--json` and `-w/--work-dir` everywhere, td's output conventions
 * (spec §7.5): results on stdout, diagnostics on stderr, and in JSON mode one error envelope
 * `{"error":{"code","message"}}` on stdout with exit status 1. Commands stay thin: parse, call a
 * library function, render.
 */
import {Command, Flags, Errors} from '@oclif/core';
import {Store, type OpenOptions} from './store/index.js';
import {redactSecrets} from './redact.js';

export class UsageError extends Error {
  readonly code = 'invalid_input';
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = exitCode;
  }
}

/** Map any thrown value to td's error code + message (+ hint). */
export function errorEnvelope(error: unknown): {code: string; message: string; hint?: string; details?: Record<string, unknown>} {
  const e = error as {code?: unknown; message?: unknown; hint?: unknown; details?: unknown; kind?: unknown};
  let code = typeof e?.code === 'string' ? e.code : 'invalid_input';
  if (/^[A-Z_]+$/.test(code)) code = 'invalid_input'; // Node/oclif errno-style codes are not td codes
  const message = redactSecrets(typeof e?.message === 'string' ? e.message : String(error));
  const out: {code: string; message: string; hint?: string; details?: Record<string, unknown>} = {code, message};
  if (typeof e?.hint === 'string') out.hint = redactSecrets(e.hint);
  if (e?.details && typeof e.details === 'object') out.details = JSON.parse(redactSecrets(JSON.stringify(e.details)));
  return out;
}

export abstract class TdCommand extends Command {
  static baseFlags = {
    json: Flags.boolean({description: 'Format output as JSON (errors too).', helpGroup: 'GLOBAL'}),
    'work-dir': Flags.string({char: 'w', description: 'Project directory (default: TD_WORK_DIR, then the current directory).', helpGroup: 'GLOBAL'}),
  };

  protected jsonMode = false;
  protected workDir?: string;
  private openStores: Store[] = [];

  public async init(): Promise<void> {
    await super.init();
    // --json anywhere on the line turns JSON mode on before parsing, so parse errors are JSON too.
    this.jsonMode = this.argv.includes('--json');
  }

  /** Parse flags (and remember the global ones). */
  protected async parseTd<T extends typeof TdCommand>(cmd: T) {
    const parsed = await this.parse(cmd as any);
    const flags = parsed.flags as {json?: boolean; 'work-dir'?: string};
    this.jsonMode = !!flags.json;
    this.workDir = flags['work-dir'];
    return parsed as any;
  }

  /** Open the project's store (closed automatically when the command ends). */
  protected openStore(options: OpenOptions = {}): Store {
    const store = Store.open({workDir: this.workDir, ...options});
    this.openStores.push(store);
    return store;
  }

  /** Print one JSON document (pretty, 2 spaces, as td). */
  protected printJson(value: unknown): void {
    process.stdout.write(redactSecrets(JSON.stringify(value, null, 2)) + '\n');
  }

  /** Print a line of text on stdout. */
  protected say(text: string): void {
    process.stdout.write(redactSecrets(text) + '\n');
  }

  /** `Warning: ...` on stderr. */
  protected warnLine(text: string): void {
    process.stderr.write(`Warning: ${redactSecrets(text)}\n`);
  }

  protected async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<any> {
    // oclif's own exits (help, --version) pass through untouched.
    if (err instanceof Errors.ExitError) throw err;
    const env = errorEnvelope(err);
    const exit = typeof err.exitCode === 'number' && err.exitCode > 0 ? err.exitCode : 1;
    if (this.jsonMode) {
      process.stdout.write(JSON.stringify({error: env}) + '\n');
    } else {
      process.stderr.write(`ERROR: ${env.message}\n`);
      if (env.hint) process.stderr.write(`  ${env.hint}\n`);
    }
    this.exit(exit);
  }

  protected async finally(err: Error | undefined): Promise<any> {
    for (const s of this.openStores) s.close();
    this.openStores = [];
    return super.finally(err);
  }
}
