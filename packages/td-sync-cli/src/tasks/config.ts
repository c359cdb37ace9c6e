/** Project settings td keeps in `.todos/config.json` that the task commands honour. */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {invalid} from './errors.js';

interface ProjectConfig {
  title_min_length?: number;
  title_max_length?: number;
  feature_flags?: Record<string, boolean>;
  feature_string_flags?: Record<string, string>;
}

function readConfig(root: string): ProjectConfig {
  try {
    return JSON.parse(readFileSync(join(root, '.todos', 'config.json'), 'utf8')) as ProjectConfig;
  } catch {
    return {};
  }
}

export function projectTitleLimits(root: string): {min?: number; max?: number} {
  const cfg = readConfig(root);
  return {min: cfg.title_min_length || undefined, max: cfg.title_max_length || undefined};
}

/**
 * td's review policy mode: TD_FEATURE_REVIEW_POLICY_MODE > config review_policy_mode > an
 * explicit legacy balanced_review_policy flag > `trusted`.
 */
export function reviewPolicyMode(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TD_FEATURE_REVIEW_POLICY_MODE?.trim();
  if (fromEnv) return fromEnv.toLowerCase();
  const cfg = readConfig(root);
  const configured = cfg.feature_string_flags?.review_policy_mode?.trim();
  if (configured) return configured.toLowerCase();
  const legacy = cfg.feature_flags?.balanced_review_policy;
  if (typeof legacy === 'boolean') return legacy ? 'balanced' : 'strict';
  return 'trusted';
}

/**
 * Only td's default `trusted` approve rules are implemented: refuse rather than apply looser rules
 * than the project configured. (`td close` uses td's strict rule in every mode but `delegated`, so it
 * passes those modes in `alsoAllowed`.)
 */
export function requireTrustedPolicy(root: string, env: NodeJS.ProcessEnv = process.env, alsoAllowed: string[] = []): void {
  const mode = reviewPolicyMode(root, env);
  if (mode !== 'trusted' && !alsoAllowed.includes(mode)) {
    throw invalid(
      `review_policy_mode=${mode} is not supported by this td (only the default "trusted" policy is): ` +
        'unset TD_FEATURE_REVIEW_POLICY_MODE / feature_string_flags.review_policy_mode in .todos/config.json, or use the Go td for this project',
    );
  }
}
