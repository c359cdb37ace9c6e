/**
 * td's credentials, exactly as the Go td keeps them (spec §2.6): `TD_AUTH_KEY` wins, else
 * `~/.config/td/auth.json` `{api_key, user_id, email, server_url, device_id, expires_at}`, mode
 * 0600. And the device login with PKCE that `td auth login` runs (spec §2.2).
 */
import {createHash, randomBytes} from 'node:crypto';
import {hostname} from 'node:os';
import {AuthError, type CredentialStore, type JsonObject} from 'td-sync-sdk';
import type {TdSyncClient} from './client.js';

export const AUTH_FILE = 'auth.json';

export interface AuthFile {
  api_key: string;
  user_id: string;
  email: string;
  server_url: string;
  device_id: string;
  expires_at: string;
}

export interface ResolvedAuth {
  apiKey?: string;
  source: 'env' | 'file' | 'none';
  file?: Partial<AuthFile>;
}

/**
 * TD_AUTH_KEY > auth.json api_key. Every key found is registered for redaction. With `forUrl`
 * (the server this run talks to), the saved key is scoped to the server it was issued by: a
 * project config naming another host must not carry the user's key there unseen.
 */
export async function resolveAuth(credentials: CredentialStore, forUrl?: string): Promise<ResolvedAuth> {
  const file = (await credentials.readFile(AUTH_FILE)) as Partial<AuthFile> | undefined;
  const envKey = credentials.env('TD_AUTH_KEY');
  if (file?.api_key) credentials.redact(file.api_key);
  if (envKey) {
    credentials.redact(envKey);
    return {apiKey: envKey, source: 'env', file};
  }
  if (file?.api_key) {
    const savedFor = hostOf(file.server_url);
    const wanted = hostOf(forUrl);
    if (savedFor && wanted && savedFor !== wanted) {
      throw new AuthError(`the td-sync key saved by "td auth login" is for ${savedFor}, but this project syncs with ${wanted} (sync.http.url); td will not send it to another host`, {
        code: 'auth_host_mismatch',
        hint: `if you trust ${wanted}, run "td auth login --server ${forUrl}" or export TD_AUTH_KEY for it; otherwise fix sync.http.url`,
      });
    }
    return {apiKey: file.api_key, source: 'file', file};
  }
  return {source: 'none', file};
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** 16 random bytes as 32 lowercase hex: td's device id format. */
export const newDeviceId = () => randomBytes(16).toString('hex');

const base64url = (buf: Buffer) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** PKCE S256: verifier = base64url-no-pad(32 random bytes); challenge = base64url-no-pad(SHA-256(verifier)). */
export function pkcePair(): {verifier: string; challenge: string} {
  const verifier = base64url(randomBytes(32));
  return {verifier, challenge: pkceChallenge(verifier)};
}

export function pkceChallenge(verifier: string): string {
  return base64url(createHash('sha256').update(verifier, 'ascii').digest());
}

/** What `td auth status` may show of a key: its first 12 characters (td does the same). */
export const keyPreview = (key: string) => `${key.slice(0, 12)}...`;

export interface DeviceLoginOptions {
  client: TdSyncClient;
  email: string;
  deviceName?: string;
  /** Told once the email is on its way (the user must click the link in it). */
  onStarted?: (info: {email: string; expiresInS: number}) => void;
  /** Called per `pending` poll (td prints a dot). */
  onPending?: () => void;
  sleep?: (ms: number) => Promise<void>;
  /** Overrides the server's poll interval (tests). */
  pollIntervalMs?: number;
  now?: () => number;
}

export interface LoginResult {
  api_key: string;
  user_id: string;
  email: string;
  expires_at: string;
}

/** td's device login loop: start, then sleep `interval` before each poll until complete or expiry. */
export async function deviceLogin(options: DeviceLoginOptions): Promise<LoginResult> {
  const {client} = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const {verifier, challenge} = pkcePair();
  let host = '';
  try {
    host = hostname();
  } catch {
    /* td falls back to plain "td-cli" */
  }
  const start = await client.request<{device_code: string; expires_in: number; interval: number}>('POST', '/v1/auth/device/start', {
    body: {email: options.email, code_challenge: challenge, code_challenge_method: 'S256', device_name: options.deviceName ?? (host ? `td-cli@${host}` : 'td-cli')},
    idempotent: false,
    auth: false,
    what: 'login start',
  });
  const expiresInS = start.body.expires_in > 0 ? start.body.expires_in : 900;
  const intervalMs = options.pollIntervalMs ?? (start.body.interval >= 1 ? start.body.interval : 5) * 1000;
  options.onStarted?.({email: options.email, expiresInS});
  const deadline = now() + expiresInS * 1000;
  for (;;) {
    await sleep(intervalMs);
    if (now() > deadline) throw new AuthError('login expired before approval', {code: 'http_login_expired', hint: 'run "td auth login" again and open the link in the email within 15 minutes'});
    // Any non-2xx poll aborts the login, as in td.
    const poll = await client.request<JsonObject>('POST', '/v1/auth/device/poll', {
      body: {device_code: start.body.device_code, code_verifier: verifier},
      idempotent: false,
      auth: false,
      what: 'login poll',
    });
    const status = poll.body?.status;
    if (status === 'pending') {
      options.onPending?.();
      continue;
    }
    if (status === 'complete') {
      const b = poll.body as unknown as LoginResult;
      return {api_key: b.api_key, user_id: b.user_id, email: b.email || options.email, expires_at: b.expires_at};
    }
    throw new AuthError(`unexpected login status from ${client.url}: ${JSON.stringify(status)}`, {code: 'http_login_failed', hint: 'run "td auth login" again'});
  }
}

/** The auth.json td writes after a login (device id kept from an earlier login). */
export function authFileFor(result: LoginResult, serverUrl: string, existing?: Partial<AuthFile>): AuthFile {
  return {
    api_key: result.api_key,
    user_id: result.user_id,
    email: result.email,
    server_url: serverUrl,
    device_id: existing?.device_id && /^[0-9a-f]{32}$/.test(existing.device_id) ? existing.device_id : newDeviceId(),
    expires_at: result.expires_at,
  };
}
