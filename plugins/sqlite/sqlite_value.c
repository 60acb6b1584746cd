/*
 * sqlite_value.c - the sqlite plugin's text parsers: the jsonl plugin's
 * jsonl_value.c compiled in, so that a `types` override, a date or a
 * decimal reads the same from a database as from a JSON Lines (or CSV)
 * file. plugin.mk makes sqlite.so depend on that file.
 */
#include "../jsonl/jsonl_value.c"
