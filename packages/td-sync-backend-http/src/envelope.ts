/**
 * td-sync error bodies come in two shapes: the server's nested `{"error":{"code","message"}}` and
 * the flat `{"code","message"}` td's Go client expects (spec §1.4, §12.1). Both are accepted;
 * anything else (a proxy's HTML, Go's plain-text 404) becomes a code derived from the status.
 */
export interface ServerError {
  code: string;
  message: string;
  shape: 'nested' | 'flat' | 'text';
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function parseErrorBody(text: string, status: number): ServerError {
  try {
    const v = JSON.parse(text) as Record<string, unknown> | null;
    if (v && typeof v === 'object') {
      const nested = v.error as Record<string, unknown> | undefined;
      if (nested && typeof nested === 'object' && (str(nested.code) || str(nested.message))) {
        return {code: str(nested.code) ?? `http_${status}`, message: str(nested.message) ?? '', shape: 'nested'};
      }
      if (str(v.code) || (str(v.message) && !('error' in v))) {
        return {code: str(v.code) ?? `http_${status}`, message: str(v.message) ?? '', shape: 'flat'};
      }
      if (str(v.error)) return {code: `http_${status}`, message: v.error as string, shape: 'flat'};
    }
  } catch {
    /* not JSON */
  }
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  return {code: `http_${status}`, message: plain || `HTTP ${status}`, shape: 'text'};
}
