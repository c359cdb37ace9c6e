/** Task errors carry td's `--json` error codes (spec §7.5). */
export type TaskErrorCode = 'not_found' | 'invalid_input' | 'conflict' | 'cannot_self_approve' | 'database_error' | 'no_active_session';

export class TaskError extends Error {
  readonly code: TaskErrorCode;
  constructor(code: TaskErrorCode, message: string) {
    super(message);
    this.name = 'TaskError';
    this.code = code;
  }
}

export const notFound = (id: string) => new TaskError('not_found', `issue not found: ${id}`);
export const invalid = (message: string) => new TaskError('invalid_input', message);
