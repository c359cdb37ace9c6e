/**
 * Fault injection for reliability tests: the next matching request(s) get an error status (with
 * either envelope shape, optionally a Retry-After), a dropped connection, or a slow answer; a fault
 * may fire after the handler committed (td-sync's "500 after commit", spec §5.1).
 */
export type FaultKind =
  | {kind: 'status'; status: number; code?: string; message?: string; retryAfter?: string; envelope?: 'nested' | 'flat' | 'text'}
  | {kind: 'drop'}
  | {kind: 'delay'; ms: number};

export type Fault = FaultKind & {
  /** Method and path filter (a RegExp on the path, or a substring). Defaults to every request. */
  method?: string;
  path?: RegExp | string;
  /** How many requests it hits (default 1; Infinity for "server down"). */
  times?: number;
  /** Run the real handler first (its effects are committed), then answer with the fault. */
  afterCommit?: boolean;
};

export class Faults {
  private queue: Array<Fault & {left: number; idx: number}> = [];
  /** How many times each fault fired, in the order added. */
  readonly fired: number[] = [];

  /** Add a fault; returns its index in `fired`. */
  add(fault: Fault): number {
    this.queue.push({...fault, left: fault.times ?? 1, idx: this.fired.length});
    this.fired.push(0);
    return this.fired.length - 1;
  }

  clear(): void {
    this.queue = [];
  }

  get pending(): number {
    return this.queue.filter((f) => f.left > 0).length;
  }

  /** The fault for this request, if any (consumes one use). */
  take(method: string, path: string): Fault | undefined {
    for (let i = 0; i < this.queue.length; i++) {
      const f = this.queue[i];
      if (f.left <= 0) continue;
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (f.path !== undefined && !(typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))) continue;
      f.left--;
      this.fired[f.idx]++;
      return f;
    }
    return undefined;
  }
}
