/**
 * gdb's `nexti`: one instruction, but a `call` runs to completion. Over a call the engine
 * plants an internal breakpoint at the instruction after it and continues; a user breakpoint
 * (or a signal, the exit) that comes first ends the step there, as in gdb. The internal one may
 * be reached first by a deeper frame (recursion) or another thread: gdb's frame check — the
 * thread that called, with rsp back to at least its value at the call — tells the return apart.
 */
import { Decoder, DecoderOptions, Instruction } from 'iced-x86';
import type { Session, StopEvent } from './session.js';

/** Length of the instruction at `pc` when it is a call, else undefined. */
async function callLength(s: Session, pc: bigint): Promise<number | undefined> {
  const code = await s.readMem(pc, 15).catch(() => undefined);
  if (!code) return undefined;
  const d = new Decoder(64, code, DecoderOptions.None);
  const ins = new Instruction();
  try {
    d.ip = pc;
    d.decodeOut(ins);
    return !ins.isInvalid && (ins.isCallNear || ins.isCallNearIndirect || ins.isCallFar || ins.isCallFarIndirect) ? ins.length : undefined;
  } finally {
    ins.free();
    d.free();
  }
}

/** One `nexti` of the current thread. */
async function nextOne(s: Session): Promise<StopEvent> {
  const tid = s.current;
  const pc = await s.reg('rip', tid);
  const len = await callLength(s, pc);
  if (len === undefined) return s.stepN(1, tid);
  const ret = pc + BigInt(len);
  const sp = await s.reg('rsp', tid);
  // A user breakpoint on the return address already stops there (and is what gdb reports).
  const user = s.breakpoints().find((b) => b.addr === ret && b.enabled);
  const temp = user ? undefined : await s.break(ret, { internal: true });
  const mine = temp?.id ?? user!.id;
  try {
    for (;;) {
      const ev = await s.cont();
      if (ev.kind !== 'breakpoint' || ev.id !== mine) return ev;
      if (ev.tid === tid && (await s.reg('rsp', tid)) >= sp) return temp ? { kind: 'step', tid, pc: ev.pc } : ev;
      // A deeper frame (or another thread) passed by the return address: not our return yet.
    }
  } finally {
    if (temp && s.state === 'stopped') await s.delete(temp.id).catch(() => undefined);
  }
}

/** `nexti N`: stops early at anything that is not a plain step. */
export async function nexti(s: Session, n: number): Promise<StopEvent> {
  let ev: StopEvent = s.lastStop;
  for (let i = 0; i < n; i++) {
    ev = await nextOne(s);
    if (ev.kind !== 'step') return ev;
  }
  return ev;
}
