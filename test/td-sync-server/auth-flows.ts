/**
 * The login flows of td-sync (spec §2.2-2.5): device login with PKCE (what `td auth login` uses),
 * the legacy user-code flow (off by default) and the web magic-link flow. Challenges live in
 * memory, like short-lived state of the real server; users and keys live in the store.
 */
import {createHash, randomBytes, randomInt} from 'node:crypto';
import {ApiError, badRequest, field} from './wire.js';
import {sha256, type ServerStore} from './store.js';

export interface SentEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  purpose: 'device_login' | 'web_login';
  trace_id: string;
}

interface DeviceChallenge {
  deviceCodeHash: string;
  codeChallenge: string;
  userId: string;
  email: string;
  selector: string;
  secretHash: string;
  state: 'pending' | 'verified' | 'consumed' | 'expired';
  expiresAt: number;
}

interface LegacyCode {
  deviceCode: string;
  userCode: string;
  email: string;
  state: 'pending' | 'verified' | 'used';
  userId?: string;
  expiresAt: number;
}

interface WebToken {
  selector: string;
  secretHash: string;
  stateHash: string;
  userId: string;
  used: boolean;
  expiresAt: number;
}

const hex = (n: number) => randomBytes(n).toString('hex');
const base64url = (buf: Buffer) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const TTL_MS = 15 * 60_000;
const USER_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** A pragmatic RFC 5322 address check (Go's net/mail would accept a little more). */
const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+$/;

export interface AuthFlowOptions {
  emailBaseUrl: string;
  baseUrl: string;
  allowSignup: boolean;
  legacyEnabled: boolean;
  webCallbackUrl?: string;
  now: () => number;
}

export class AuthFlows {
  readonly emails: SentEmail[] = [];
  private device = new Map<string, DeviceChallenge>(); // by device code hash
  private legacy = new Map<string, LegacyCode>(); // by device code
  private web = new Map<string, WebToken>(); // by selector
  private lastEmailAt = new Map<string, number>(); // per (purpose, lower-cased email)

  constructor(
    private readonly store: ServerStore,
    private readonly opts: AuthFlowOptions,
  ) {}

  private validEmail(body: Record<string, unknown>): string {
    const email = String(field(body, 'email', 'string') ?? '').trim();
    if (!EMAIL.test(email)) throw badRequest('valid email is required');
    return email;
  }

  /** One email per address per minute; excess is silently swallowed (non-enumeration). */
  private throttled(purpose: string, email: string): boolean {
    const k = `${purpose}:${email.toLowerCase()}`;
    const last = this.lastEmailAt.get(k);
    const t = this.opts.now();
    if (last !== undefined && t - last < 60_000) return true;
    this.lastEmailAt.set(k, t);
    return false;
  }

  private send(email: SentEmail): void {
    this.emails.push(email);
  }

  // ---- device flow (PKCE) ----
  deviceStart(body: Record<string, unknown>): unknown {
    const email = this.validEmail(body);
    const challenge = String(field(body, 'code_challenge', 'string') ?? '');
    if (!challenge) throw badRequest('code_challenge is required');
    if (field(body, 'code_challenge_method', 'string') !== 'S256') throw badRequest('code_challenge_method must be S256');
    field(body, 'device_name', 'string');
    const deviceCode = hex(32);
    const generic = {device_code: deviceCode, expires_in: 900, interval: 5, email_sent: true};
    const user = this.store.userByEmail(email);
    if (!user || this.throttled('device', email)) return generic; // unregistered code: polls pending forever
    const selector = hex(16);
    const secret = hex(32);
    this.device.set(sha256(deviceCode), {
      deviceCodeHash: sha256(deviceCode),
      codeChallenge: challenge,
      userId: user.id,
      email: user.email,
      selector,
      secretHash: sha256(secret),
      state: 'pending',
      expiresAt: this.opts.now() + TTL_MS,
    });
    const link = `${this.opts.emailBaseUrl}/auth/device/approve?token=${selector}.${secret}`;
    this.send({
      to: user.email,
      subject: 'Approve your td login',
      text: `Approve this device login by opening:\n\n${link}\n\nThe link expires in 15 minutes.`,
      html: `<p>Approve this device login: <a href="${link}">${link}</a></p>`,
      purpose: 'device_login',
      trace_id: hex(8),
    });
    return generic;
  }

  /** GET /auth/device/approve: always HTML; returns [status, title, message]. */
  deviceApprove(token: string | null): [number, string, string] {
    const dot = token ? token.indexOf('.') : -1;
    if (!token || dot <= 0 || dot === token.length - 1) return [400, 'Invalid link', 'Invalid link.'];
    const selector = token.slice(0, dot);
    const secret = token.slice(dot + 1);
    const c = [...this.device.values()].find((d) => d.selector === selector);
    if (!c || c.secretHash !== sha256(secret)) return [200, 'Invalid link', 'Invalid or expired link.'];
    if (c.state !== 'pending') return [200, 'Link already used', 'This link has already been used.'];
    if (this.opts.now() > c.expiresAt) return [200, 'Link expired', 'This link has expired.'];
    c.state = 'verified';
    this.store.markVerified(c.userId);
    return [200, 'Device approved', 'Device approved. You can return to your terminal.'];
  }

  devicePoll(body: Record<string, unknown>): unknown {
    const deviceCode = String(field(body, 'device_code', 'string') ?? '');
    const verifier = String(field(body, 'code_verifier', 'string') ?? '');
    if (!deviceCode || !verifier) throw badRequest('device_code and code_verifier are required');
    const c = this.device.get(sha256(deviceCode));
    if (!c || c.state === 'pending') return {status: 'pending'};
    if (c.state !== 'verified') throw new ApiError(410, 'expired', 'key already issued or login expired');
    const expected = base64url(createHash('sha256').update(verifier, 'ascii').digest());
    if (expected !== c.codeChallenge) throw new ApiError(401, 'invalid_verifier', 'code verifier does not match');
    const user = this.store.userById(c.userId);
    if (!user) throw new ApiError(401, 'invalid_token', 'no user for this login');
    c.state = 'consumed';
    const expiresAt = new Date(this.opts.now() + 365 * 86400_000);
    expiresAt.setUTCMilliseconds(0);
    const {key} = this.store.createKey(user.id, {name: 'device-auth', scopes: ['sync'], expiresAt});
    return {status: 'complete', api_key: key, user_id: user.id, email: user.email, expires_at: expiresAt.toISOString().replace('.000Z', 'Z')};
  }

  // ---- legacy user-code flow ----
  legacyStart(body: Record<string, unknown>): unknown {
    if (!this.opts.legacyEnabled) throw new ApiError(410, 'endpoint_disabled', 'legacy device auth is disabled');
    const email = this.validEmail(body);
    if (!this.opts.allowSignup && !this.store.userByEmail(email)) throw new ApiError(403, 'signup_disabled', 'signups are disabled');
    const deviceCode = hex(20);
    const userCode = Array.from({length: 6}, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
    this.legacy.set(deviceCode, {deviceCode, userCode, email, state: 'pending', expiresAt: this.opts.now() + TTL_MS});
    return {device_code: deviceCode, user_code: userCode, verification_uri: `${this.opts.baseUrl}/auth/verify`, expires_in: 900, interval: 5};
  }

  legacyPoll(body: Record<string, unknown>): unknown {
    if (!this.opts.legacyEnabled) throw new ApiError(410, 'endpoint_disabled', 'legacy device auth is disabled');
    const deviceCode = String(field(body, 'device_code', 'string') ?? '');
    if (!deviceCode) throw badRequest('device_code is required');
    const c = this.legacy.get(deviceCode);
    if (!c) throw new ApiError(404, 'not_found', 'unknown device code');
    if (c.state === 'used') throw new ApiError(410, 'already_used', 'device code already used');
    if (this.opts.now() > c.expiresAt) throw new ApiError(410, 'expired', 'device code expired');
    if (c.state === 'pending') return {status: 'pending'};
    c.state = 'used';
    const user = this.store.userById(c.userId!)!;
    const expiresAt = new Date(this.opts.now() + 365 * 86400_000);
    expiresAt.setUTCMilliseconds(0);
    const {key} = this.store.createKey(user.id, {name: 'device-auth', scopes: ['sync'], expiresAt});
    return {status: 'complete', api_key: key, user_id: user.id, email: user.email, expires_at: expiresAt.toISOString().replace('.000Z', 'Z')};
  }

  /** POST /auth/verify form: `user_code` (dashes stripped, upper-cased). Returns an HTML message. */
  legacyVerify(userCodeRaw: string): [number, string] {
    const userCode = userCodeRaw.replace(/-/g, '').toUpperCase();
    if (!/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/.test(userCode)) return [400, 'Invalid code.'];
    const c = [...this.legacy.values()].find((l) => l.userCode === userCode && l.state === 'pending');
    if (!c || this.opts.now() > c.expiresAt) return [200, 'Invalid or expired code.'];
    let user = this.store.userByEmail(c.email);
    if (!user) {
      if (!this.opts.allowSignup) return [200, 'Signups are disabled.'];
      user = this.store.createUser(c.email);
    }
    c.userId = user.id;
    c.state = 'verified';
    return [200, 'Device verified. You can return to your terminal.'];
  }

  /** Test hook: expire a legacy code. */
  expireLegacy(deviceCode: string): void {
    const c = this.legacy.get(deviceCode);
    if (c) c.expiresAt = 0;
  }

  // ---- web magic-link flow ----
  webStart(body: Record<string, unknown>): unknown {
    const email = this.validEmail(body);
    const redirect = String(field(body, 'redirect_uri', 'string') ?? '');
    const state = String(field(body, 'state', 'string') ?? '');
    if (this.opts.webCallbackUrl && redirect !== this.opts.webCallbackUrl) throw badRequest('redirect_uri is not allowed');
    const generic = {status: 'email_sent_if_allowed', expires_in: 900, retry_after: 60};
    let user = this.store.userByEmail(email);
    if (!user && this.opts.allowSignup) user = this.store.createUser(email);
    if (!user || this.throttled('web', email)) return generic;
    const selector = hex(16);
    const secret = hex(32);
    this.web.set(selector, {selector, secretHash: sha256(secret), stateHash: sha256(state), userId: user.id, used: false, expiresAt: this.opts.now() + TTL_MS});
    const link = `${this.opts.webCallbackUrl ?? redirect}?token=${selector}.${secret}`;
    this.send({to: user.email, subject: 'Sign in to td-watch', text: `Sign in:\n\n${link}\n`, html: `<a href="${link}">Sign in</a>`, purpose: 'web_login', trace_id: hex(8)});
    return generic;
  }

  webExchange(body: Record<string, unknown>): unknown {
    const token = String(field(body, 'token', 'string') ?? '');
    const state = String(field(body, 'state', 'string') ?? '');
    const dot = token.indexOf('.');
    if (dot <= 0 || dot === token.length - 1) throw badRequest('malformed token');
    const t = this.web.get(token.slice(0, dot));
    if (!t || t.secretHash !== sha256(token.slice(dot + 1))) throw new ApiError(401, 'invalid_token', 'invalid token');
    if (t.used) throw new ApiError(401, 'token_replayed', 'token already used');
    if (this.opts.now() > t.expiresAt) throw new ApiError(401, 'token_expired', 'token expired');
    if (t.stateHash !== sha256(state)) throw new ApiError(401, 'invalid_state', 'state mismatch');
    t.used = true;
    const user = this.store.userById(t.userId)!;
    const expiresAt = new Date(this.opts.now() + 30 * 86400_000);
    expiresAt.setUTCMilliseconds(0);
    const {key} = this.store.createKey(user.id, {name: 'td-watch-web', scopes: ['sync'], expiresAt});
    return {status: 'complete', api_key: key, user_id: user.id, email: user.email, expires_at: expiresAt.toISOString().replace('.000Z', 'Z')};
  }

  /** Test hook: expire a web token. */
  expireWeb(selector: string): void {
    const t = this.web.get(selector);
    if (t) t.expiresAt = 0;
  }
}
