/**
 * td fields that become GitHub labels: status (open states only; closed is the issue state),
 * priority and type, each under one prefix (`td:`). One pure table each way, so push and pull
 * can never disagree about a name.
 */

export type LabelKind = 'status' | 'priority' | 'type' | 'managed';

export const STATUSES = ['open', 'in_progress', 'blocked', 'in_review'] as const;
export const PRIORITIES = ['P0', 'P1', 'P2', 'P3', 'P4'] as const;
export const TYPES = ['task', 'bug', 'feature', 'epic', 'chore'] as const;

const COLORS: Record<LabelKind, string> = {status: '1d76db', priority: 'd93f0b', type: '5319e7', managed: 'bfdadc'};

const DESCRIPTIONS: Record<LabelKind, string> = {
  status: 'td status (managed by td sync)',
  priority: 'td priority (managed by td sync)',
  type: 'td type (managed by td sync)',
  managed: 'Issue mirrored from a td task (managed by td sync)',
};

export interface LabelSpec {
  name: string;
  kind: LabelKind;
  value: string;
  color: string;
  description: string;
}

export class LabelScheme {
  constructor(readonly prefix: string, readonly managed: string) {}

  status(status: string): string | undefined {
    if (!(STATUSES as readonly string[]).includes(status)) return undefined;
    return `${this.prefix}${status.replace(/_/g, '-')}`;
  }

  priority(priority: string): string | undefined {
    const p = priority.toUpperCase();
    return (PRIORITIES as readonly string[]).includes(p) ? `${this.prefix}${p.toLowerCase()}` : undefined;
  }

  type(type: string): string | undefined {
    return (TYPES as readonly string[]).includes(type) ? `${this.prefix}${type}` : undefined;
  }

  /** The td-owned labels an issue with these fields carries (always the managed label). */
  forIssue(fields: {status?: unknown; priority?: unknown; type?: unknown}): string[] {
    const out = [this.managed];
    const s = this.status(String(fields.status ?? ''));
    if (s) out.push(s);
    const p = this.priority(String(fields.priority ?? ''));
    if (p) out.push(p);
    const t = this.type(String(fields.type ?? ''));
    if (t) out.push(t);
    return out;
  }

  /** What a label means to td, or undefined for a person's own label. */
  classify(name: string): LabelSpec | undefined {
    if (name === this.managed) return this.spec('managed', '', name);
    if (!name.startsWith(this.prefix)) return undefined;
    const rest = name.slice(this.prefix.length).toLowerCase();
    const status = rest.replace(/-/g, '_');
    if ((STATUSES as readonly string[]).includes(status)) return this.spec('status', status, name);
    if (/^p[0-4]$/.test(rest)) return this.spec('priority', rest.toUpperCase(), name);
    if ((TYPES as readonly string[]).includes(rest)) return this.spec('type', rest, name);
    return undefined;
  }

  isOwned(name: string): boolean {
    return this.classify(name) !== undefined;
  }

  spec(kind: LabelKind, value: string, name: string): LabelSpec {
    return {name, kind, value, color: COLORS[kind], description: DESCRIPTIONS[kind]};
  }

  /**
   * Read td fields from an issue's labels. When a person added a second label of one kind, the
   * one that was not there before (`previous`) wins: it is the newer intent.
   */
  read(names: readonly string[], previous: readonly string[] = []): {status?: string; priority?: string; type?: string} {
    const out: {status?: string; priority?: string; type?: string} = {};
    for (const kind of ['status', 'priority', 'type'] as const) {
      const found = names.map((n) => this.classify(n)).filter((s): s is LabelSpec => s?.kind === kind);
      if (found.length === 0) continue;
      const fresh = found.filter((s) => !previous.includes(s.name));
      const pick = (fresh.length > 0 ? fresh : found).map((s) => s.value).sort()[0];
      if (pick !== undefined) out[kind] = pick;
    }
    return out;
  }
}
