// @ts-check
/**
 * td-sync-plugin-priority-labels: an example td sync plugin. A `mapEvent` tap gives every GitHub
 * issue td creates the team's own priority label (say `priority: high`) next to td's `td:p1`, so
 * a team's boards, saved searches and automations that filter on their labels see td's tasks.
 *
 *   .tdrc.json:
 *   {
 *     "sync": {"backend": "github", "github": {"repo": "acme/app"}},
 *     "plugins": [["priority-labels", {"labels": {"P0": "priority: urgent", "P1": "priority: high",
 *                                                  "P2": "priority: medium", "P3": "priority: low"}}]]
 *   }
 *
 * Options:
 * - `labels`: td priority (`P0`..`P4`) -> label name. Priorities left out get no team label.
 *   Default: `P0` -> `priority: critical`, `P1` -> `priority: high`, `P2` -> `priority: medium`,
 *   `P3`/`P4` -> `priority: low`.
 * - `replaceTdLabels` (default false): drop td's own `td:pN` label from the draft. Then the priority
 *   travels only in the managed block, and a person changing it on GitHub must edit td, not labels.
 *
 * How the GitHub backend calls the hook: `mapEvent.promise(draft, event, context)` once per td
 * issue per push, where `draft` is `{kind: 'issue', tdId, title, text, row, labels, state, ...}`
 * (and `{kind: 'log' | 'comment' | 'handoff', ...}` for records, which this plugin passes through).
 * The GitHub backend attaches a name outside its `td:` prefix only when the repository already has
 * that label (it never creates one), and takes it off again only if td attached it (README.md).
 */

/** @typedef {import('td-sync-sdk').PluginDefinition} PluginDefinition */
/** @typedef {import('td-sync-sdk').JsonObject} JsonObject */

export const DEFAULT_LABELS = Object.freeze({
  P0: 'priority: critical',
  P1: 'priority: high',
  P2: 'priority: medium',
  P3: 'priority: low',
  P4: 'priority: low',
});

const PRIORITY = /^P[0-4]$/;

/**
 * Validate the `labels` option: an object from P0..P4 to non-empty label names.
 * @param {unknown} value
 * @returns {Record<string, string>}
 */
export function labelTable(value) {
  if (value === undefined) return {...DEFAULT_LABELS};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`priority-labels: option "labels" must map td priorities to label names, e.g. {"P0": "priority: urgent"} (got ${JSON.stringify(value)})`);
  }
  /** @type {Record<string, string>} */
  const table = {};
  for (const [k, v] of Object.entries(value)) {
    const p = k.toUpperCase();
    if (!PRIORITY.test(p)) throw new Error(`priority-labels: "${k}" is not a td priority (use P0..P4)`);
    if (typeof v !== 'string' || v.trim() === '' || v.length > 50) throw new Error(`priority-labels: the label for ${p} must be a name of 1 to 50 characters (got ${JSON.stringify(v)})`);
    table[p] = v.trim();
  }
  return table;
}

/**
 * The draft with the team label for its priority (pure; what the tap does).
 * @param {JsonObject} draft
 * @param {Record<string, string>} table
 * @param {boolean} replaceTdLabels
 * @returns {JsonObject}
 */
export function withPriorityLabel(draft, table, replaceTdLabels) {
  if (draft.kind !== 'issue' || !Array.isArray(draft.labels)) return draft;
  const row = /** @type {JsonObject} */ (draft.row ?? {});
  const priority = String(row.priority ?? '').toUpperCase();
  const team = table[priority];
  const teamLabels = new Set(Object.values(table));
  /** @type {string[]} */
  let labels = draft.labels.filter((l) => typeof l === 'string' && !teamLabels.has(l));
  if (replaceTdLabels) labels = labels.filter((l) => !/(^|:)p[0-4]$/i.test(l));
  if (team) labels.push(team);
  return {...draft, labels};
}

/** @type {PluginDefinition} */
const plugin = {
  apiVersion: 1,
  name: 'priority-labels',
  apply(hooks, context) {
    const table = labelTable(context.options.labels);
    const replace = context.options.replaceTdLabels === true;
    // AsyncSeriesWaterfallHook<[draft, event, context]>: return the (new) draft. Other backends'
    // drafts (dir stores events) have no `kind: 'issue'` and pass through untouched.
    hooks.mapEvent.tapPromise('td-sync-plugin-priority-labels', async (draft, _event, run) =>
      run.backend === 'github' ? withPriorityLabel(draft, table, replace) : draft,
    );
  },
};

export default plugin;
