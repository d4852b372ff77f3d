import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liveOk } from './helpers/root.js';
import { repoRoot, startTarget, killAll, procState } from './helpers/targets.js';

/**
 * What `npm pack` ships is what a user gets: the tarball holds the CLI, the compiled library and
 * the docs (package.json's `files`), not the tests, fixtures or bench, and a package installed
 * from it runs against a live process. The install prefers npm's cache (`npm ci` filled it with
 * the same versions), so the registry is asked only for what the cache lacks.
 */
describe.skipIf(!liveOk('package'))('the packed tarball', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdbg-pack-'));
  afterAll(() => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  let files: string[] = [];
  it('ships the CLI, dist/src, dist/native and docs, and no tests, fixtures or bench', () => {
    const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files).toContain('bin/pdbg.js');
    expect(files).toContain('dist/src/cli/main.js');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files.some((f) => f.startsWith('dist/native/'))).toBe(true);
    const stray = files.filter((f) => /^(test|bench|dist\/bench|dist\/test|src|native|scripts|\.ci)\//.test(f) || f.endsWith('.map'));
    expect(stray).toEqual([]);
    expect(files.length).toBeLessThan(800);
  }, 120_000);

  it('installs from the tarball and runs: ps, and regs of a live process', () => {
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    expect(tgz).toBeDefined();
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const inst = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tgz!)], { cwd: app, encoding: 'utf8', timeout: 240_000 });
    expect(inst.status, inst.stderr).toBe(0);
    const bin = join(app, 'node_modules/.bin/pdbg');
    const ps = spawnSync(bin, ['ps', '-o', 'pid,comm'], { encoding: 'utf8' });
    expect(ps.status, ps.stderr).toBe(0);
    expect(ps.stdout).toMatch(new RegExp(`^\\s*${process.pid}\\s`, 'm'));
    const t = startTarget('counter');
    const regs = spawnSync(bin, ['regs', String(t.pid)], { encoding: 'utf8' });
    expect(regs.status, regs.stderr).toBe(0);
    expect(regs.stdout).toMatch(/^rip\s+0x[0-9a-f]{16}/m);
    // A one-shot inspection leaves the target as it found it: running, untraced.
    expect(procState(t.pid).tracerPid).toBe(0);
  }, 300_000);
});
