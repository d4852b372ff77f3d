/** pdbg's library API: the procfs model, its sources, listings and the debugger engine. */
export * from './procfs/errors.js';
export * from './procfs/node.js';
export * from './procfs/source.js';
export * from './procfs/signals.js';
export * from './procfs/status.js';
export * from './procfs/escape.js';
export * from './procfs/map.js';
export { openProcFs } from './procfs/sources/open.js';
export { LinuxProcFs } from './procfs/sources/linux/index.js';
export { TreeProcFs } from './procfs/sources/tree.js';
export { listProcesses, readStatus, PS_FIELDS, type ProcessInfo, type PsField, type ListOptions } from './procfs/listing.js';
export { listJails, parseJailNode, formatJailNode, type JailInfo, type JailRef } from './procfs/jail.js';
export { snapshot, type SnapshotResult } from './procfs/snapshot.js';
export * from './procfs/ctl.js';
export * from './procfs/regs.js';
export * from './procfs/why.js';
export { deliverNote, parseNote, type NoteNode, type NoteDelivery } from './procfs/note.js';
export { LinuxControl, CONTROL_NODES, type ControlNode } from './procfs/sources/linux/control.js';
