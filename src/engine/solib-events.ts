/**
 * Library load events, as gdb's svr4 support gets them: the dynamic linker calls the empty
 * function `_dl_debug_state` (its `r_debug.r_brk`) before and after it changes the list of
 * loaded objects, with `r_debug.r_state` saying which. A breakpoint there, planted by the engine,
 * sees every library mapped at start-up and by dlopen; when the state is RT_CONSISTENT the new
 * library's symbols can be read and pending breakpoints planted.
 *
 * Why this hook and not a rescan on every stop: it costs one stop per dlopen (none between), and
 * it fires before the new library's constructors run, so a breakpoint in one of them still hits.
 */

/** The dynamic linker's hook function (exported by ld.so, and by static glibc for dlopen). */
export const HOOK_SYMBOL = '_dl_debug_state';
/** The dynamic linker's `struct r_debug`. */
export const R_DEBUG_SYMBOL = '_r_debug';

/** `struct r_debug` (link.h): int r_version; struct link_map *r_map; ElfW(Addr) r_brk; r_state; … */
const R_STATE_OFFSET = 24n;

/** `enum r_state`: the list is stable; RT_ADD and RT_DELETE say a change is under way. */
export const RT_CONSISTENT = 0;

export function rStateAddress(rDebug: bigint): bigint {
  return rDebug + R_STATE_OFFSET;
}

/**
 * Whether a name that did not resolve may still be defined later: the text is a plain symbol
 * (not an address, not an expression), so a library could bring it.
 */
export function couldBeLibrarySymbol(text: string): boolean {
  return /^[A-Za-z_.$][\w.$@]*(?:\s*[+-]\s*(?:0x[0-9a-f]+|\d+))?$/i.test(text.trim().replace(/^\*/, '')) && !/^(0x[0-9a-f]+|\d+)$/i.test(text.trim());
}
