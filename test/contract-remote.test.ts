/**
 * The whole contract (src/procfs/contract.ts) through the agent: a RemoteProcFs over a unix
 * socketpair (the agent in this process), and over a real loopback ssh chain. Same checks, same
 * errnos and why lines as the live source gives directly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openAgent } from '../src/chain/establish.js';
import { parseChain } from '../src/chain/hops.js';
import { remoteProcFs } from '../src/chain/remote.js';
import { controlChecks, readOnlyChecks } from '../src/procfs/contract.js';
import type { ProcFs } from '../src/procfs/source.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { serveProcFs, type Agent } from '../src/remote/agent.js';
import { RemoteProcFs } from '../src/remote/remote-procfs.js';
import { liveOk } from './helpers/root.js';
import { sshdMissing, startSshd, stopAllSshd, type Sshd } from './helpers/sshd.js';
import { startContractTarget } from './helpers/contract-target.js';
import { killAllTracees } from './helpers/tracee.js';

describe.skipIf(!liveOk('contract: remote over a socketpair'))('contract: remote over a socketpair', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdbg-contract-remote-'));
  let server: Server;
  let agent: Agent | undefined;
  let remote: RemoteProcFs;
  beforeAll(async () => {
    const path = join(dir, 'agent.sock');
    server = createServer((sock) => (agent = serveProcFs(new LinuxProcFs('/proc'), sock, sock)));
    await new Promise<void>((res) => server.listen(path, res));
    const client = connect(path);
    await new Promise<void>((res) => client.once('connect', res));
    remote = await RemoteProcFs.connect(client, client, { name: 'socketpair' });
  });
  afterAll(async () => {
    killAllTracees();
    await remote?.close();
    await agent?.done;
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const c of readOnlyChecks({ source: () => remote, somePid: () => process.pid, writable: true })) it(c.name, c.run);
  for (const c of controlChecks({ source: () => remote, start: startContractTarget })) it(c.name, c.run, 20_000);
});

const noSshd = sshdMissing();
if (noSshd) process.stderr.write(`SKIP contract: remote over ssh: ${noSshd}\n`);
describe.skipIf(!liveOk('contract: remote over ssh') || noSshd !== null)('contract: remote over ssh', () => {
  let sshd: Sshd;
  let remote: ProcFs;
  const saved = process.env.PDBG_SSH;
  beforeAll(async () => {
    sshd = await startSshd();
    process.env.PDBG_SSH = sshd.sshCommand;
    remote = await remoteProcFs(await openAgent(parseChain(sshd.hop)));
  }, 120_000);
  afterAll(async () => {
    killAllTracees();
    await remote?.close();
    if (saved === undefined) delete process.env.PDBG_SSH;
    else process.env.PDBG_SSH = saved;
    stopAllSshd();
  });
  for (const c of readOnlyChecks({ source: () => remote, somePid: () => 1, writable: true })) it(c.name, c.run);
  for (const c of controlChecks({ source: () => remote, start: startContractTarget })) it(c.name, c.run, 30_000);
});
