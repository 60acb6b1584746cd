/*
 * crash_entry.c - a plugin whose entry function crashes with SIGSEGV. The
 * kernel's probe child must turn this into the line
 * "plugin P: crashed while loading (signal 11, Segmentation fault)" and
 * the kernel itself must survive. (raise() rather than a NULL store, so the
 * sanitizer build sees the same signal instead of a UBSan report.)
 */
#include <signal.h>

#include <quire/plugin.h>

QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void);

QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void)
{
    raise(SIGSEGV);
    return 0;
}
