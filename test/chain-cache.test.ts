import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentBundle } from '../src/chain/bundle.js';
import { runAgent } from '../src/chain/establish.js';
import { direct } from '../src/chain/wrap.js';
import { isRoot, UNIT_REASON, unitOnly } from './helpers/root.js';

/**
 * An agent cache somebody else could have written is never run: a planted
 * `~/.cache/pdbg/agent-HASH/` with its `.ok` and a `bin/pdbg.js` that leaves a marker when it
 * runs. The chain is `direct` (no hop): the far side's probe script runs here, as root.
 */
const NOBODY = 65534;
const why = unitOnly ? UNIT_REASON : isRoot ? null : 'not root: planting a cache owned by another uid needs chown';
if (why) process.stderr.write(`SKIP chain-cache: ${why}\n`);

describe.skipIf(why !== null)('a planted agent cache', () => {
  const saved = { HOME: process.env.HOME, PATH: process.env.PATH };
  let top: string;
  let home: string;
  let marker: string;
  const hash = agentBundle().hash;

  beforeAll(() => {
    top = mkdtempSync(join(tmpdir(), 'pdbg-chain-cache-'));
    // No pdbg on the PATH: the probe must go to the cache.
    process.env.PATH = '/usr/local/bin:/usr/bin:/bin';
    if (!existsSync('/usr/bin/node') && !existsSync('/usr/local/bin/node')) process.env.PATH = `${join(process.execPath, '..')}:${process.env.PATH}`;
  });
  afterAll(() => {
    process.env.HOME = saved.HOME;
    process.env.PATH = saved.PATH;
    rmSync(top, { recursive: true, force: true });
  });
  afterEach(() => rmSync(marker, { force: true }));

  /** A HOME (0700, in `parent`) holding a planted agent; returns the agent directory. */
  const plant = (parent: string = top): string => {
    home = mkdtempSync(join(parent, 'home-'));
    chmodSync(home, 0o700);
    process.env.HOME = home;
    marker = join(top, `ran-${readdirSync(top).length}`);
    const agent = join(home, '.cache', 'pdbg', `agent-${hash}`);
    mkdirSync(join(agent, 'bin'), { recursive: true, mode: 0o700 });
    chmodSync(join(home, '.cache'), 0o700);
    chmodSync(join(home, '.cache', 'pdbg'), 0o700);
    writeFileSync(join(agent, 'bin', 'pdbg.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); console.log('planted');\n`, { mode: 0o600 });
    writeFileSync(join(agent, '.ok'), '', { mode: 0o600 });
    return agent;
  };
  const chownAll = (dir: string, uid: number): void => {
    chownSync(dir, uid, uid);
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) chownSync(join(e.parentPath, e.name), uid, uid);
  };
  const run = (): Promise<string> => runAgent(direct, ['--version'], 'local');

  it('is run when it is ours and private (the control: the plant works)', async () => {
    plant();
    expect((await run()).trim()).toBe('planted');
    expect(existsSync(marker)).toBe(true);
  });

  it('owned by another user: refused in one line, nothing run', async () => {
    chownAll(plant(), NOBODY);
    await expect(run()).rejects.toThrow(new RegExp(`^via local: pdbg agent: \\S+/agent-${hash} is owned by uid ${NOBODY}, not by root: refused`));
    expect(existsSync(marker)).toBe(false);
  });

  it('one file inside owned by another user: refused', async () => {
    const agent = plant();
    chownSync(join(agent, 'bin', 'pdbg.js'), NOBODY, NOBODY);
    await expect(run()).rejects.toThrow(/bin\/pdbg\.js is owned by uid 65534/);
    expect(existsSync(marker)).toBe(false);
  });

  it('in a cache directory others can write: refused', async () => {
    plant();
    chmodSync(join(home, '.cache', 'pdbg'), 0o777);
    await expect(run()).rejects.toThrow(/\.cache\/pdbg is writable by .*: refused/);
    expect(existsSync(marker)).toBe(false);
  });

  it('a group-writable file inside: refused', async () => {
    const agent = plant();
    chmodSync(join(agent, 'bin', 'pdbg.js'), 0o620);
    await expect(run()).rejects.toThrow(/bin\/pdbg\.js is writable by its group: refused/);
    expect(existsSync(marker)).toBe(false);
  });

  it('under a world-writable directory that is not sticky: refused; a sticky one (/tmp) is fine', async () => {
    const open = mkdtempSync(join(top, 'open-'));
    chmodSync(open, 0o777);
    plant(open);
    await expect(run()).rejects.toThrow(/open-\S+ is writable by its group: refused/);
    expect(existsSync(marker)).toBe(false);
    chmodSync(open, 0o1777);
    expect((await run()).trim()).toBe('planted');
  });
});
