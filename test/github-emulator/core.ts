import type {GraphQLSchema} from 'graphql';
import {Clock} from './clock.js';
import type {TokenRecord} from './context.js';
import {Faults} from './faults.js';
import {seededRandom} from './ids.js';
import {DEFAULT_LIMITS, type EmulatorLimits} from './limits.js';
import {GitHubModel} from './model.js';
import {RateLimits} from './ratelimit.js';
import {githubSchema} from './schema.js';

export interface RequestLogEntry {
  /** When the request arrived, on the emulator's clock (ISO). */
  at: string;
  operation: string | null;
  mutation: boolean;
  /** The request holds a content-creating mutation (createIssue, addComment). */
  contentCreating: boolean;
  /** Primary points charged (0 when refused before charging). */
  cost: number;
  nodes: number;
  /** HTTP status; 0 when the connection was reset by an injected fault. */
  status: number;
  rateLimited?: 'primary' | 'secondary' | null;
  /** Wall time spent answering, in milliseconds. */
  durationMs?: number;
}

export interface CoreOptions {
  now?: () => Date;
  startAt?: Date;
  freezeClock?: boolean;
  limits?: Partial<EmulatorLimits>;
  seed?: number;
}

/** The emulator's state and services, independent of HTTP. */
export class EmulatorCore {
  readonly schema: GraphQLSchema = githubSchema();
  readonly limits: EmulatorLimits;
  readonly clock: Clock;
  readonly model: GitHubModel;
  readonly rateLimits: RateLimits;
  readonly faults: Faults;
  readonly tokens = new Map<string, TokenRecord>();
  readonly requestLog: RequestLogEntry[] = [];
  private requestSeq = 0;

  constructor(opts: CoreOptions = {}) {
    this.limits = {...DEFAULT_LIMITS, ...opts.limits};
    this.clock = new Clock(opts.now, opts.startAt?.getTime(), opts.freezeClock ?? false);
    const seed = opts.seed ?? 1;
    this.model = new GitHubModel(this.limits, () => this.clock.nowSeconds(), seededRandom(seed), () => this.clock.nowMs());
    this.rateLimits = new RateLimits(this.limits, () => this.clock.nowMs());
    this.faults = new Faults(seed);
  }

  nextRequestId(): string {
    this.requestSeq++;
    return `E${this.requestSeq.toString(16).toUpperCase().padStart(4, '0')}:EMU:${(0xa000 + this.requestSeq).toString(16).toUpperCase()}`;
  }

  addToken(token: string, opts: {scopes?: string[]; login?: string; permissions?: TokenRecord['permissions']; kind?: TokenRecord['kind']} = {}): TokenRecord {
    const kind = opts.kind ?? (token.startsWith('ghs_') ? 'app' : opts.permissions ? 'fine-grained' : 'classic');
    const permissions = opts.permissions ?? (kind === 'classic' ? undefined : {issues: 'write' as const});
    const rec: TokenRecord = {token, login: opts.login ?? 'octocat', scopes: kind === 'classic' ? (opts.scopes ?? ['repo']) : [], kind, ...(permissions ? {permissions} : {})};
    this.model.user(rec.login);
    this.tokens.set(token, rec);
    return rec;
  }
}
