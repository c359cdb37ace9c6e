export * from './types.js';
export * from './hooks.js';
export * from './errors.js';
export * from './define.js';
export * from './events.js';
