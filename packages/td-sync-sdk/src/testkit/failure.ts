/** A scenario failure: names the backend, the scenario and what was wrong. */
export class ConformanceFailure extends Error {
  constructor(
    readonly backend: string,
    readonly scenario: string,
    readonly problem: string,
  ) {
    super(`${backend} failed conformance scenario "${scenario}": ${problem}`);
    this.name = 'ConformanceFailure';
  }
}

/** Describe the first difference between two JSON-like values, or undefined when equal. */
export function jsonDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (Object.is(a, b)) return undefined;
  const here = path || '(root)';
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return `${here}: sent ${preview(a)}, received ${preview(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${here}: sent ${preview(a)}, received ${preview(b)}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${here}: sent ${a.length} items, received ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = jsonDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    if (ao[k] === undefined && bo[k] === undefined) continue;
    if (!(k in bo) || bo[k] === undefined) return `${path ? `${path}.` : ''}${k}: missing on the received event`;
    const d = jsonDifference(ao[k], bo[k], path ? `${path}.${k}` : k);
    if (d) return d;
  }
  return undefined;
}

export function preview(value: unknown, max = 80): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
