/*
 * jsonl_paths.c - the jsonl plugin's path tree (see jsonl.h): one node per
 * object key or array index a column's path goes through, so the parser
 * finds the column of a value while it walks the line, without building
 * the line's tree. Children are found through one hash table keyed by
 * (parent, key), so wide objects cost one lookup per key.
 *
 * The tree is bounded: at most JSONL_MAX_NODES nodes (jsonl.h), which also
 * bounds what discovery can create from objects with ever-new keys.
 */
#include <string.h>

#include "jsonl.h"

/* FNV-1a over the parent index and the key bytes. */
static uint64_t node_hash(int32_t parent, const char *key, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (int i = 0; i < 4; i++) {
        h ^= (uint64_t)(((uint32_t)parent >> (8 * i)) & 0xff);
        h *= UINT64_C(1099511628211);
    }
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/* The slot holding (parent, key), or the empty slot where it would go. */
static size_t find_slot(const jsonl_paths *paths, int32_t parent, const char *key, size_t len)
{
    size_t mask = paths->nslots - 1;
    size_t i = (size_t)node_hash(parent, key, len) & mask;

    for (;;) {
        int32_t n = paths->slots[i];
        if (n < 0)
            return i;
        if (paths->nodes[n].parent == parent && paths->nodes[n].key_len == len &&
            memcmp(paths->nodes[n].key, key, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

/* Doubles the hash table and re-inserts every node but the root. */
static int rehash(jsonl_paths *paths)
{
    size_t nslots = paths->nslots * 2;
    int32_t *slots = paths->host->malloc(nslots * sizeof(*slots));

    if (slots == NULL)
        return -1;
    paths->host->free(paths->slots);
    paths->slots = slots;
    paths->nslots = nslots;
    for (size_t i = 0; i < nslots; i++)
        slots[i] = -1;
    for (size_t n = 1; n < paths->nnodes; n++) {
        const jsonl_node *node = &paths->nodes[n];
        slots[find_slot(paths, node->parent, node->key, node->key_len)] = (int32_t)n;
    }
    return 0;
}

int jsonl_paths_init(jsonl_paths *paths, const quire_host *host)
{
    memset(paths, 0, sizeof(*paths));
    paths->host = host;
    paths->nslots = 64;
    paths->slots = host->malloc(paths->nslots * sizeof(*paths->slots));
    if (paths->slots == NULL ||
        support_grow(host, (void **)&paths->nodes, &paths->cap, 1, sizeof(jsonl_node)) != 0) {
        jsonl_paths_free(paths);
        return -1;
    }
    for (size_t i = 0; i < paths->nslots; i++)
        paths->slots[i] = -1;
    memset(&paths->nodes[0], 0, sizeof(jsonl_node));
    paths->nodes[0].parent = -1;
    paths->nodes[0].column = -1;
    paths->nnodes = 1;
    return 0;
}

void jsonl_paths_free(jsonl_paths *paths)
{
    if (paths->host == NULL)
        return;
    for (size_t n = 0; n < paths->nnodes; n++)
        paths->host->free(paths->nodes[n].key);
    paths->host->free(paths->nodes);
    paths->host->free(paths->slots);
    paths->nodes = NULL;
    paths->slots = NULL;
    paths->nnodes = paths->cap = paths->nslots = 0;
}

/* Whether key[0..len) is an array index as the tree spells it: decimal
 * digits without leading zeros. */
static int is_index(const char *key, size_t len)
{
    if (len == 0 || len > 10 || (len > 1 && key[0] == '0'))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (key[i] < '0' || key[i] > '9')
            return 0;
    return 1;
}

int32_t jsonl_paths_child(jsonl_paths *paths, int32_t parent, const char *key, size_t len,
                          int create)
{
    size_t slot = find_slot(paths, parent, key, len);
    jsonl_node *node;

    if (paths->slots[slot] >= 0)
        return paths->slots[slot];
    if (!create || paths->nnodes >= JSONL_MAX_NODES)
        return -1;
    if (support_grow(paths->host, (void **)&paths->nodes, &paths->cap, paths->nnodes + 1,
                     sizeof(jsonl_node)) != 0)
        return -1;
    node = &paths->nodes[paths->nnodes];
    memset(node, 0, sizeof(*node));
    node->key = paths->host->malloc(len + 1);
    if (node->key == NULL)
        return -1;
    memcpy(node->key, key, len);
    node->key[len] = '\0';
    node->key_len = len;
    node->parent = parent;
    node->column = -1;
    if (is_index(key, len))
        paths->nodes[parent].has_index = 1;
    paths->slots[slot] = (int32_t)paths->nnodes++;
    /* Keep the table at most half full. */
    if (paths->nnodes * 2 > paths->nslots && rehash(paths) != 0)
        return -1;
    return (int32_t)paths->nnodes - 1;
}

int jsonl_paths_add(jsonl_paths *paths, const char *path, size_t len, int32_t column)
{
    int32_t node = 0;
    size_t start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i < len && path[i] != '.')
            continue;
        if (i == start)
            return -2;
        node = jsonl_paths_child(paths, node, path + start, i - start, 1);
        if (node < 0)
            return -1;
        start = i + 1;
    }
    if (paths->nodes[node].column >= 0)
        return -3;
    paths->nodes[node].column = column;
    return 0;
}

const char *jsonl_paths_name(const jsonl_paths *paths, int32_t node, char *buf, size_t len)
{
    int32_t chain[JSONL_MAX_DEPTH + 1];
    size_t depth = 0, out = 0;

    if (len == 0)
        return buf;
    for (int32_t n = node; n > 0 && depth < JSONL_MAX_DEPTH + 1; n = paths->nodes[n].parent)
        chain[depth++] = n;
    while (depth > 0) {
        const jsonl_node *nd = &paths->nodes[chain[--depth]];
        size_t need = nd->key_len + (out > 0);
        if (out + need >= len)
            break;
        if (out > 0)
            buf[out++] = '.';
        memcpy(buf + out, nd->key, nd->key_len);
        out += nd->key_len;
    }
    buf[out] = '\0';
    return buf;
}
