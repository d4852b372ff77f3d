export * from './elf.js';
export * from './elf-cache.js';
export * from './module.js';
export * from './process-symbols.js';
