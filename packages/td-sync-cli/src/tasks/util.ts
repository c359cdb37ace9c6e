import {TaskError} from './errors.js';

/** Cross-module check by shape (no instanceof across package copies). */
export function isTaskError(e: unknown): e is TaskError {
  return e instanceof Error && e.name === 'TaskError' && typeof (e as {code?: unknown}).code === 'string';
}
