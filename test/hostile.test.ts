/**
 * Hostile input from the target side: names that reach root's terminal (a comm, a jail
 * hostname, argv) and `--proc-root` trees built to hang, exhaust or confuse pdbg.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayText, terminalJson, terminalLine } from '../src/procfs/escape.js';
import { TreeProcFs } from '../src/procfs/sources/tree.js';
import { formatStatus as formatStatusPane } from '../src/tui/panes/status.js';
import { isCleanError, pdbg, pdbgBin, type CliResult } from './helpers/cli.js';
import { nsInode } from './helpers/jails.js';
import { isRoot, liveOk, cliOk } from './helpers/root.js';
import { buildTarget, killAll, startTarget, type Target } from './helpers/targets.js';

/** What a terminal acts on, as decoded from pdbg's UTF-8 output: C0 but the newline, DEL, C1. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const GOOD = (pid: number, jail = '-') => `sh ${pid} 1 ${pid} ${pid} -1,-1 sldr 1,0 0,0 0,0 nochan 0 0 0,0 ${jail}\n`;

/** Runs pdbg with a deadline; a hang shows as a signal (SIGTERM from spawnSync's timeout). */
function run(args: string[]): CliResult {
  return pdbg(args, { timeout: 20_000 });
}

/** Data rows of a ps table (after the header): the pid of each, as its first column. */
function psPids(stdout: string): number[] {
  return stdout.trimEnd().split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0]));
}

describe('display escaping (no process needed)', () => {
  it('shows controls, C1, separators and bidi controls as ?, and keeps printable UTF-8', () => {
    expect(displayText('\x1b[2Jx\nfake\r\t\x7f\u009b\u2028\u202e\u2066ok résumé 名前')).toBe('?[2Jx?fake???????ok résumé 名前');
  });

  it('writes a status line for a terminal with \\ooo for what it would act on, nothing else changed', () => {
    const bytes = Buffer.concat([
      Buffer.from('r\\303\\251sum\\303\\251 1 0 1 1 -1,-1 noflags 1,0 0,0 0,0 nochan 0 0 0,0 h\u00f4te ', 'utf8'),
      Buffer.from([0x61, 0x0a, 0x62, 0x1b, 0x5b, 0x32, 0x4a, 0x9b, 0xc2, 0x9b, 0xe2, 0x80, 0xae, 0x7f, 0x0a]),
    ]);
    expect(terminalLine(bytes).toString('utf8')).toBe(
      'r\\303\\251sum\\303\\251 1 0 1 1 -1,-1 noflags 1,0 0,0 0,0 nochan 0 0 0,0 h\u00f4te a\\012b\\033[2J\\233\\302\\233\\342\\200\\256\\177\n',
    );
    // A well-formed line passes unchanged, byte for byte.
    const plain = Buffer.from(GOOD(5, 'www.example.org'));
    expect(terminalLine(plain).equals(plain)).toBe(true);
  });

  it('keeps the true values in JSON but escapes what JSON.stringify leaves raw', () => {
    const v = { comm: '\x1b[2Jx\nfake', jail: 'a\u009bb\u202ec\u2028d\x7f', n: [1, 'é'] };
    const text = terminalJson(JSON.stringify(v, null, 2));
    expect(text).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(text)).toEqual(v);
  });

  it('the TUI status pane shows a hostile command, jail and why line on its own two lines', () => {
    const lines = formatStatusPane({ command: 'x\x1b[31m\ny', pid: 5, state: 'stopped', jail: 'a\nb\u009b', thread: 5, why: 'breakpoint 1 at 0x1 <f\r\x1b[2J>' });
    expect(lines.length).toBe(2);
    const text = lines.map((l) => (typeof l === 'string' ? l : l.map((s) => s.text).join(''))).join('\n');
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain('x?[31m?y');
    expect(text).toContain('jail a?b?');
  });
});

describe.skipIf(!cliOk('hostile names in a tree (old dialects write the comm raw; no kernel escapes the jail)'))('hostile names in a tree (old dialects write the comm raw; no kernel escapes the jail)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pdbg-hostile-names-'));
    mkdirSync(join(dir, '7'));
    // FreeBSD 4 (raw comm): ESC in the comm and in the jail name, a C1 CSI in UTF-8 too.
    writeFileSync(join(dir, '7', 'status'), 'x\x1b[2Jy 7 1 7 7 -1,-1 sldr 1,0 0,0 0,0 nochan 0 0 0,0 j\x1b]0;pwned\x07\u009b\n');
    writeFileSync(join(dir, '7', 'cmdline'), 'prog\0\x1b[2J\narg\0');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ps shows them with ?, one row per process; --json keeps the true text', () => {
    const r = run(['ps', '--proc-root', dir, '-o', 'pid,jail,comm,args']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/^PID/), '  7 j?]0;pwned?? x?[2Jy  prog ?[2J?arg']);
    const j = run(['ps', '--proc-root', dir, '-o', 'pid,jail,comm,args', '--json']);
    expect(j.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(j.stdout)).toEqual([{ pid: 7, jail: 'j\x1b]0;pwned\x07\u009b', comm: 'x\x1b[2Jy', args: 'prog \x1b[2J\narg' }]);
  });

  it('status prints the line with \\ooo escapes; --json has the true bytes', () => {
    const r = run(['status', '7', '--proc-root', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('x\\033[2Jy 7 1 7 7 -1,-1 sldr 1,0 0,0 0,0 nochan 0 0 0,0 j\\033]0;pwned\\007\\302\\233\n');
    const j = run(['status', '7', '--proc-root', dir, '--json']);
    expect(j.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(j.stdout)).toMatchObject({ comm: 'x\x1b[2Jy', jail: 'j\x1b]0;pwned\x07\u009b' });
  });

  it("a malformed line's error shows the token's bytes as \\ooo (a raw 0x9b would be the C1 CSI)", () => {
    const bad = mkdtempSync(join(tmpdir(), 'pdbg-hostile-token-'));
    try {
      mkdirSync(join(bad, '9'));
      writeFileSync(join(bad, '9', 'status'), Buffer.from('sh 9\x9b\x1b 1 9 9 -1,-1 sldr 1,0 0,0 0,0 nochan 0 0 0,0 -\n', 'latin1'));
      const r = run(['status', '9', '--proc-root', bad]);
      expect(isCleanError(r), r.stderr).toBe(true);
      expect(r.stderr).not.toMatch(RAW_CONTROL);
      expect(r.stderr).toContain("field 'pid' is not a number: '9\\233\\033'");
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('jls shows the jail name with ?', () => {
    const r = run(['jls', '--proc-root', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout.trimEnd().split('\n')[1]).toMatch(/^ {5}- {2}- +j\?\]0;pwned\?\? +-$/);
  });
});

describe.skipIf(!liveOk('hostile names, live'))('hostile names on the live system', () => {
  // comm is at most 15 bytes; the hostname at most 64.
  const COMM = '\x1b[2Jx\nfake';
  const HOST = 'a\nb 9999 evil\x1b[2J\u009b';
  let t: Target;
  let jailed: { pid: number; jid: number };
  let unshare: ChildProcess;

  beforeAll(async () => {
    t = startTarget('named-sleeper', [COMM]);
    await t.waitFor(/ready/);
    // hostname(1) refuses a newline; sethostname(2) takes any bytes.
    unshare = spawn('unshare', ['--uts', '--fork', '--kill-child', buildTarget('sethostname-exec'), HOST, buildTarget('named-sleeper'), 'jailed'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((res, rej) => {
      let out = '';
      const timer = setTimeout(() => rej(new Error(`hostile jail: not ready after 10 s: ${JSON.stringify(out)}`)), 10_000);
      unshare.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          res(Number(m[1]));
        }
      });
      unshare.on('exit', (code) => rej(new Error(`hostile jail: unshare exited ${code}`)));
    });
    jailed = { pid, jid: nsInode(pid, 'uts') };
  });
  afterAll(() => {
    killAll();
    if (jailed) {
      try {
        process.kill(jailed.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    unshare?.kill('SIGKILL');
  });

  it('ps: no raw control character, no forged row; the names shown with ?', () => {
    const r = run(['ps', '-o', 'pid,jid,jail,comm,args']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    const rows = r.stdout.trimEnd().split('\n').slice(1);
    // Every row starts with a pid: nothing a name holds can start a line of its own.
    for (const row of rows) expect(row).toMatch(/^\s*\d+ /);
    const mine = rows.filter((l) => Number(l.trim().split(/\s+/)[0]) === t.pid);
    expect(mine.length).toBe(1);
    expect(mine[0]).toMatch(/ \?\[2Jx\?fake +\S*named-sleeper \?\[2Jx\?fake$/);
    const jrow = rows.filter((l) => Number(l.trim().split(/\s+/)[0]) === jailed.pid);
    expect(jrow.length).toBe(1);
    expect(jrow[0]).toContain(` ${jailed.jid} a?b 9999 evil?[2J? jailed `);
  });

  it('ps --json keeps the true bytes', () => {
    const r = run(['ps', '--json', '-o', 'pid,jail,comm']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    const rows = JSON.parse(r.stdout) as { pid: number; jail: string; comm: string }[];
    expect(rows.find((x) => x.pid === t.pid)?.comm).toBe(COMM);
    expect(rows.find((x) => x.pid === jailed.pid)?.jail).toBe(HOST);
  });

  it('jls: one row for the jail, its hostname shown with ?; --json has the true hostname', () => {
    const r = run(['jls']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    const lines = r.stdout.trimEnd().split('\n').slice(1);
    // A jail row starts with its jid; a further address of a jail is indented.
    for (const l of lines) expect(l).toMatch(/^\s*(\d+|-) {2}\S|^ {8}\S+$/);
    const row = lines.filter((l) => l.trim().startsWith(`${jailed.jid} `));
    expect(row.length).toBe(1);
    expect(row[0]).toContain(' a?b 9999 evil?[2J? ');
    const j = run(['jls', '--json']);
    expect(j.stdout).not.toMatch(RAW_CONTROL);
    expect((JSON.parse(j.stdout) as { jid: number; hostname: string }[]).find((x) => x.jid === jailed.jid)?.hostname).toBe(HOST);
  });

  it('status: one line, the comm and the hostname with \\ooo escapes; --json has the true bytes', () => {
    const c = run(['status', String(t.pid)]);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout.split('\n')).toEqual([expect.stringMatching(/^\\033\[2Jx\\012fake \d+ /), '']);
    const r = run(['status', String(jailed.pid)]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout.split('\n')).toEqual([expect.stringMatching(/ a\\012b 9999 evil\\033\[2J\\302\\233$/), '']);
    const j = run(['status', String(jailed.pid), '--json']);
    expect(j.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(j.stdout)).toMatchObject({ pid: jailed.pid, jail: HOST });
    const jc = run(['status', String(t.pid), '--json']);
    expect(JSON.parse(jc.stdout)).toMatchObject({ comm: COMM });
  });
});

describe.skipIf(!cliOk('hostile --proc-root trees'))('hostile --proc-root trees', () => {
  let base: string;
  /** A tree with good processes 8 and 20 (20 in jail www) and whatever `bad` adds. */
  const tree = (name: string, bad: (dir: string) => void): string => {
    const dir = join(base, name);
    mkdirSync(join(dir, '8'), { recursive: true });
    writeFileSync(join(dir, '8', 'status'), GOOD(8));
    mkdirSync(join(dir, '20'));
    writeFileSync(join(dir, '20', 'status'), GOOD(20, 'www'));
    bad(dir);
    return dir;
  };
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'pdbg-hostile-tree-'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  const mkfifo = (path: string) => {
    const r = spawnSync('mkfifo', [path]);
    if (r.status !== 0) throw new Error(`mkfifo ${path}: ${r.stderr}`);
  };

  const cases: [string, (dir: string) => void, RegExp][] = [
    ['a FIFO as status', (d) => (mkdirSync(join(d, '10')), mkfifo(join(d, '10', 'status'))), /\/10\/status: a FIFO, not a regular file/],
    ['status linked to /dev/zero', (d) => (mkdirSync(join(d, '10')), symlinkSync('/dev/zero', join(d, '10', 'status'))), /\/10\/status: a symbolic link, not a regular file/],
    [
      'a 100 MB status',
      (d) => {
        mkdirSync(join(d, '10'));
        const f = join(d, '10', 'status');
        writeFileSync(f, '');
        expect(spawnSync('truncate', ['-s', '100M', f]).status).toBe(0);
      },
      /\/10\/status: larger than 1 MiB, too large for a status node/,
    ],
    ['a multi-line status', (d) => (mkdirSync(join(d, '10')), writeFileSync(join(d, '10', 'status'), GOOD(10).replace(/-\n$/, '-\nsecond line\n'))), /\/10\/status: more than one line/],
    ['a symlink loop as the process directory', (d) => symlinkSync('10', join(d, '10')), /\/10: a symbolic link, not a process directory; refused/],
    [
      'a process directory linked out of the tree',
      (d) => {
        // A good-looking process outside the tree: following the link would list and read it.
        const outside = `${d}-outside`;
        mkdirSync(join(outside, '10'), { recursive: true });
        writeFileSync(join(outside, '10', 'status'), GOOD(10));
        symlinkSync(join(outside, '10'), join(d, '10'));
      },
      /\/10: a symbolic link, not a process directory; refused/,
    ],
    ['a directory as status (EISDIR)', (d) => mkdirSync(join(d, '10', 'status'), { recursive: true }), /\/10\/status: a directory, not a regular file/],
    ['a file as the process directory (ENOTDIR)', (d) => writeFileSync(join(d, '10'), GOOD(10)), /\/10\/status: a component of the path is not a directory/],
    ['a malformed status', (d) => (mkdirSync(join(d, '10')), writeFileSync(join(d, '10', 'status'), 'sh x10 1\n')), /10\/status: status: field 'pid'/],
  ];
  if (isRoot) {
    cases.push(['a character device as status', (d) => {
      mkdirSync(join(d, '10'));
      expect(spawnSync('mknod', [join(d, '10', 'status'), 'c', '1', '5']).status).toBe(0);
    }, /\/10\/status: a character device, not a regular file/]);
  }

  it.each(cases)('%s: ps and jls list the rest and report it in one line, exit 1; status fails in one line', (name, bad, msg) => {
    const dir = tree(name.replace(/\W+/g, '-'), bad);
    const ps = run(['ps', '--proc-root', dir]);
    expect(ps.signal).toBeNull();
    expect(isCleanError(ps), ps.stderr).toBe(true);
    expect(ps.status).toBe(1);
    expect(ps.stderr).toMatch(msg);
    expect(psPids(ps.stdout)).toEqual([8, 20]);
    const jls = run(['jls', '--proc-root', dir]);
    expect(jls.signal).toBeNull();
    expect(isCleanError(jls), jls.stderr).toBe(true);
    expect(jls.stderr).toMatch(msg);
    expect(jls.stdout.trimEnd().split('\n')[1]).toMatch(/^ {5}- {2}- +www +-$/);
    const st = run(['status', '10', '--proc-root', dir]);
    expect(st.signal).toBeNull();
    expect(isCleanError(st), st.stderr).toBe(true);
    expect(st.stderr).toMatch(msg);
    expect(st.stdout).toBe('');
  });

  it('the multi-line status is not read as a jail named "-\\nsecond line"', () => {
    const dir = join(base, 'a-multi-line-status');
    const j = run(['ps', '--proc-root', dir, '--json', '-o', 'pid,jail']);
    expect(JSON.parse(j.stdout)).toEqual([{ pid: 8, jail: '-' }, { pid: 20, jail: 'www' }]);
  });

  it('reports every bad entry, one line each', () => {
    const dir = tree('several', (d) => {
      mkdirSync(join(d, '10'));
      mkfifo(join(d, '10', 'status'));
      symlinkSync('11', join(d, '11'));
    });
    const r = run(['ps', '--proc-root', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^pdbg: .*\/10\/status: a FIFO/), expect.stringMatching(/^pdbg: .*\/11: a symbolic link, not a process directory/)]);
    expect(psPids(r.stdout)).toEqual([8, 20]);
  });

  it('the library throws on a bad entry unless given onError, and then lists the rest', async () => {
    const dir = join(base, 'a-FIFO-as-status');
    const { listProcesses } = await import('../src/inventory/listing.js');
    const fs = TreeProcFs.open(dir);
    await expect(listProcesses(fs)).rejects.toMatchObject({ message: expect.stringMatching(/a FIFO/) });
    const errs: string[] = [];
    const procs = await listProcesses(fs, { onError: (e, pid) => errs.push(`${pid} ${e.message}`) });
    expect(procs.map((p) => p.pid)).toEqual([8, 20]);
    expect(errs).toEqual([expect.stringMatching(/^10 .*a FIFO/)]);
  });

  it.skipIf(!isRoot || !existsSync('/usr/bin/setpriv'))('an unreadable status (EACCES, as a user) is reported and the rest listed', () => {
    const dir = tree('eacces', (d) => {
      mkdirSync(join(d, '10'));
      writeFileSync(join(d, '10', 'status'), GOOD(10), { mode: 0o000 });
    });
    // mkdtemp makes the base 0700: the user must reach the tree to be refused only the one file.
    chmodSync(base, 0o755);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, pdbgBin, 'ps', '--proc-root', dir], { encoding: 'utf8', timeout: 20_000 });
    expect(isCleanError({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/\/10\/status: permission denied/);
    expect(psPids(r.stdout)).toEqual([8, 20]);
  });

  describe('a hostile jails.json', () => {
    const jailsCases: [string, string | null, RegExp][] = [
      ['null', 'null', /jails\.json: expected an array of jails, got null/],
      ['{}', '{}', /jails\.json: expected an array of jails, got an object/],
      ['[null]', '[null]', /jails\.json: entry 0: expected an object, got null/],
      ['"ips": 5', '[{"jid":null,"hostname":"www","ips":5,"path":"/"}]', /jails\.json: entry 0: "ips" should be an array of strings, got a number/],
      ['an address that is not a string', '[{"jid":null,"hostname":"www","ips":["192.0.2.1",7],"path":"/"}]', /jails\.json: entry 0: "ips"\[1\] should be a string, got a number/],
      ['a jid string', '[{"jid":"1","hostname":"www","ips":[],"path":"/"}]', /jails\.json: entry 0: "jid" should be a non-negative integer or null, got a string/],
      ['a hostname number', '[{"jid":null,"hostname":5,"ips":[],"path":"/"}]', /jails\.json: entry 0: "hostname" should be a string, got a number/],
      ['a path array', '[{"jid":null,"hostname":"www","ips":[],"path":["/"]}]', /jails\.json: entry 0: "path" should be a string or null, got an array/],
      ['no jid', '[{"hostname":"www","ips":[],"path":"/"}]', /jails\.json: entry 0: "jid" should be a non-negative integer or null, got nothing/],
      ['not JSON, with an ESC in it', '[\x1b[2J', /jails\.json: not JSON \(.*\?\[2J/],
      ['a FIFO', null, /jails\.json: a FIFO, not a regular file/],
    ];
    it.each(jailsCases)('%s: jls fails in one line naming the file and the problem; ps is unaffected', (name, text, msg) => {
      const dir = tree(`jails-${name.replace(/\W+/g, '-')}`, (d) => {
        if (text === null) mkfifo(join(d, 'jails.json'));
        else writeFileSync(join(d, 'jails.json'), text);
      });
      const r = run(['jls', '--proc-root', dir]);
      expect(r.signal).toBeNull();
      expect(isCleanError(r), r.stderr).toBe(true);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(RAW_CONTROL);
      expect(run(['ps', '--proc-root', dir]).status).toBe(0);
    });

    it('a valid one is still read (its addresses and path shown, escaped)', () => {
      const dir = tree('jails-valid', (d) =>
        writeFileSync(join(d, 'jails.json'), JSON.stringify([{ jid: null, hostname: 'www', ips: ['192.0.2.9', '2001:db8::\x1b[2J'], path: '/j\nx' }])),
      );
      const r = run(['jls', '--proc-root', dir]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/^ +JID/), '     -  192.0.2.9       www                           /j?x', '        2001:db8::?[2J']);
    });
  });
});
