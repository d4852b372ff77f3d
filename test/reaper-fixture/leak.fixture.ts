import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { startTarget } from '../helpers/targets.js';
import { startTracee } from '../helpers/tracee.js';

// Starts a target and a tracee and ends neither: the reaper of test/helpers/setup.ts must.
it('leaks two processes on purpose', async () => {
  const a = startTarget('named-sleeper', ['leaker']);
  const b = await startTracee('named-sleeper', ['leaker']);
  writeFileSync(process.env.PDBG_LEAK_FILE!, `${a.pid} ${b.pid}\n`);
});
