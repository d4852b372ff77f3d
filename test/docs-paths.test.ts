import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/targets.js';

/**
 * The docs name source files to read next (`src/engine/session.ts`, `test/helpers/…`); a file
 * moved or renamed leaves them pointing at nothing. Every such path in README.md and docs/ must
 * exist, and every relative link between the pages must land on a page.
 */
function pages(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...pages(p));
    else if (name.endsWith('.md')) out.push(p);
  }
  return out;
}

const docs = [join(repoRoot, 'README.md'), ...pages(join(repoRoot, 'docs'))];

describe('the docs name what exists', () => {
  it('finds the pages it checks', () => {
    expect(docs.length).toBeGreaterThan(10);
  });

  it('every repo path a page names (src/, native/, test/, bench/, scripts/) exists', () => {
    const missing: string[] = [];
    for (const page of docs) {
      const text = readFileSync(page, 'utf8');
      for (const m of text.matchAll(/(?<![\w./-])((?:src|native|test|bench|scripts)\/[\w./-]*[\w/])/g)) {
        const path = m[1]!.replace(/\/$/, '');
        if (/[*]/.test(path)) continue;
        if (!existsSync(join(repoRoot, path))) missing.push(`${page.slice(repoRoot.length + 1)}: ${path}`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  it('every relative link between the pages lands on a file', () => {
    const broken: string[] = [];
    for (const page of docs) {
      const text = readFileSync(page, 'utf8');
      for (const m of text.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)(?:#[^)]*)?\)/g)) {
        const target = join(page, '..', m[1]!);
        if (!existsSync(target)) broken.push(`${page.slice(repoRoot.length + 1)}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
