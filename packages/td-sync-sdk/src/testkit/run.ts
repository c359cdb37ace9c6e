/**
 * Running the scenarios: as plain `{name, run}` cases for any test runner, registered on a runner's
 * `test(title, fn)` (ava, node:test, vitest, jest), or all at once with a report.
 */
import type {ConformanceOptions, ScenarioId} from './options.js';
import {Scenario} from './harness.js';
import {SCENARIOS} from './scenarios.js';

export interface ConformanceCase {
  /** `<backend> conformance: <scenario title>` */
  name: string;
  scenario: ScenarioId;
  /** Resolves when the scenario passes; rejects with a ConformanceFailure naming what was wrong. */
  run(): Promise<void>;
}

/** The scenarios that apply to these options, as runner-agnostic cases. */
export function conformanceCases<Remote>(options: ConformanceOptions<Remote>): ConformanceCase[] {
  if (!options.create && !(options.definition && options.config)) {
    throw new TypeError('runConformance needs create(remote, context), or definition with config(remote)');
  }
  const sw = options.switches ?? {};
  const enabled = (id: ScenarioId) => {
    if (sw.only && !sw.only.includes(id)) return false;
    if (sw.skip?.includes(id)) return false;
    if (id === 'rate-limit') return typeof options.rateLimit === 'function';
    if (id === 'bad-credentials') return typeof options.badCredentials === 'function';
    if (id === 'large-payload') return sw.largePayloadBytes !== false;
    return true;
  };
  return SCENARIOS.filter((d) => enabled(d.id)).map((d) => ({
    name: `${options.name} conformance: ${d.id} (${d.title})`,
    scenario: d.id,
    async run() {
      const remote = await options.freshRemote();
      try {
        await d.run(new Scenario(options, d.id, remote));
      } finally {
        await options.disposeRemote?.(remote);
      }
    },
  }));
}

/** Any runner's `test(title, fn)`; ava's `t.pass()` is called when the scenario passes. */
export type TestRegistrar = (title: string, implementation: (t?: any) => Promise<void>) => unknown;

export interface ConformanceReport {
  passed: string[];
  failed: Array<{name: string; scenario: ScenarioId; error: Error}>;
}

/**
 * With `test`: register one test per scenario on your runner (returns nothing to await).
 * Without: run every scenario in turn and resolve to a report (never rejects for a failure).
 */
export function runConformance<Remote>(options: ConformanceOptions<Remote> & {test: TestRegistrar}): void;
export function runConformance<Remote>(options: ConformanceOptions<Remote>): Promise<ConformanceReport>;
export function runConformance<Remote>(options: ConformanceOptions<Remote> & {test?: TestRegistrar}): void | Promise<ConformanceReport> {
  const cases = conformanceCases(options);
  const {test} = options;
  if (test) {
    for (const c of cases) {
      test(c.name, async (t?: {pass?: () => void}) => {
        await c.run();
        t?.pass?.();
      });
    }
    return;
  }
  return (async () => {
    const report: ConformanceReport = {passed: [], failed: []};
    for (const c of cases) {
      try {
        await c.run();
        report.passed.push(c.name);
      } catch (error) {
        report.failed.push({name: c.name, scenario: c.scenario, error: error as Error});
      }
    }
    return report;
  })();
}

/** ava: `avaConformance(test, {...})` in a test file registers every scenario as a test. */
export function avaConformance<Remote>(test: TestRegistrar, options: ConformanceOptions<Remote>): void {
  runConformance({...options, test});
}
