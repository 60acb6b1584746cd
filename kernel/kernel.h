/*
 * kernel.h - the kernel's internal umbrella header: version, exit codes and
 * the headers every kernel file needs. Plugins never include this; their
 * whole world is include/quire/.
 */
#ifndef QUIRE_KERNEL_H
#define QUIRE_KERNEL_H

#include <quire/quire.h>

#define QUIRE_VERSION "0.1.0"

/* Compiled-in defaults; the Makefile sets them from PREFIX on install. */
#ifndef QUIRE_DEFAULT_PLUGIN_DIR
#define QUIRE_DEFAULT_PLUGIN_DIR "/usr/local/lib/quire/plugins"
#endif
#ifndef QUIRE_DEFAULT_CONF
#define QUIRE_DEFAULT_CONF "/usr/local/etc/quire/quire.conf"
#endif

/* Process exit codes, documented in docs/quire.1 and docs/configuration.md. */
#define QUIRE_EXIT_OK 0      /* success */
#define QUIRE_EXIT_FAILURE 1 /* the command ran and failed (I/O, render) */
#define QUIRE_EXIT_USAGE 2   /* bad command line */
#define QUIRE_EXIT_CONFIG 3  /* configuration refused */
#define QUIRE_EXIT_PLUGIN 4  /* a plugin was refused in strict mode, or not found */
#define QUIRE_EXIT_INPUT 5   /* a report definition or data file was refused */

#define QUIRE_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif /* QUIRE_KERNEL_H */
