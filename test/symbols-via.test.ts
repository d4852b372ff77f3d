/**
 * Symbols through the seam: a source whose files are not this machine's (no `hostFiles`
 * capability, like a remote hop) serves every mapped file with readFile/statFile, and pdbg
 * names, resolves and unwinds from those bytes — never from a local file of the same path.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Session } from '../src/engine/session.js';
import { ProcessSymbols } from '../src/engine/symbols/process-symbols.js';
import { openThroughReads } from '../src/procfs/ranged-file.js';
import type { FileIdentity, FileRef, OpenFileOptions, ProcFs } from '../src/procfs/source.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';
import { liveOk } from './helpers/root.js';
import { buildTarget } from './helpers/targets.js';
import { startTracee, type Tracee } from './helpers/tracee.js';

const live = liveOk('symbols through the seam');
const linux = new LinuxProcFs();
const sessions: Session[] = [];
const tracees: Tracee[] = [];
const dir = mkdtempSync(join(tmpdir(), 'pdbg-via-'));
afterEach(async () => {
  await releaseSessions(sessions);
  for (const t of tracees.splice(0)) t.kill();
  killPids([]);
});
afterAll(async () => {
  await linux.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every ProcFs operation of the live source, but no capabilities: files only through readFile. */
function farSource(swap: Map<string, string> = new Map(), reads: string[] = []): ProcFs {
  const far: ProcFs = {
    pids: () => linux.pids(),
    threads: (pid) => linux.threads(pid),
    read: (pid, node, opts) => linux.read(pid, node, opts),
    readInto: (pid, node, into, opts) => linux.readInto(pid, node, into, opts),
    write: (pid, node, data, opts) => linux.write(pid, node, data, opts),
    spawn: (argv, opts) => linux.spawn(argv, opts),
    readFile: (pid: number, path: string, opts?: FileRef & { offset?: number; length?: number }) => {
      reads.push(path);
      const other = swap.get(path);
      return other ? linux.readFile(pid, other, { ...opts, root: 'host', mapping: undefined } as FileRef) : linux.readFile(pid, path, opts);
    },
    statFile: (pid: number, path: string, ref?: FileRef): Promise<FileIdentity> => {
      const other = swap.get(path);
      return other ? linux.statFile(pid, other, { root: 'host' }) : linux.statFile(pid, path, ref);
    },
    // Opened as a remote source opens them: statFile, then ranges by readFile.
    openFile: (pid: number, path: string, opts?: OpenFileOptions) => openThroughReads(far, pid, path, opts),
    capabilities: {},
    close: async () => undefined,
  } as ProcFs;
  return far;
}

describe.skipIf(!live)('symbols through the seam', () => {
  it('names, resolves and unwinds from files served by readFile, as from local files', async () => {
    const t = await startTracee('finishme', ['3', 'sleep']);
    tracees.push(t);
    const pid = Number((await t.waitFor(/ready (\d+)/))[1]);
    const reads: string[] = [];
    const far = farSource(new Map(), reads);
    const via = await ProcessSymbols.forProcess(far, pid);
    const here = await ProcessSymbols.forProcess(linux, pid);
    expect(reads.length).toBeGreaterThan(2);
    for (const name of ['depth', 'outer', 'main', 'write', 'nanosleep']) expect(via.find(name)?.address).toBe(here.find(name)?.address);
    const libc = via.modules.find((m) => /libc\.so\.6$/.test(m.path))!;
    expect(libc.debugImage).toBeDefined(); // libc6-dbg's file, fetched through the source too
    // A session over the far source unwinds with tables read from the fetched bytes.
    const s = await Session.attach(far, pid);
    sessions.push(s);
    const frames = await s.frames();
    expect(frames.map((f) => f.symbol?.name).slice(-5)).toEqual(['depth', 'depth', 'depth', 'outer', 'main']);
  });

  it('the bytes come from the source, not from a local file at the same path', async () => {
    const prog = buildTarget('finishme');
    const twin = join(dir, 'finishme-far');
    copyFileSync(prog, twin);
    execFileSync('objcopy', ['--redefine-sym', 'outer=far_outer', twin]);
    expect(statSync(twin).size).toBeGreaterThan(0);
    const t = await startTracee('finishme', ['3', 'sleep']);
    tracees.push(t);
    const pid = Number((await t.waitFor(/ready (\d+)/))[1]);
    const via = await ProcessSymbols.forProcess(farSource(new Map([[prog, twin]])), pid);
    expect(via.find('far_outer')?.address).toBe((await ProcessSymbols.forProcess(linux, pid)).find('outer')?.address);
    expect(via.find('outer')).toBeUndefined();
  });
});
