/*
 * hang_entry.c - a plugin whose entry function never returns. The kernel's
 * probe child must be killed after plugin_load_timeout and reported as
 * "plugin P: did not finish loading within N ms (probe killed)".
 */
#include <unistd.h>

#include <quire/plugin.h>

QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void);

QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void)
{
    for (;;)
        pause();
    return 0;
}
