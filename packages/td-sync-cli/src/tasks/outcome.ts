/**
 * What a per-issue command did for one id: done (with td's JSON document and text lines), an
 * idempotent no-op (exit 0), or a failure (td's error code). Multi-id commands report one outcome
 * per id, as td does (one JSON document per id; exit 1 only if nothing succeeded and something failed).
 */
import {isTaskError} from './util.js';

export type Outcome =
  | {kind: 'done'; id: string; json: Record<string, unknown>; lines: string[]; warnings: string[]}
  | {kind: 'noop'; id: string; json: Record<string, unknown>; message: string}
  | {kind: 'failed'; id: string; code: string; message: string};

export function done(id: string, json: Record<string, unknown>, lines: string[], warnings: string[] = []): Outcome {
  return {kind: 'done', id, json, lines, warnings};
}

export function noop(id: string, status: string, action: string, message = `${action} ${id}`): Outcome {
  return {kind: 'noop', id, json: {id, status, action, message}, message};
}

/** Run `fn` for one id; a thrown error becomes a failed outcome carrying its td code. */
export function attempt(id: string, fn: () => Outcome): Outcome {
  try {
    return fn();
  } catch (e) {
    if (isTaskError(e)) return {kind: 'failed', id, code: e.code, message: e.message};
    const err = e as {code?: string; message?: string};
    const code = err.code === 'lock_timeout' || err.code === 'database_error' || /SQLITE|database/i.test(String(err.code ?? err.message)) ? 'database_error' : 'invalid_input';
    return {kind: 'failed', id, code, message: String(err.message ?? e)};
  }
}
