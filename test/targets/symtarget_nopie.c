/* symtarget built as a fixed-address (ET_EXEC) executable: the test builds it with -no-pie. */
#include "symtarget.c"
