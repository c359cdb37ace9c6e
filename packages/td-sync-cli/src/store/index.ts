export * from './errors.js';
export * from './ids.js';
export * from './lock.js';
export * from './open.js';
export * from './project.js';
export * from './schema.js';
export * from './time.js';
