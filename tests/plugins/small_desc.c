/*
 * small_desc.c - a descriptor that is only the 16-byte fixed header (magic,
 * ABI, size, kind) and declares size 16, less than
 * QUIRE_PLUGIN_DESC_MIN_SIZE (116 on LP64). The object really is 16 bytes,
 * so under AddressSanitizer a kernel that read past the declared size
 * before refusing it would be caught. Provokes:
 *   plugin P: descriptor size 16, at least 116 required
 */
#include <quire/quire.h>

typedef struct tiny_desc {
    uint32_t magic;
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t size;
    uint32_t kind;
} tiny_desc;

static const tiny_desc desc = {
    .magic = QUIRE_PLUGIN_MAGIC,
    .abi_major = QUIRE_ABI_MAJOR,
    .abi_minor = QUIRE_ABI_MINOR,
    .size = sizeof(tiny_desc),
    .kind = QUIRE_KIND_CHART,
};

QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void);
QUIRE_EXPORT const quire_plugin_desc *quire_plugin_v1(void)
{
    return (const quire_plugin_desc *)(const void *)&desc;
}
