/** Project settings td keeps in `.todos/config.json` that the task commands honour. */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';

export function projectTitleLimits(root: string): {min?: number; max?: number} {
  try {
    const cfg = JSON.parse(readFileSync(join(root, '.todos', 'config.json'), 'utf8')) as {title_min_length?: number; title_max_length?: number};
    return {min: cfg.title_min_length || undefined, max: cfg.title_max_length || undefined};
  } catch {
    return {};
  }
}
