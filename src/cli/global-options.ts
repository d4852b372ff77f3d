/**
 * The options every `pdbg` command takes (yargs' global options): where the processes are
 * read from. Apart from main.ts so the generated docs (command-docs.ts) list the same ones.
 */
export const GLOBAL_OPTIONS = {
  'proc-root': {
    type: 'string',
    describe: 'read processes from this directory tree (a pdbg snapshot or a BSD /proc) instead of the live system',
    global: true,
  },
  via: {
    type: 'string',
    describe: 'reach the processes through a chain of hops: ssh:[USER@]HOST[:PORT], sudo[:USER], jail:NAME|JID, nsenter:PID, comma-separated; repeat for several chains (ps lists them all); default $PDBG_VIA',
    global: true,
  },
} as const;
