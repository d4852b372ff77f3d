/**
 * docs/commands/ is what the command tables generate (src/cli/command-docs.ts): a page per
 * `pdbg` subcommand, an index and the debugger commands' page. A command whose usage, options
 * or help changed without `npm run docs` fails here, as does a page left for a command gone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandDocPages, pageFile } from '../src/cli/command-docs.js';
import { CLI_COMMANDS } from '../src/cli/commands/index.js';
import { COMMANDS } from '../src/commands/commands.js';
import { STEP_PARAGRAPH } from '../src/commands/command-docs.js';

const dir = join(fileURLToPath(new URL('..', import.meta.url)), 'docs', 'commands');

describe('docs/commands', () => {
  it('holds exactly the generated pages, each current (npm run docs rewrites them)', async () => {
    const pages = await commandDocPages();
    const onDisk = readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
    expect(onDisk, 'pages missing or left over: npm run docs').toEqual([...pages.keys()].sort());
    for (const [f, text] of pages) expect(readFileSync(join(dir, f), 'utf8'), `docs/commands/${f} is stale: npm run docs`).toBe(text);
  });

  it('is the same bytes every time (no dates, no terminal width, the tables\' order)', async () => {
    expect([...(await commandDocPages())]).toEqual([...(await commandDocPages())]);
  });

  it('has a page per CLI command with its options, and every debugger command with the step paragraph', async () => {
    const pages = await commandDocPages();
    for (const e of CLI_COMMANDS) expect(pages.get('README.md')).toContain(`](${pageFile(e)})`);
    expect(pages.get('pdbg-regs.md')).toMatch(/^\| `--set` \| string\[\] \|/m);
    expect(pages.get('pdbg-step.md')).toMatch(/^\| `--count`, `-n` \| string \| 1 \|/m);
    expect(pages.get('pdbg-ctl.md')).toContain('pdbg ctl 812 attach wait step wait');
    const debuggerPage = pages.get('debugger.md')!;
    for (const c of COMMANDS) expect(debuggerPage).toContain(`\n### ${c.name}\n`);
    expect(debuggerPage).toContain(STEP_PARAGRAPH.join('\n'));
  });
});
