/*
 * crash_entry.c - a plugin whose entry function crashes (writes through a
 * NULL pointer). The kernel's probe child must turn this into the line
 * "plugin P: crashed while loading (signal 11, Segmentation fault)" and
 * the kernel itself must survive.
 */
#include <quire/plugin.h>

QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void);

QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void)
{
    volatile int *nowhere = (volatile int *)0;
    *nowhere = 1;
    return 0;
}
