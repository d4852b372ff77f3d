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
export { FakeProcFs, type FakeProcessSpec, type FakeThreadSpec, type FakeRegion, type FakeProcFsOptions } from './procfs/sources/fake.js';
export { spinner as fakeSpinner, straightLine as fakeStraightLine } from './procfs/sources/fake/programs.js';
export { controlChecks, readOnlyChecks, type ContractCheck, type ContractTarget, type ControlContract, type ReadOnlyContract } from './procfs/contract.js';
export { listProcesses, readStatus, PS_FIELDS, type ProcessInfo, type PsField, type ListOptions } from './inventory/listing.js';
export { listJails, parseJailNode, formatJailNode, type JailInfo, type JailRef } from './inventory/jails.js';
export { snapshot, type SnapshotResult } from './inventory/snapshot.js';
export * from './procfs/ctl.js';
export * from './procfs/regs.js';
export * from './procfs/why.js';
export { parseNote, type NoteNode, type NoteDelivery } from './procfs/note.js';
export { deliverNote } from './procfs/sources/linux/note.js';
export { LinuxControl, CONTROL_NODES, type ControlNode } from './procfs/sources/linux/control.js';
export {
  ProcessSymbols, parseElf, loadElfFile, readSection, findSection, findDebugFile,
  type SymbolHit, type SymbolOptions, type Location, type ElfImage, type ElfSection, type ElfSymbol, type LoadedModule, type DebugLink, type FoundDebugFile,
} from './debugger/symbols/index.js';
export { disassemble, disassembleAround, type DisasmLine, type ReadMemory } from './debugger/disasm.js';
export { unwindStack, frameLine, frameWhere, type StackFrame, type StackOptions, type TableOf } from './debugger/stack.js';
export { moduleUnwindTable } from './debugger/unwind/from-module.js';
export { unwind, UnwindTable, unwindTableFromFile, type UnwoundFrame, type UnwindModule } from './debugger/unwind/index.js';
export { gdbPolicy, rawPolicy, SIGNALS_PASSED_SILENTLY, type SessionPolicy, type SessionOptions } from './debugger/policy.js';
export { Session, gone, type SessionState, type ThreadInfo, type BreakOptions, type DetachOptions, type Leave, type StopListener } from './debugger/session.js';
export { describeStop, isGone, type StopEvent, type StopKind } from './debugger/events.js';
export type { Breakpoint } from './debugger/breakpoints.js';
export { COMMANDS, findCommand, runCommandLine, helpLines, commandNames, stopData, type DebugCommand, type CommandOutput } from './debugger/commands.js';
export { runScript, parseScript, type ScriptStep } from './debugger/script.js';
export { withTarget } from './debugger/oneshot.js';
export { guard, onInterrupt, type Releasable } from './debugger/guard.js';
export type { SpawnOptions as LaunchOptions, StdioTarget, FileRef, FileIdentity, SpawnOptions } from './procfs/source.js';
export { parseWhere, type Where } from './debugger/location.js';
export { RemoteProcFs, type RemoteStats, type RemoteOptions } from './remote/remote-procfs.js';
export { connectAgent, type ConnectOptions } from './remote/connect.js';
export { parseChain, chainsOf, type Chain, type Hop } from './chain/hops.js';
export { openAgent, type AgentLink } from './chain/establish.js';
export { remoteProcFs } from './chain/remote.js';
