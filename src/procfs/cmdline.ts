/** The `cmdline` node's format: argv, each argument NUL-terminated. */
export function splitCmdline(buf: Uint8Array): string[] {
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8');
  if (text === '') return [];
  const args = text.split('\0');
  if (args[args.length - 1] === '') args.pop();
  return args;
}
