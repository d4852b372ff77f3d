/* The library dlopener.c loads late: a breakpoint on plugin_fn is pending until then. */
__attribute__((noinline)) int plugin_fn(int x) {
  return x * 3 + 1;
}
