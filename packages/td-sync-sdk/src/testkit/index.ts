/**
 * td-sync-sdk/testkit: the conformance suite a backend author runs from their own tests.
 *
 *   import test from 'ava';
 *   import {avaConformance} from 'td-sync-sdk/testkit';
 *   import backend from '../src/index.js';
 *
 *   avaConformance(test, {
 *     name: 'my-backend',
 *     freshRemote: async () => startThrowawayRemote(),
 *     definition: backend,
 *     config: (remote) => ({url: remote.url}),
 *   });
 *
 * Or take `conformanceCases(options)` (`{name, run}` objects) into any runner, or await
 * `runConformance(options)` for a report.
 */
export {conformanceCases, runConformance, avaConformance, type ConformanceCase, type ConformanceReport, type TestRegistrar} from './run.js';
export type {ConformanceOptions, ConformanceSwitches, ScenarioId} from './options.js';
export {ConformanceFailure, jsonDifference} from './failure.js';
export {createTestContext, MemoryTargetState, randomDeviceId, randomSessionId, type LogRecord, type TestContext, type TestContextOptions} from './context.js';
export {tdLikeEvents, largeText, UNICODE_SAMPLES, type EventFactory, type EventSpec} from './sample.js';
export {SCENARIOS, type ScenarioDefinition} from './scenarios.js';
