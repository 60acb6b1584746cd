/*
 * serve_auth.h - bearer tokens and roles of the REST API.
 *
 * [server] tokens lists NAME:ROLE:TOKEN entries. A request carries
 * "Authorization: Bearer TOKEN"; the entry it matches gives the caller's
 * name (for logs: the token itself is never logged or echoed) and role.
 * Roles are ordered: viewer < editor < admin, and an endpoint names the
 * least role it needs. With no tokens configured every caller is an
 * anonymous admin, which the server allows only when it listens on a
 * loopback address or a unix socket (like Redis's protected mode).
 */
#ifndef QUIRE_SERVE_AUTH_H
#define QUIRE_SERVE_AUTH_H

#include <stddef.h>

#include <quire/plugin.h>

#define ROLE_NONE   0
#define ROLE_VIEWER 1
#define ROLE_EDITOR 2
#define ROLE_ADMIN  3

#define AUTH_OK      0
#define AUTH_MISSING 1 /* no Authorization header, or not a Bearer one */
#define AUTH_BAD     2 /* a bearer token that matches no entry */

typedef struct auth_table auth_table;

/* Reads `tokens` from the validated [server] section. `listen` is the
 * address the server will use (checked for the no-token case). On error
 * returns NULL with a message in err naming the entry by position and name,
 * never by token. The caller frees with auth_free(). */
auth_table *auth_load(const quire_config *sconf, const char *listen, char *err, size_t errlen);

void auth_free(auth_table *t);

/* 1 when no tokens are configured (anonymous admin on loopback). */
int auth_open(const auth_table *t);

/* Number of configured tokens. */
size_t auth_count(const auth_table *t);

/* Checks an Authorization header value (NULL when absent). On AUTH_OK sets
 * *who (owned by the table) and *role. Compares every token in constant
 * time so timing does not reveal how much of a token matched. */
int auth_check(const auth_table *t, const char *authorization, const char **who, int *role);

/* "viewer", "editor", "admin". */
const char *role_name(int role);

/* 1 when a listen address is loopback-only ("127.x.x.x:P", "[::1]:P",
 * "localhost:P", "unix:PATH"). */
int listen_is_local(const char *listen);

#endif /* QUIRE_SERVE_AUTH_H */
