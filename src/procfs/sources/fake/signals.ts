/** What a signal does to a process with no handler for it (signal(7)), by BSD-style name. */
export type DefaultAction = 'terminate' | 'ignore' | 'stop' | 'continue';

const IGNORED = new Set(['chld', 'urg', 'winch']);
const STOPS = new Set(['stop', 'tstp', 'ttin', 'ttou']);

export function defaultAction(sig: string): DefaultAction {
  if (sig === 'cont') return 'continue';
  if (IGNORED.has(sig)) return 'ignore';
  if (STOPS.has(sig)) return 'stop';
  return 'terminate';
}
