/*
 * kernel_conf.h - the schemas of the [kernel] and [server] configuration
 * sections.
 *
 * The kernel validates its own section with the same machinery and the same
 * kind of schema a plugin declares, so admins see one set of rules.
 */
#ifndef QUIRE_KERNEL_CONF_H
#define QUIRE_KERNEL_CONF_H

#include <stddef.h>

#include <quire/plugin.h>

/* The [kernel] schema, ended by a NULL name; kernel_schema_count() keys. */
const quire_config_key *kernel_schema(void);
size_t kernel_schema_count(void);

/* The [server] schema (`quire serve`), ended by a NULL name. */
const quire_config_key *server_schema(void);
size_t server_schema_count(void);

#endif /* QUIRE_KERNEL_CONF_H */
