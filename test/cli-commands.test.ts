/**
 * The CLI's lazy command table (src/cli/commands/index.ts): each entry's command line, aliases
 * and description are its module's own, and running a command loads that command's module and
 * what it needs, not the others: `pdbg ps` loads no engine, TUI or disassembler module.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_COMMANDS } from '../src/cli/commands/index.js';
import { pdbg, pdbgBin } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pdbg-cmds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The files of dist/ (and the packages) a `pdbg ARGS…` run resolves, through a module hook. */
function modulesLoadedBy(args: string[]): string[] {
  const hooks = join(dir, 'hooks.mjs');
  const register = join(dir, 'register.mjs');
  writeFileSync(hooks, `export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith('file:')) process.stderr.write('LOADED ' + r.url + '\\n'); return r; }\n`);
  writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, pdbgBin, ...args], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status).toBe(0);
  return r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7));
}

describe('lazy command table', () => {
  it('every entry says what its module says (command, aliases, description)', async () => {
    for (const e of CLI_COMMANDS) {
      const m = await e.load();
      expect(m.command, e.command).toBe(e.command);
      expect(m.describe, e.command).toBe(e.describe);
      expect(m.aliases ?? [], e.command).toEqual(e.aliases ?? []);
      expect(typeof m.handler, e.command).toBe('function');
    }
  });

  it('pdbg --help lists every command without loading any command module', () => {
    const loaded = modulesLoadedBy(['--help']);
    expect(loaded.filter((u) => /\/cli\/commands\/(?!index\.js)/.test(u))).toEqual([]);
    const help = pdbg(['--help']).stdout;
    for (const e of CLI_COMMANDS) expect(help).toContain(`pdbg ${e.command}`);
  });

  it('pdbg ps loads ps and the listing, not the engine, the TUI, the disassembler or another command', () => {
    const loaded = modulesLoadedBy(['ps', '-o', 'pid,comm']);
    const ours = loaded.filter((u) => u.includes('/dist/'));
    expect(ours.some((u) => u.endsWith('/cli/commands/ps.js'))).toBe(true);
    expect(ours.some((u) => u.endsWith('/inventory/listing.js'))).toBe(true);
    expect(ours.filter((u) => /\/cli\/commands\/(?!index\.js|ps\.js)/.test(u))).toEqual([]);
    expect(ours.filter((u) => /\/src\/(tui|remote|chain\/(?!hops)|debugger\/(?!guard))/.test(u))).toEqual([]);
    expect(loaded.filter((u) => /node_modules\/(blessed|iced-x86|koffi)\//.test(u))).toEqual([]);
  });
});
