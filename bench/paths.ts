import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bench runs from dist/bench/; the repository is two levels up. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const cSourceDir = join(repoRoot, 'bench/c');
export const cacheDir = join(repoRoot, '.cache/bench');
export const pdbgBin = join(repoRoot, 'bin/pdbg.js');
export const distSrc = join(repoRoot, 'dist/src');
