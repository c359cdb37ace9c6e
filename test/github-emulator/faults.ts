import {seededRandom} from './ids.js';

/**
 * Fault injection (spec §4.7). A fault fires on matching events: `count` times (default 1, or
 * unlimited when only `probability` is given), each time with `probability` (default 1, drawn from
 * the emulator's seeded PRNG), after letting `skip` matching events pass. `match` narrows it to a
 * request whose operation name or top-level field (name or alias) equals it; for field faults, to
 * that mutation field.
 *
 * Request faults (checked once per GraphQL request, before execution unless noted):
 *   rate-limited          200, `errors[{type: RATE_LIMITED}]`, no data, `x-ratelimit-remaining: 0`
 *   rate-limit-variant    the same with `type: RATE_LIMIT` (plugin-throttling#824)
 *   rate-limited-403      the primary limit answered as a 403 "API rate limit exceeded…" (GitHub sometimes does)
 *   secondary-403         403 "secondary rate limit" with `retry-after` (default 60 s)
 *   secondary-403-no-retry-after   the same without `retry-after`
 *   secondary-429         429 "secondary rate limit" with `retry-after`
 *   429                   429 plain ("Too Many Requests"; no "secondary" wording)
 *   abuse-403             403 "You have triggered an abuse detection mechanism…" with `retry-after`
 *                         (the older wording, which plugin-throttling does not recognise)
 *   secondary-200         200 whose `errors[0].message` is the secondary-limit message
 *   something-went-wrong  200 "Something went wrong while executing your query…", data null
 *   502 / 504             the status with the "Something went wrong" body, nothing applied
 *   apply-then-502 / apply-then-504   execute (mutations applied), then answer 502 / 504
 *   timeout               execute, hold the answer `delayMs` (default 10 s), then 504
 *   resource-limits       execute, then null the last top-level field with RESOURCE_LIMITS_EXCEEDED
 *   bad-credentials       401 "Bad credentials"
 *   network-reset         destroy the socket without an answer
 *   delay                 hold the request `delayMs` before handling it normally (it counts as in flight);
 *                         past `limits.requestTimeoutMs` (10 s) it is killed with a 502, nothing applied
 * Field faults (per mutation or lookup field during execution):
 *   submitted-too-quickly `UNPROCESSABLE` "was submitted too quickly" on that mutation only; the
 *                         rest of an aliased batch runs (partial data)
 *   not-found             `repository(...)` / `node(id:)` answers null with `NOT_FOUND`
 */
export const REQUEST_FAULTS = [
  'rate-limited',
  'rate-limit-variant',
  'rate-limited-403',
  'secondary-403',
  'secondary-403-no-retry-after',
  'secondary-429',
  '429',
  'abuse-403',
  'secondary-200',
  'something-went-wrong',
  '502',
  '504',
  'apply-then-502',
  'apply-then-504',
  'timeout',
  'resource-limits',
  'bad-credentials',
  'network-reset',
] as const;
export const FIELD_FAULTS = ['submitted-too-quickly', 'not-found'] as const;
export type FaultKind = (typeof REQUEST_FAULTS)[number] | (typeof FIELD_FAULTS)[number] | 'delay';

export interface FaultSpec {
  kind: FaultKind | string;
  count?: number;
  probability?: number;
  match?: string;
  skip?: number;
  delayMs?: number;
  retryAfter?: number;
}

interface ActiveFault extends FaultSpec {
  left: number;
  skipLeft: number;
}

const KNOWN = new Set<string>([...REQUEST_FAULTS, ...FIELD_FAULTS, 'delay']);

export class Faults {
  private active: ActiveFault[] = [];
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed ^ 0x5eed);
  }

  inject(f: FaultSpec): void {
    if (!KNOWN.has(f.kind)) throw new Error(`Unknown fault kind "${f.kind}": use one of ${[...KNOWN].join(', ')}`);
    if (f.probability !== undefined && !(f.probability >= 0 && f.probability <= 1)) throw new Error(`Fault probability ${f.probability} is not within 0..1`);
    const left = f.count ?? (f.probability !== undefined ? Infinity : 1);
    this.active.push({...f, left, skipLeft: f.skip ?? 0});
  }

  clear(): void {
    this.active = [];
  }

  list(): FaultSpec[] {
    return this.active.map(({left: _l, skipLeft: _s, ...f}) => f);
  }

  /** The first fault among `kinds` that fires for an event carrying `names`; consumes one use. */
  take(kinds: readonly string[], names: ReadonlyArray<string | null | undefined>): FaultSpec | null {
    for (const f of this.active) {
      if (!kinds.includes(f.kind)) continue;
      if (f.match !== undefined && !names.includes(f.match)) continue;
      if (f.skipLeft > 0) {
        f.skipLeft--;
        continue;
      }
      if (f.probability !== undefined && this.random() >= f.probability) continue;
      f.left--;
      if (f.left <= 0) this.active = this.active.filter(x => x !== f);
      return f;
    }
    return null;
  }
}
