/**
 * /proc/self/mountinfo, read to tell our mount from whatever may be at the same path later.
 * A mount is ours while a line with its mount id, its device and its mount point is there:
 * the kernel reuses mount ids and anonymous device numbers only after they are freed, so the
 * pair names one mount for its lifetime (proc(5), "/proc/pid/mountinfo").
 */
import { readFileSync } from 'node:fs';

export interface MountLine {
  readonly id: number;
  /** `major:minor` of the mounted file system (FUSE: an anonymous device, `0:NN`). */
  readonly dev: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
}

/** mountinfo escapes space, tab, newline and backslash as `\ooo`. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountinfo(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0) continue;
    out.push({ id: Number(f[0]), dev: f[2]!, mountPoint: unescapeOctal(f[4]!), fsType: f[sep + 1]!, source: unescapeOctal(f[sep + 2] ?? '') });
  }
  return out;
}

export function readMountinfo(): MountLine[] {
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** The newest mount of `fsType` at `mountPoint` (the top one: later lines are mounted over earlier). */
export function findMount(mountPoint: string, fsType: string): MountLine | undefined {
  const all = readMountinfo().filter((m) => m.mountPoint === mountPoint && m.fsType === fsType);
  return all[all.length - 1];
}

export function isMounted(m: Pick<MountLine, 'id' | 'dev' | 'mountPoint'>): boolean {
  return readMountinfo().some((x) => x.id === m.id && x.dev === m.dev && x.mountPoint === m.mountPoint);
}
