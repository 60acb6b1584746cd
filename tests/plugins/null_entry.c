/*
 * null_entry.c - exports quire_plugin_v1, which returns NULL.
 * Provokes:
 *   plugin P: quire_plugin_v1() returned NULL
 */
#include <quire/quire.h>

QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void);
QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void) { return NULL; }
