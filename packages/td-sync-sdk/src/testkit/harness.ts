/**
 * A miniature engine the scenarios drive: devices that push, record acks, pull pages and store
 * cursors the way td's engine does, and that can crash (staged state lost, backend dropped).
 */
import {instanceProblems} from '../define.js';
import {isSyncError} from '../errors.js';
import {eventKey} from '../events.js';
import type {PullResult, PushResult, SyncBackend, SyncEvent} from '../types.js';
import {createTestContext, MemoryTargetState, randomDeviceId, randomSessionId, type TestContext} from './context.js';
import {ConformanceFailure, jsonDifference, preview} from './failure.js';
import type {ConformanceOptions} from './options.js';
import {tdLikeEvents, type EventSpec} from './sample.js';

export class Scenario<Remote> {
  constructor(
    readonly options: ConformanceOptions<Remote>,
    readonly name: string,
    readonly remote: Remote,
  ) {}

  fail(problem: string): never {
    throw new ConformanceFailure(this.options.name, this.name, problem);
  }

  check(condition: unknown, problem: string | (() => string)): void {
    if (!condition) this.fail(typeof problem === 'function' ? problem() : problem);
  }

  /** A device on this scenario's remote (a td project with its own device id). */
  async device(label: string): Promise<Device<Remote>> {
    const d = new Device(this, label, randomDeviceId(), randomSessionId(), new MemoryTargetState());
    await d.open();
    return d;
  }

  /** Wrap a backend call so an unexpected throw names the scenario and the step. */
  async step<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ConformanceFailure) throw error;
      const kind = isSyncError(error) ? ` (${error.kind}${error.code !== error.kind ? `/${error.code}` : ''})` : '';
      this.fail(`${what} threw${kind}: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  /** Every sent event arrived exactly once, unchanged; nothing else arrived. */
  expectExactlyOnce(sent: readonly SyncEvent[], received: readonly SyncEvent[], when: string): void {
    const counts = new Map<string, number>();
    for (const e of received) counts.set(eventKey(e), (counts.get(eventKey(e)) ?? 0) + 1);
    const sentKeys = new Set(sent.map(eventKey));
    const missing = sent.filter((e) => !counts.has(eventKey(e)));
    if (missing.length > 0) {
      this.fail(`${when}: ${missing.length} of ${sent.length} events never arrived (first missing: ${describe(missing[0]!)}${missing.length > 1 ? `, ${describe(missing.at(-1)!)}` : ''})`);
    }
    const doubled = [...counts].filter(([, n]) => n > 1);
    if (doubled.length > 0) {
      this.fail(`${when}: ${doubled.length} events arrived more than once (${doubled[0]![0]} arrived ${doubled[0]![1]} times); the backend duplicated them`);
    }
    const strangers = received.filter((e) => !sentKeys.has(eventKey(e)));
    if (strangers.length > 0) this.fail(`${when}: ${strangers.length} events arrived that nobody pushed (first: ${describe(strangers[0]!)})`);
    const byKey = new Map(received.map((e) => [eventKey(e), e]));
    const compare = this.options.compareEvent ?? defaultCompare;
    for (const e of sent) {
      const difference = compare(e, byKey.get(eventKey(e))!);
      if (difference) this.fail(`${when}: event ${eventKey(e)} changed in transit: ${difference}`);
    }
  }
}

function defaultCompare(sent: SyncEvent, received: SyncEvent): string | undefined {
  const strip = ({remoteSeq: _r, sourceAction: _s, ...rest}: SyncEvent) => rest;
  return jsonDifference(strip(sent), strip(received));
}

export const describe = (e: SyncEvent) => `${eventKey(e)} ${e.actionType} ${e.entityType} ${e.entityId}`;

export class Device<Remote> {
  backend!: SyncBackend;
  testContext!: TestContext;
  /** The cursor the "engine" committed after the last applied page. */
  cursor: string | null = null;
  private nextActionId = 1;

  constructor(
    readonly scenario: Scenario<Remote>,
    readonly label: string,
    readonly deviceId: string,
    readonly sessionId: string,
    readonly state: MemoryTargetState,
  ) {}

  /** Start (or restart, after a crash) this device's backend instance. */
  async open(): Promise<void> {
    const {options, remote} = this.scenario;
    this.testContext = createTestContext({
      deviceId: this.deviceId,
      sessionId: this.sessionId,
      state: this.state,
      env: options.env,
      target: `${options.name}:conformance`,
      echoLogs: options.switches?.echoLogs,
    });
    this.backend = await this.scenario.step(`creating the backend for device ${this.label}`, async () => {
      if (options.create) return options.create(remote, this.testContext.context);
      if (!options.definition || !options.config) throw new Error('conformance options need create(), or definition with config()');
      const config = options.definition.validateConfig(options.config(remote), {projectRoot: process.cwd()});
      return options.definition.create(config, this.testContext.context);
    });
    const problems = instanceProblems(this.backend);
    this.scenario.check(problems.length === 0, () => `the backend instance breaks the contract: ${problems.join('; ')}`);
  }

  /** Process exit without warning: staged state is lost, the instance is dropped unclosed. */
  async crashAndRestart(): Promise<void> {
    this.state.rollback();
    await this.open();
  }

  async close(): Promise<void> {
    await this.backend.close?.();
  }

  /** New events authored on this device (increasing clientActionIds). */
  events(count: number, tag: string, extra: Partial<EventSpec> = {}): SyncEvent[] {
    const make = this.scenario.options.makeEvents ?? tdLikeEvents;
    const events = make({deviceId: this.deviceId, sessionId: this.sessionId, firstActionId: this.nextActionId, count, tag, ...extra});
    this.nextActionId += count;
    return events;
  }

  /** Push in batches the backend accepts; every event must be acknowledged (or a duplicate). */
  async push(events: readonly SyncEvent[], what = 'push'): Promise<PushResult> {
    const all: PushResult = {acks: [], rejections: []};
    const batch = this.backend.capabilities.maxPushBatch;
    for (let i = 0; i < events.length; i += batch) {
      const slice = events.slice(i, i + batch);
      const result = await this.scenario.step(`${what} of ${slice.length} events from device ${this.label}`, () => this.backend.push(slice));
      this.checkPushResult(slice, result, what);
      all.acks.push(...result.acks);
      all.rejections.push(...result.rejections);
      this.state.commit(); // the engine records acks and staged state in one transaction
    }
    return all;
  }

  checkPushResult(sent: readonly SyncEvent[], result: PushResult, what: string): void {
    const s = this.scenario;
    s.check(result && Array.isArray(result.acks) && Array.isArray(result.rejections), `${what}: push() must return {acks: [], rejections: []}, got ${preview(result)}`);
    const answered = new Set<number>();
    const asked = new Set(sent.map((e) => e.clientActionId));
    for (const a of result.acks) {
      s.check(asked.has(a.clientActionId), `${what}: acknowledged clientActionId ${a.clientActionId}, which was not in the batch`);
      answered.add(a.clientActionId);
    }
    for (const r of result.rejections) {
      s.check(r.reason === 'duplicate', `${what}: the backend rejected event ${r.clientActionId} (${r.reason}${r.message ? `: ${r.message}` : ''}); a conforming backend stores every well-formed event`);
      answered.add(r.clientActionId);
    }
    const unanswered = sent.filter((e) => !answered.has(e.clientActionId));
    s.check(unanswered.length === 0, () => `${what}: ${unanswered.length} of ${sent.length} events got neither an ack nor a rejection (first: ${describe(unanswered[0]!)}); the engine would push them again forever`);
  }

  /** One page, with the contract checks every page must pass. */
  async pullPage(limit: number, cursor: string | null = this.cursor, what = 'pull'): Promise<PullResult> {
    const s = this.scenario;
    s.check(
      this.backend.capabilities.bidirectional !== false,
      `this scenario pulls, but the backend says capabilities.bidirectional=false (a push-only mirror); leave it out with switches.skip: ['${s.name}']`,
    );
    const page = await s.step(`${what} (limit ${limit}) on device ${this.label}`, () => this.backend.pull({cursor, limit}));
    s.check(page && Array.isArray(page.events), `${what}: pull() must return {events: [], cursor, hasMore}, got ${preview(page)}`);
    s.check(page.cursor === null || typeof page.cursor === 'string', `${what}: the cursor must be a string or null, got ${preview(page.cursor)}`);
    s.check(typeof page.hasMore === 'boolean', `${what}: hasMore must be a boolean, got ${preview(page.hasMore)}`);
    s.check(page.events.length <= limit, `${what}: asked for at most ${limit} events, got ${page.events.length}`);
    return page;
  }

  /**
   * Pull until `hasMore` is false, committing the cursor after each page (the engine applies the
   * page and stores the cursor in one transaction). Returns events from other devices, plus own
   * events when the backend echoes them.
   */
  async pullAll(limit: number, what = 'pull', restartEvery = 0): Promise<SyncEvent[]> {
    const s = this.scenario;
    const got: SyncEvent[] = [];
    let emptyPagesWithMore = 0;
    for (let pages = 1; ; pages++) {
      s.check(pages <= 10_000, `${what}: still hasMore after 10000 pages`);
      const page = await this.pullPage(limit, this.cursor, `${what}, page ${pages}`);
      got.push(...page.events);
      this.cursor = page.cursor;
      this.state.commit();
      if (!page.hasMore) break;
      emptyPagesWithMore = page.events.length === 0 ? emptyPagesWithMore + 1 : 0;
      s.check(emptyPagesWithMore < 50, `${what}: 50 pages in a row came back empty with hasMore=true; the cursor is not moving`);
      if (restartEvery > 0 && pages % restartEvery === 0) {
        await this.close();
        await this.open(); // a new process resuming from the stored cursor
      }
    }
    return got;
  }

  /** Events pulled that came from others (own events removed when the backend echoes). */
  fromOthers(events: readonly SyncEvent[]): SyncEvent[] {
    return events.filter((e) => e.deviceId !== this.deviceId);
  }
}
