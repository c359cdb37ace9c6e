/** Store errors carry td's `--json` error codes (spec §7.5). */
export type StoreErrorCode = 'database_error' | 'not_found' | 'invalid_input' | 'conflict';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: {cause?: unknown}) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
