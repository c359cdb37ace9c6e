import type {GitHubModel, User} from './model.js';
import type {EmulatorLimits} from './limits.js';
import type {Faults} from './faults.js';
import type {PrimaryState, RateLimits} from './ratelimit.js';

/**
 * A token the emulator accepts. Classic tokens carry OAuth `scopes` (`repo` reads and writes
 * private repositories, `public_repo` only public ones); fine-grained tokens carry `permissions`
 * instead and are refused with FORBIDDEN "Resource not accessible by personal access token"; GitHub
 * App installation tokens (`app`, e.g. `ghs_…`) carry permissions too and are refused with
 * "Resource not accessible by integration".
 */
export interface TokenRecord {
  token: string;
  login: string;
  scopes: string[];
  permissions?: {issues?: 'none' | 'read' | 'write'};
  kind?: 'classic' | 'fine-grained' | 'app';
}

/** Everything a resolver needs for one GraphQL request. */
export interface RequestContext {
  model: GitHubModel;
  limits: EmulatorLimits;
  faults: Faults;
  rateLimits: RateLimits;
  viewer: User;
  token: TokenRecord;
  requestId: string;
  /** This request's analysis, for `rateLimit { cost nodeCount }`. */
  cost: number;
  nodeCount: number;
  primary: () => PrimaryState;
  /** Content-creating mutations this request applied (for the request log). */
  contentCreated: number;
  /** The mutation field being resolved (for GitHub's permission messages). */
  currentMutation?: string;
}
