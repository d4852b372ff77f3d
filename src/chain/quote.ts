import { ProcfsError } from '../procfs/errors.js';

/**
 * One word for a POSIX shell, taken literally whatever it holds: single quotes stop every
 * expansion, and a quote inside is closed, escaped and reopened (`'\''`). Used only where a
 * far shell is unavoidable (ssh hands the far side one command string).
 */
export function shQuote(word: string): string {
  if (word.includes('\0')) throw new ProcfsError('EINVAL', 'a command word holds a NUL byte: no shell can carry it');
  if (/^[A-Za-z0-9_./=:,+@%-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one command line for a far shell: every word quoted, so the shell only splits. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}

/**
 * A command given in an environment variable (PDBG_SSH, like GIT_SSH_COMMAND) split into words
 * the way a shell would split a plain command: blanks separate, single and double quotes and
 * backslashes group. Nothing is expanded: the text names a program and its options, it is not
 * a script.
 */
export function splitWords(text: string, what: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ProcfsError('EINVAL', `${what}: unclosed single quote`);
      cur += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        cur += text[j];
      }
      if (j >= text.length) throw new ProcfsError('EINVAL', `${what}: unclosed double quote`);
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  if (words.length === 0) throw new ProcfsError('EINVAL', `${what}: empty command`);
  return words;
}
