/* The function the trace row traces: in a shared library, so the program calls it through its
 * PLT and ltrace -e, gdb's dprintf and pdbg trace all see the same calls. */
__attribute__((noinline)) long bt_step(long i)
{
	return i + 1;
}
