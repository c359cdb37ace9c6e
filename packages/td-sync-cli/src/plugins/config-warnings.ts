/**
 * Settings td does not read, said out loud: a misspelt key is otherwise silently without effect.
 * Warnings for the project config's top level and for `sync.<backend>.*` (when the backend lists the
 * keys it reads, `configKeys`), each naming the closest known key.
 */
import type {BackendDefinition, JsonObject} from 'td-sync-sdk';
import type {LoadedConfig} from '../config/load.js';
import {isPlainObject} from '../config/keys.js';

/** The top-level keys a project config may hold. */
const PROJECT_TOP_LEVEL = ['sync', 'plugins'] as const;

/** One warning per top-level key of the project's config file that td does not read. */
export function topLevelWarnings(config: LoadedConfig): string[] {
  const project = config.project;
  if (!project || !isPlainObject(project.config)) return [];
  return Object.keys(project.config)
    // `$schema` and other `$` keys are for editors, not for td.
    .filter((k) => !(PROJECT_TOP_LEVEL as readonly string[]).includes(k) && !k.startsWith('$'))
    .map((k) => {
      const near = closest(k, PROJECT_TOP_LEVEL);
      return `"${k}" in ${project.file} is not a td setting and is ignored${near ? ` (did you mean "${near}"?)` : ''}`;
    });
}

/** One warning per `sync.<backend>.*` key the backend does not read (when it lists what it reads). */
export function unknownKeyWarnings(definition: BackendDefinition, section: JsonObject): string[] {
  const known = definition.configKeys;
  if (!known) return [];
  return Object.keys(section)
    .filter((k) => !known.includes(k))
    .map((k) => {
      const near = closest(k, known);
      return `sync.${definition.name}.${k} is not a setting of the ${definition.name} backend and is ignored${near ? ` (did you mean sync.${definition.name}.${near}?)` : ''}; remove it with "td config unset sync.${definition.name}.${k}"`;
    });
}

/** The known key within two edits of `key` (case aside), if one is. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: {k: string; d: number} | undefined;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d <= 2 && (!best || d < best.d)) best = {k, d};
  }
  return best?.k;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
