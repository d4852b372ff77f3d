export * from '../../elf/parse.js';
export * from '../../elf/sections.js';
export * from '../../elf/crc32.js';
export * from './image-cache.js';
export * from './module.js';
export * from './module-file.js';
export * from './process-symbols.js';
export * from './debug-file.js';
