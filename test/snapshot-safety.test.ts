/**
 * Root's `pdbg snapshot -o DIR` and `pdbg debug` against files planted by someone else: a
 * symlink is never written through, a file pdbg did not create is never written over or
 * deleted, and every refusal or I/O error is one line naming the file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutDir } from '../src/inventory/out-dir.js';
import { isCleanError, pdbg, pdbgBin, type CliResult } from './helpers/cli.js';
import { liveOk } from './helpers/root.js';
import { killAllTmux, startInTmux } from './helpers/tmux.js';

const NOBODY = 65534;

/** Runs a command as uid/gid 65534 with no supplementary groups: the other user of the attack. */
function asNobody(argv: string[]): void {
  execFileSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv], { stdio: 'pipe' });
}

/** A directory owned by nobody, mode 0755: nobody may plant anything in it, root's pdbg is asked to write there. */
function nobodysDir(parent: string, name: string): string {
  const d = join(parent, name);
  mkdirSync(d, { mode: 0o755 });
  chownSync(d, NOBODY, NOBODY);
  return d;
}

/** The contract for a refused or failed write: one line, naming the path, no "internal error". */
function expectFileError(r: CliResult, msg: RegExp): void {
  expect(isCleanError(r), r.stderr).toBe(true);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.stderr).toMatch(msg);
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'pdbg-snap-safety-'));
  // nobody has to reach the directories below to plant in them.
  execFileSync('chmod', ['0755', base]);
});
afterAll(() => {
  killAllTmux();
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!liveOk('snapshot safety'))('pdbg snapshot -o DIR where someone else can write', () => {
  const me = String(process.pid);
  let victim: string;
  beforeAll(() => {
    victim = join(base, 'victim');
    writeFileSync(victim, 'root:x:0:0:root:/root:/bin/bash\n');
  });
  const victimIntact = () => expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');

  it('does not write through DIR/jails.json planted as a symlink by the directory owner', () => {
    const dir = nobodysDir(base, 'planted-jails');
    asNobody(['ln', '-s', victim, join(dir, 'jails.json')]);
    const r = pdbg(['snapshot', '-o', dir, me]);
    expectFileError(r, new RegExp(`^pdbg: ${esc(dir)}: owned by uid ${NOBODY}, not by you: pdbg writes only into a new directory or an empty one that only you can write$`, 'm'));
    victimIntact();
    expect(readdirSync(dir)).toEqual(['jails.json']);
  });

  it('does not write through DIR/PID/status planted as a symlink', () => {
    const dir = nobodysDir(base, 'planted-status');
    asNobody(['mkdir', join(dir, me)]);
    asNobody(['ln', '-s', victim, join(dir, me, 'status')]);
    expectFileError(pdbg(['snapshot', '-o', dir, me]), /owned by uid 65534/);
    victimIntact();
  });

  it('does not write into the directory DIR points to when DIR itself is a symlink', () => {
    const parent = nobodysDir(base, 'planted-dirlink');
    const target = join(base, 'roots-empty-dir');
    mkdirSync(target);
    asNobody(['ln', '-s', target, join(parent, 'snap')]);
    const r = pdbg(['snapshot', '-o', join(parent, 'snap'), me]);
    expectFileError(r, new RegExp(`${esc(join(parent, 'snap'))}: is a symbolic link`));
    expect(readdirSync(target)).toEqual([]);
  });

  it('does not follow a symlink in a directory above DIR (-o A/link/new): nothing written, one line naming the link', () => {
    // The attack: nobody's own directory, a link in it to a directory root writes to.
    const parent = nobodysDir(base, 'planted-parentlink');
    const elsewhere = join(base, 'roots-dir-behind-link');
    mkdirSync(elsewhere);
    asNobody(['ln', '-s', elsewhere, join(parent, 'link')]);
    const r = pdbg(['snapshot', '-o', join(parent, 'link', 'new'), me]);
    expectFileError(r, new RegExp(`^pdbg: ${esc(join(parent, 'link'))}: is a symbolic link \\(pdbg follows none on the way to the directory it writes: name the real path\\)$`, 'm'));
    expect(r.stdout).toBe('');
    expect(readdirSync(elsewhere)).toEqual([]);
    // Higher up as well, and a link to a link.
    const upper = join(base, 'upper-link');
    symlinkSync(join(parent, 'link'), upper);
    const r2 = pdbg(['snapshot', '-o', join(upper, 'deeper', 'new'), me]);
    expectFileError(r2, new RegExp(`^pdbg: ${esc(upper)}: is a symbolic link`, 'm'));
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readdirSync(parent)).toEqual(['link']);
  });

  it('prints a DIR with an ESC in its name escaped, so the success line cannot act on the terminal', () => {
    const dir = join(base, 'snap\x1b[31mred');
    const r = pdbg(['snapshot', '-o', dir, me]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(dir)).toContain(me);
    expect(r.stdout).not.toMatch(/\x1b/);
    expect(r.stdout).toBe(`${join(base, 'snap')}\\033[31mred: 1 processes, 0 jails (0 nodes unreadable)\n`);
  });

  it('does not delete a file it did not write (a planted DIR/PID/notes)', () => {
    const dir = nobodysDir(base, 'planted-notes');
    asNobody(['mkdir', join(dir, me)]);
    asNobody(['sh', '-c', `echo mine > ${join(dir, me, 'notes')}`]);
    expectFileError(pdbg(['snapshot', '-o', dir, me]), /owned by uid 65534/);
    expect(readFileSync(join(dir, me, 'notes'), 'utf8')).toBe('mine\n');
  });

  it('refuses a non-empty directory that is not a snapshot, and leaves it alone', () => {
    const dir = join(base, 'not-a-snapshot');
    mkdirSync(dir);
    writeFileSync(join(dir, 'README'), 'keep\n');
    expectFileError(pdbg(['snapshot', '-o', dir, me]), new RegExp(`^pdbg: ${esc(dir)}: not empty \\(pdbg writes a snapshot only into a new or empty directory\\)`));
    expect(readdirSync(dir)).toEqual(['README']);
    expect(readFileSync(join(dir, 'README'), 'utf8')).toBe('keep\n');
  });

  it('refuses to write over an existing snapshot, which stays as it was', () => {
    const dir = join(base, 'old-snapshot');
    const first = pdbg(['snapshot', '-o', dir, me]);
    expect(first.status, first.stderr).toBe(0);
    const before = readFileSync(join(dir, me, 'status'));
    const ino = statSync(join(dir, me, 'status')).ino;
    expectFileError(pdbg(['snapshot', '-o', dir, me]), new RegExp(`^pdbg: ${esc(dir)}: holds a snapshot already`));
    expect(readFileSync(join(dir, me, 'status'))).toEqual(before);
    expect(statSync(join(dir, me, 'status')).ino).toBe(ino);
  });

  it('refuses an empty directory another user owns, or one others can write', () => {
    const theirs = nobodysDir(base, 'empty-foreign');
    expectFileError(pdbg(['snapshot', '-o', theirs, me]), new RegExp(`^pdbg: ${esc(theirs)}: owned by uid ${NOBODY}, not by you`));
    const shared = join(base, 'empty-shared');
    mkdirSync(shared);
    execFileSync('chmod', ['1777', shared]);
    expectFileError(pdbg(['snapshot', '-o', shared, me]), new RegExp(`^pdbg: ${esc(shared)}: writable by others \\(mode 1777\\)`));
    expect(readdirSync(theirs)).toEqual([]);
    expect(readdirSync(shared)).toEqual([]);
  });

  it('fills a new directory, or an empty one of its own, each pid once', () => {
    const parent = nobodysDir(base, 'foreign-parent');
    const fresh = join(parent, 'snap');
    const mine = join(base, 'empty-mine');
    mkdirSync(mine, { mode: 0o700 });
    for (const dir of [fresh, mine]) {
      const r = pdbg(['snapshot', '-o', dir, me, me]);
      expect(r.status, r.stderr).toBe(0);
      expect(readdirSync(dir).sort()).toEqual([me, 'jails.json'].sort());
      for (const n of ['status', 'cmdline', 'map']) expect(lstatSync(join(dir, me, n)).isFile()).toBe(true);
      expect(lstatSync(join(dir, me, 'file')).isSymbolicLink()).toBe(true);
      expect(readFileSync(join(dir, 'jails.json'), 'utf8')).toBe('[]\n');
    }
    // Made by us in a directory nobody owns: ours, and not writable by them.
    expect(lstatSync(fresh).uid).toBe(0);
    expect(lstatSync(fresh).mode & 0o022).toBe(0);
  });

  it('names the file for ENOTDIR and EEXIST (a file where a directory is expected)', () => {
    const file = join(base, 'a-file');
    writeFileSync(file, 'x\n');
    expectFileError(pdbg(['snapshot', '-o', join(file, 'snap'), me]), new RegExp(`^pdbg: ${esc(file)}: not a directory$`, 'm'));
    expectFileError(pdbg(['snapshot', '-o', file, me]), new RegExp(`^pdbg: ${esc(file)}: exists and is not a directory$`, 'm'));
    expectFileError(pdbg(['snapshot', '-o', join(base, 'no-such-parent', 'snap'), me]), new RegExp(`${esc(join(base, 'no-such-parent'))}: no such file or directory`));
    expect(readFileSync(file, 'utf8')).toBe('x\n');
  });

  it('names the directory for EACCES (pdbg run by a user who cannot write there)', () => {
    const dir = join(base, 'roots-only');
    mkdirSync(dir, { mode: 0o755 });
    const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, pdbgBin, 'snapshot', '-o', join(dir, 'snap'), '1'], { encoding: 'utf8' });
    expectFileError({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }, new RegExp(`^pdbg: ${esc(join(dir, 'snap'))}: permission denied$`, 'm'));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names the directory for EROFS (a read-only bind mount)', (ctx) => {
    const dir = join(base, 'ro');
    mkdirSync(dir);
    const m = spawnSync('mount', ['--bind', '-o', 'ro', dir, dir], { encoding: 'utf8' });
    if (m.status !== 0) return ctx.skip(`mount --bind -o ro: ${m.stderr.trim()}`);
    try {
      expectFileError(pdbg(['snapshot', '-o', join(dir, 'snap'), me]), new RegExp(`^pdbg: ${esc(join(dir, 'snap'))}: read-only file system$`, 'm'));
    } finally {
      spawnSync('umount', [dir]);
    }
  });

  it('names the file for ENOSPC (a full tmpfs) and removes the partial snapshot it wrote', (ctx) => {
    const dir = join(base, 'full');
    mkdirSync(dir);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', dir], { encoding: 'utf8' });
    if (m.status !== 0) return ctx.skip(`mount -t tmpfs: ${m.stderr.trim()}`);
    try {
      writeFileSync(join(dir, 'theirs'), 'keep\n');
      // Our own map is tens of kilobytes: it cannot fit in 8 KiB.
      const r = pdbg(['snapshot', '-o', join(dir, 'snap'), me]);
      expectFileError(r, new RegExp(`^pdbg: ${esc(join(dir, 'snap', me))}/\\w+: no space left on device$`, 'm'));
      expect(readdirSync(dir)).toEqual(['theirs']);
    } finally {
      spawnSync('umount', [dir]);
    }
  });
});

describe('OutDir: what happens after the directory was opened', () => {
  let victim: string;
  beforeAll(() => {
    victim = join(base, 'outdir-victim');
    writeFileSync(victim, 'precious\n');
  });

  it('a symlink planted under a name it then writes is refused (EEXIST), not followed', () => {
    const out = OutDir.open(join(base, 'race-symlink'));
    try {
      symlinkSync(victim, join(base, 'race-symlink', 'jails.json'));
      expect(() => out.writeFile('jails.json', '[]\n')).toThrow(/race-symlink\/jails\.json: exists already/);
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    } finally {
      out.discard();
    }
    // The planted link is not ours: discard() left it (and so the directory) in place.
    expect(readlinkSync(join(base, 'race-symlink', 'jails.json'))).toBe(victim);
  });

  it('a subdirectory swapped for a symlink after mkdir: writes still land in our directory', () => {
    const root = join(base, 'race-swap');
    const elsewhere = join(base, 'race-swap-elsewhere');
    mkdirSync(elsewhere);
    const out = OutDir.open(root);
    const sub = out.mkdir('42');
    renameSync(join(root, '42'), join(root, 'moved'));
    symlinkSync(elsewhere, join(root, '42'));
    sub.writeFile('status', 'ours\n');
    sub.symlink('/bin/true', 'file');
    sub.close();
    out.close();
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readFileSync(join(root, 'moved', 'status'), 'utf8')).toBe('ours\n');
  });

  it('discard() removes what it wrote and nothing else', () => {
    const root = join(base, 'discard');
    const out = OutDir.open(root);
    const sub = out.mkdir('7');
    sub.writeFile('status', 'x\n');
    sub.close();
    out.writeFile('jails.json', '[]\n');
    // Root adds a file, and replaces one of ours by another under the same name (the old one
    // kept linked elsewhere, so the new file cannot reuse its inode number).
    writeFileSync(join(root, '7', 'theirs'), 'keep\n');
    linkSync(join(root, 'jails.json'), join(base, 'discard-old-jails'));
    rmSync(join(root, 'jails.json'));
    writeFileSync(join(root, 'jails.json'), 'theirs too\n');
    out.discard();
    expect(readFileSync(join(root, '7', 'theirs'), 'utf8')).toBe('keep\n');
    expect(readFileSync(join(root, 'jails.json'), 'utf8')).toBe('theirs too\n');
    expect(existsSync(join(root, '7', 'status'))).toBe(false);

    const clean = join(base, 'discard-clean');
    const o2 = OutDir.open(clean);
    o2.mkdir('1').close();
    o2.writeFile('jails.json', '[]\n');
    o2.discard();
    expect(existsSync(clean)).toBe(false);
  });
});

const tmuxOk = spawnSync('tmux', ['-V']).status === 0;

describe.skipIf(!tmuxOk || !liveOk('pdbg debug output file'))('pdbg debug: the default output file', () => {
  it('does not follow a symlink planted at the old predictable path; writes into a fresh 0700 directory', async () => {
    const tmp = join(base, 'debug-tmp');
    mkdirSync(tmp);
    execFileSync('chmod', ['1777', tmp]);
    const victim = join(base, 'debug-victim');
    writeFileSync(victim, 'precious\n');
    // `exec` keeps the shell's pid for pdbg, so $$ is the pid the old name was made from.
    const pane = startInTmux(['sh', '-c', `ln -s ${victim} "$TMPDIR/pdbg-debug-$$.out" && exec node ${pdbgBin} debug -- /bin/echo planted-test-output`], {
      env: { TMPDIR: tmp },
    });
    try {
      await pane.waitFor(/exec: stopped at 0x[0-9a-f]+/);
      pane.keys('c');
      await pane.waitFor(/> planted-test-output/);
      pane.keys('q');
      await pane.waitFor(() => !pane.alive());
    } finally {
      pane.kill();
    }
    const old = readdirSync(tmp).filter((n) => /^pdbg-debug-\d+\.out$/.test(n));
    expect(old).toHaveLength(1);
    expect(lstatSync(join(tmp, old[0]!)).isSymbolicLink()).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    const dirs = readdirSync(tmp).filter((n) => n !== old[0]);
    expect(dirs).toHaveLength(1);
    const dir = join(tmp, dirs[0]!);
    expect(dirs[0]).toMatch(/^pdbg-debug-\w{6}$/);
    const st = lstatSync(dir);
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual(['output']);
    expect(readFileSync(join(dir, 'output'), 'utf8')).toBe('planted-test-output\n');
  });

  it('--output FILE that cannot be opened is one line naming it', async () => {
    const bad = join(base, 'no-such-dir', 'out');
    const pane = startInTmux(['sh', '-c', `node ${pdbgBin} debug --output ${bad} -- /bin/true; echo "exit $?"; sleep 60`], { cols: 200 });
    try {
      const screen = await pane.waitFor(/exit \d+/);
      expect(screen).toMatch(new RegExp(`^pdbg: debug --output: ${esc(bad)}: no such file or directory$`, 'm'));
      expect(screen).toMatch(/exit 2/);
      expect(screen).not.toMatch(/\n\s+at /);
    } finally {
      pane.kill();
    }
  });
});
