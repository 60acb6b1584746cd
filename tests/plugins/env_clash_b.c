/*
 * env_clash_b.c - source "clash_x" with key "y". Together with
 * env_clash_a.c it makes two keys whose override variable is the same,
 * QUIRE_SOURCE_CLASH_X_Y; the kernel must warn about it.
 */
/* env_clash_a.c with the name and key above. */
#define CLASH_NAME "clash_x"
#define CLASH_KEY "y"
#include "env_clash_a.c"
