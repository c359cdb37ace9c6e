/**
 * Where the token comes from: GITHUB_TOKEN, then GH_TOKEN, then `gh auth token` when the GitHub
 * CLI is installed. The token is registered with the host's redactor at once and is never stored
 * in config, state, logs or errors.
 */
import {execFile} from 'node:child_process';
import {AuthError, type CredentialStore} from 'td-sync-sdk';

export type TokenSource = 'GITHUB_TOKEN' | 'GH_TOKEN' | 'gh auth token';

export interface ResolvedToken {
  token: string;
  source: TokenSource;
}

/** `gh auth token [--hostname host]`; undefined when gh is missing, logged out or slow. */
export function ghAuthToken(hostname: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const args = ['auth', 'token'];
  if (hostname && hostname !== 'github.com') args.push('--hostname', hostname);
  return new Promise((resolve) => {
    try {
      execFile('gh', args, {timeout: 5_000, env, windowsHide: true}, (error, stdout) => {
        const token = String(stdout ?? '').trim();
        resolve(error || !token ? undefined : token);
      });
    } catch {
      resolve(undefined);
    }
  });
}

/** The GitHub web host for a REST base URL (gh keys its tokens by host). */
export function hostOf(baseUrl: string): string {
  const u = new URL(baseUrl);
  return u.hostname === 'api.github.com' ? 'github.com' : u.host;
}

export async function resolveToken(
  credentials: CredentialStore,
  baseUrl: string,
  gh: (host: string) => Promise<string | undefined> = (host) => ghAuthToken(host),
): Promise<ResolvedToken> {
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN'] as const) {
    const v = credentials.env(name)?.trim();
    if (v) {
      credentials.redact(v);
      return {token: v, source: name};
    }
  }
  const fromGh = await gh(hostOf(baseUrl));
  if (fromGh) {
    credentials.redact(fromGh);
    return {token: fromGh, source: 'gh auth token'};
  }
  throw new AuthError('No GitHub token: GITHUB_TOKEN and GH_TOKEN are unset and "gh auth token" gave none', {
    code: 'github_token_missing',
    hint: 'export GITHUB_TOKEN=<a token with Issues read/write on the repository>, or run "gh auth login"',
    details: {sources: ['GITHUB_TOKEN', 'GH_TOKEN', 'gh auth token']},
  });
}
