/** pdbg's library API: the procfs model, its sources, listings and the debugger engine. */
export * from './procfs/errors.js';
export * from './procfs/node.js';
export * from './procfs/source.js';
export * from './procfs/signals.js';
