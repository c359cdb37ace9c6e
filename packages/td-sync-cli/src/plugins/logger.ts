/**
 * The Logger given to backends and plugins: warnings and errors on stderr, info/debug only when
 * TD_LOG_LEVEL asks for them; every line redacted. stdout stays for results (and --json).
 */
import type {JsonObject, Logger} from 'td-sync-sdk';
import {redactSecrets} from '../redact.js';

const LEVELS = {debug: 10, info: 20, warn: 30, error: 40} as const;
type Level = keyof typeof LEVELS;

export const quietLogger: Logger = {debug() {}, info() {}, warn() {}, error() {}};

export function createStderrLogger(env: NodeJS.ProcessEnv = process.env, write: (s: string) => void = (s) => process.stderr.write(s)): Logger {
  const wanted = (env.TD_LOG_LEVEL ?? (env.TD_DEBUG ? 'debug' : 'warn')).toLowerCase() as Level;
  const threshold = LEVELS[wanted] ?? LEVELS.warn;
  const line = (level: Level) => (message: string, fields?: JsonObject) => {
    if (LEVELS[level] < threshold) return;
    const prefix = level === 'warn' ? 'Warning: ' : level === 'error' ? 'ERROR: ' : `${level}: `;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    write(redactSecrets(`${prefix}${message}${extra}`) + '\n');
  };
  return {debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error')};
}
