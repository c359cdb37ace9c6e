/**
 * What a user types -> which npm package to look for, eslint-style. Pure: no I/O, one table test.
 *
 *   resolveBackendPackage('github')              -> 'td-sync-backend-github'
 *   resolveBackendPackage('@acme')               -> '@acme/td-sync-backend'
 *   resolveBackendPackage('@acme/jira')          -> '@acme/td-sync-backend-jira'
 *   resolveBackendPackage('td-sync-backend-x')   -> 'td-sync-backend-x'   (full names stay)
 *   resolveBackendPackage('@acme/td-sync-backend-jira') -> unchanged
 */
import {ConfigError} from 'td-sync-sdk';

export const BACKEND_PREFIX = 'td-sync-backend';
export const PLUGIN_PREFIX = 'td-sync-plugin';

// npm's rules, lower-case only (npm refuses new upper-case names).
const SCOPE = /^@[a-z0-9][a-z0-9._~-]*$/;
const BARE = /^[a-z0-9][a-z0-9._~-]*$/;

/** Normalise `input` against a package prefix (`td-sync-backend`, `td-sync-plugin`). Throws a ConfigError on a malformed name. */
export function resolvePackageName(input: string, prefix: string): string {
  const name = input.trim();
  const bad = () =>
    new ConfigError(`"${input}" is not a valid package or backend name`, {
      code: 'invalid_name',
      hint: `use a short name ("github"), a scope ("@acme", "@acme/jira") or a full npm package name ("${prefix}-github")`,
    });
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    if (slash === -1) {
      if (!SCOPE.test(name)) throw bad();
      return `${name}/${prefix}`;
    }
    const scope = name.slice(0, slash);
    const rest = name.slice(slash + 1);
    if (!SCOPE.test(scope) || !BARE.test(rest)) throw bad();
    if (rest === prefix || rest.startsWith(`${prefix}-`)) return name;
    return `${scope}/${prefix}-${rest}`;
  }
  if (!BARE.test(name)) throw bad();
  if (name === prefix || name.startsWith(`${prefix}-`)) return name;
  return `${prefix}-${name}`;
}

export const resolveBackendPackage = (input: string): string => resolvePackageName(input, BACKEND_PREFIX);
export const resolvePluginPackage = (input: string): string => resolvePackageName(input, PLUGIN_PREFIX);

/** The inverse: the shortest name that resolves back to `packageName` (what `td sync init` writes). */
export function shortPackageName(packageName: string, prefix = BACKEND_PREFIX): string {
  const m = /^(@[^/]+\/)?(.*)$/.exec(packageName)!;
  const scope = m[1] ? m[1].slice(0, -1) : '';
  const rest = m[2]!;
  if (rest === prefix) return scope || packageName;
  if (rest.startsWith(`${prefix}-`)) {
    const short = rest.slice(prefix.length + 1);
    if (short === prefix || short.startsWith(`${prefix}-`)) return packageName; // would not round-trip
    return scope ? `${scope}/${short}` : short;
  }
  return packageName;
}

/** Does an installed package's name follow the convention for `prefix`? (`td-sync-backend-x`, `@s/td-sync-backend[-x]`) */
export function followsConvention(packageName: string, prefix = BACKEND_PREFIX): boolean {
  const m = /^(@[^/]+\/)?(.+)$/.exec(packageName);
  if (!m) return false;
  const rest = m[2]!;
  return rest.startsWith(`${prefix}-`) || (!!m[1] && rest === prefix);
}
