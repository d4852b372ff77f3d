import { parseArgs } from 'node:util';
import { ROW_IDS, type RowId } from './row.js';

export interface BenchOptions {
  json: boolean;
  quick: boolean;
  /** Rows to run, in table order. */
  only: RowId[];
  rounds: number;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--json] [--only ROW[,ROW…]] [--rounds N]

  --quick        a short smoke run (small counts, 2 rounds): checks the bench works
  --json         print the results as JSON instead of the table
  --only ROWS    run only these rows: ${ROW_IDS.join(', ')}
  --rounds N     alternating rounds per row (default 5; 2 with --quick)
`;

/** The bench's command line; throws an Error with a one-line message for bad input. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      rounds: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const quick = values.quick ?? false;
  const wanted = (values.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const w of wanted) {
    if (!(ROW_IDS as readonly string[]).includes(w)) throw new Error(`unknown row '${w}' (rows: ${ROW_IDS.join(', ')})`);
  }
  const only = wanted.length ? ROW_IDS.filter((id) => wanted.includes(id)) : [...ROW_IDS];
  const rounds = values.rounds === undefined ? (quick ? 2 : 5) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new Error(`--rounds must be an integer 1..100, not '${values.rounds}'`);
  return { json: values.json ?? false, quick, only, rounds, help: values.help ?? false };
}
