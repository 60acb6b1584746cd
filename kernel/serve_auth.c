/*
 * serve_auth.c - the token table and the bearer check (see serve_auth.h).
 */
#include "serve_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http_util.h"

/* Tokens shorter than this are refused: a bearer token is the only secret
 * between the API and the network, and short ones are guessable. */
#define TOKEN_MIN_LEN 16

typedef struct auth_entry {
    char *name;
    char *token;
    size_t token_len;
    int role;
} auth_entry;

struct auth_table {
    auth_entry *entries;
    size_t n;
};

const char *role_name(int role)
{
    switch (role) {
    case ROLE_VIEWER: return "viewer";
    case ROLE_EDITOR: return "editor";
    case ROLE_ADMIN: return "admin";
    default: return "none";
    }
}

static int role_parse(const char *s, size_t len)
{
    for (int r = ROLE_VIEWER; r <= ROLE_ADMIN; r++)
        if (strlen(role_name(r)) == len && strncmp(role_name(r), s, len) == 0)
            return r;
    return ROLE_NONE;
}

int listen_is_local(const char *listen)
{
    if (strncmp(listen, "unix:", 5) == 0)
        return 1;
    if (strncmp(listen, "127.", 4) == 0 || strncmp(listen, "[::1]:", 6) == 0 ||
        strncmp(listen, "localhost:", 10) == 0)
        return 1;
    return 0;
}

void auth_free(auth_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->entries[i].name);
        if (t->entries[i].token != NULL) {
            /* Don't leave the secret in freed memory. */
            volatile char *p = t->entries[i].token;
            for (size_t j = 0; j < t->entries[i].token_len; j++)
                p[j] = 0;
        }
        free(t->entries[i].token);
    }
    free(t->entries);
    free(t);
}

static int name_ok(const char *s, size_t len)
{
    if (len == 0 || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* Parses one NAME:ROLE:TOKEN entry into e; error text names the entry by
 * its position and (when readable) its name. */
static int parse_entry(const char *item, size_t index, auth_entry *e, char *err, size_t errlen)
{
    const char *c1 = strchr(item, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    size_t nlen, rlen;

    if (c1 == NULL || c2 == NULL) {
        snprintf(err, errlen, "[server] tokens: entry %zu is not NAME:ROLE:TOKEN (it has %s colon)",
                 index + 1, c1 ? "one" : "no");
        return -1;
    }
    nlen = (size_t)(c1 - item);
    rlen = (size_t)(c2 - c1 - 1);
    if (!name_ok(item, nlen)) {
        snprintf(err, errlen,
                 "[server] tokens: entry %zu: name '%.*s' must be 1-64 of A-Z a-z 0-9 _ - .",
                 index + 1, (int)(nlen > 64 ? 64 : nlen), item);
        return -1;
    }
    e->role = role_parse(c1 + 1, rlen);
    if (e->role == ROLE_NONE) {
        snprintf(err, errlen,
                 "[server] tokens: entry %zu (%.*s): role '%.*s' is not admin, editor or viewer",
                 index + 1, (int)nlen, item, (int)(rlen > 32 ? 32 : rlen), c1 + 1);
        return -1;
    }
    e->token_len = strlen(c2 + 1);
    if (e->token_len < TOKEN_MIN_LEN) {
        snprintf(err, errlen,
                 "[server] tokens: entry %zu (%.*s): the token has %zu characters, at least %d "
                 "are needed",
                 index + 1, (int)nlen, item, e->token_len, TOKEN_MIN_LEN);
        return -1;
    }
    e->name = strndup(item, nlen);
    e->token = strdup(c2 + 1);
    if (e->name == NULL || e->token == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

auth_table *auth_load(const quire_config *sconf, const char *listen, char *err, size_t errlen)
{
    size_t n = config_list_count(sconf, "tokens");
    auth_table *t = calloc(1, sizeof(*t));

    if (t == NULL || (n > 0 && (t->entries = calloc(n, sizeof(*t->entries))) == NULL)) {
        snprintf(err, errlen, "out of memory");
        goto fail_free_table;
    }
    for (size_t i = 0; i < n; i++) {
        auth_entry *e = &t->entries[i];
        t->n = i + 1;
        if (parse_entry(config_list_item(sconf, "tokens", i), i, e, err, errlen) != 0)
            goto fail_free_table;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(t->entries[j].name, e->name) == 0) {
                snprintf(err, errlen, "[server] tokens: entries %zu and %zu are both named '%s'",
                         j + 1, i + 1, e->name);
                goto fail_free_table;
            }
            if (strcmp(t->entries[j].token, e->token) == 0) {
                snprintf(err, errlen,
                         "[server] tokens: entries %zu (%s) and %zu (%s) have the same token",
                         j + 1, t->entries[j].name, i + 1, e->name);
                goto fail_free_table;
            }
        }
    }
    if (n == 0 && !listen_is_local(listen)) {
        snprintf(err, errlen,
                 "[server] tokens is empty and listen = %s is not a loopback address: set tokens "
                 "(NAME:ROLE:TOKEN) or listen on 127.0.0.1 or a unix socket",
                 listen);
        goto fail_free_table;
    }
    return t;

fail_free_table:
    auth_free(t);
    return NULL;
}

int auth_open(const auth_table *t)
{
    return t->n == 0;
}

size_t auth_count(const auth_table *t)
{
    return t->n;
}

int auth_check(const auth_table *t, const char *authorization, const char **who, int *role)
{
    const char *tok;
    size_t len;
    int found = -1;

    if (t->n == 0) {
        *who = "anonymous";
        *role = ROLE_ADMIN;
        return AUTH_OK;
    }
    if (authorization == NULL ||
        http_bearer_token(authorization, strlen(authorization), &tok, &len) != 0)
        return AUTH_MISSING;
    /* Every entry is compared, match or not. */
    for (size_t i = 0; i < t->n; i++)
        if (http_token_equal(tok, len, t->entries[i].token, t->entries[i].token_len) && found < 0)
            found = (int)i;
    if (found < 0)
        return AUTH_BAD;
    *who = t->entries[found].name;
    *role = t->entries[found].role;
    return AUTH_OK;
}
