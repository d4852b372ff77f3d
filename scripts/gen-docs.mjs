// Writes docs/commands/ from the command tables (npm run docs builds dist/ first); pages no
// table gives any more are removed. test/docs-current.test.ts checks the folder is current.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandDocPages } from '../dist/src/cli/command-docs.js';

const dir = join(fileURLToPath(new URL('..', import.meta.url)), 'docs', 'commands');
const pages = await commandDocPages();
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith('.md') && !pages.has(f)) rmSync(join(dir, f));
for (const [f, text] of pages) writeFileSync(join(dir, f), text);
console.log(`docs/commands: ${pages.size} pages`);
