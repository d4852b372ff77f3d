/**
 * The Linux errno numbers native/ tests for in its own retry loops (errors are named through
 * Node's os.constants: errors.ts). The FUSE reader's worker is eval'd code and keeps its own.
 */
export const EINTR = 4;
