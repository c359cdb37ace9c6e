/**
 * Secrets never reach stdout, stderr, logs or `--json`: every secret the process learns (tokens
 * from the environment, `gh auth token`, credential files) is registered here, and every writer
 * passes its text through `redactSecrets`.
 */
const secrets = new Set<string>();

/** Remember a secret (ignored when too short to be one, to avoid masking ordinary words). */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 8) secrets.add(secret);
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

/** Register the well-known token variables of an environment. */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN', 'TD_AUTH_KEY', 'TD_GITHUB_TOKEN']) registerSecret(env[name]);
}
