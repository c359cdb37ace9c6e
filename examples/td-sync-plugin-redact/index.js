// @ts-check
/**
 * td-sync-plugin-redact: an example td sync plugin. A `beforePush` tap replaces strings that look
 * like secrets (API tokens, private keys, passwords in URLs or `password=` pairs) in every
 * outgoing event's payload, so they never reach the remote. The local database keeps the
 * original text: only what leaves the machine is redacted.
 *
 *   npm install td-sync-plugin-redact          (or: td plugins install td-sync-plugin-redact)
 *   .tdrc.json: {"plugins": ["redact"]}
 *   or with options: {"plugins": [["redact", {"replacement": "[secret]", "patterns": ["ACME-[0-9]{8}"]}]]}
 *
 * It imports nothing from td-sync-sdk at run time (types only, in JSDoc): hooks are objects the
 * host hands over, so no second copy of the SDK is needed.
 */

/** @typedef {import('td-sync-sdk').SyncEvent} SyncEvent */
/** @typedef {import('td-sync-sdk').PluginDefinition} PluginDefinition */

/** What looks like a secret. Each entry: a name (for the log) and a global regular expression. */
export const DEFAULT_PATTERNS = Object.freeze([
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g],
  ['GitHub token', /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/g],
  ['AWS access key id', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ['Slack token', /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g],
  ['Stripe key', /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g],
  ['OpenAI-style key', /\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b/g],
  ['JSON web token', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g],
  ['bearer token', /(\bBearer\s+)[A-Za-z0-9._~+/-]{16,}=*/g],
  ['password in a URL', /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi],
  ['password assignment', /(\b(?:password|passwd|pwd|secret|api[_-]?key|token)\s*[:=]\s*)(?!\[redacted)[^\s,;"']{4,}/gi],
]);

/**
 * Redact every string inside `value` (objects and arrays walked, keys kept).
 * @param {unknown} value
 * @param {ReadonlyArray<readonly [string, RegExp]>} patterns
 * @param {string} replacement
 * @param {(name: string) => void} found
 * @returns {unknown}
 */
export function redactValue(value, patterns, replacement, found) {
  if (typeof value === 'string') {
    let out = value;
    for (const [name, re] of patterns) {
      out = out.replace(re, (...m) => {
        found(name);
        // keep a leading group (e.g. "password=" or "Bearer ") when the pattern has one
        const lead = typeof m[1] === 'string' && m.length > 3 ? m[1] : '';
        return lead + replacement;
      });
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, patterns, replacement, found));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, patterns, replacement, found)]));
  }
  return value;
}

/** @type {PluginDefinition} */
const plugin = {
  apiVersion: 1,
  name: 'redact',
  apply(hooks, context) {
    const replacement = typeof context.options.replacement === 'string' ? context.options.replacement : '[redacted]';
    const extra = Array.isArray(context.options.patterns) ? context.options.patterns : [];
    /** @type {Array<readonly [string, RegExp]>} */
    const patterns = [...DEFAULT_PATTERNS];
    for (const p of extra) {
      if (typeof p !== 'string') throw new Error(`redact: option "patterns" must be a list of regular expressions as strings (got ${JSON.stringify(p)})`);
      patterns.push([`custom /${p}/`, new RegExp(p, 'g')]);
    }
    // AsyncSeriesWaterfallHook<[events, context]>: return the batch the backend should see.
    hooks.beforePush.tapPromise('td-sync-plugin-redact', async (events) => {
      /** @type {Map<string, number>} */
      const counts = new Map();
      const found = (/** @type {string} */ name) => void counts.set(name, (counts.get(name) ?? 0) + 1);
      const out = events.map((e) => ({
        ...e,
        payload: {
          ...e.payload,
          newData: /** @type {SyncEvent['payload']['newData']} */ (redactValue(e.payload.newData, patterns, replacement, found)),
          previousData: /** @type {SyncEvent['payload']['previousData']} */ (redactValue(e.payload.previousData, patterns, replacement, found)),
        },
      }));
      if (counts.size > 0) {
        context.logger.info(`redact: replaced ${[...counts].map(([n, c]) => `${c} × ${n}`).join(', ')} before push`);
      }
      return out;
    });
  },
};

export default plugin;
