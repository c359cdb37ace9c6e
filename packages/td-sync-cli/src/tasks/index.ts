/** The task library the `td` commands call (and tests can call directly). */
export * from './errors.js';
export * from './normalize.js';
export * from './workflow.js';
export * from './model.js';
export * from './outcome.js';
export * from './session.js';
export * from './tx.js';
export * from './issues.js';
export * from './approval.js';
export * from './step.js';
export * from './ops.js';
export * from './queries.js';
export {dependencyId} from './deps.js';
export {latestHandoff} from './activity.js';
