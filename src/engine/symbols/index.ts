export * from './elf.js';
export * from './elf-cache.js';
export * from './module.js';
export * from './process-symbols.js';
export * from './sections.js';
export * from './debug-file.js';
export * from './crc32.js';
