/*
 * data.h - internal interfaces of the data renderer plugin (formats csv and
 * json, QUIRE_FORMAT_DATA), shared by its files:
 *
 *   the output    plugins/support/support_out.c (shared): a temporary file
 *                 renamed over the destination on success (or standard
 *                 output), buffered, every write checked
 *   data_text.c   canonical text of typed values; UTF-8 repair
 *   data_csv.c    the csv format: one RFC 4180 row per band instance
 *   data_json.c   the json format: one streamed document shaped like the
 *                 report (title, nested groups, details, summary)
 *   data.c        the plugin: descriptor, config schema, renderer ops
 *
 * Nothing here is part of the plugin ABI. Only include/quire headers and the
 * host table are used: the plugin links against no kernel symbol.
 */
#ifndef QUIRE_DATA_H
#define QUIRE_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <quire/types.h> /* before renderer.h, which uses quire_str without it */
#include <quire/renderer.h>

#include "support_out.h"

/* Deepest group level accepted: the json format keeps one frame per open
 * group, so this bounds its memory whatever the kernel sends. */
#define DATA_MAX_GROUP_LEVEL 255
/* Largest |scale| of a DECIMAL written in full (at most this many zeros
 * are padded). */
#define DATA_MAX_SCALE 38

/* ============================== Settings (data.c) ========================= */

/* The admin's [renderer.data] section, read once by init(). */
typedef struct data_settings {
    char delimiter;   /* csv_delimiter: one ASCII byte */
    int header;       /* csv_header */
    int formatted;    /* csv_formatted: cells are the values' text */
    int crlf;         /* csv_line_ending = crlf */
    int indent;       /* json_indent: 0..8 spaces, 0 = one line */
    mode_t file_mode; /* 0666 less the process umask, for the output file */
} data_settings;

/* ============================== Output =================================== */

/* The document's file: plugins/support/support_out.h. Appends `s` with
 * invalid UTF-8 replaced by U+FFFD (one per maximal invalid subsequence);
 * as support_out_write(). In data_text.c. */
int data_out_utf8(support_out *out, const char *s, size_t len, quire_error *err);

/* ============================== Value text (data_text.c) ================== */

/* Room for the text of any non-string value: a DECIMAL of DATA_MAX_SCALE
 * padded digits, a float, an expanded-year timestamp. */
#define DATA_VALUE_TEXT_MAX 96

/* Writes the canonical text of a non-NULL, non-STRING value into buf
 * (DATA_VALUE_TEXT_MAX bytes, NUL-terminated): BOOL true/false, INT digits,
 * DECIMAL with exactly `scale` fraction digits, FLOAT the shortest text
 * that reads back the same (nan, inf, -inf when not finite), DATE
 * yyyy-mm-dd, TIMESTAMP yyyy-mm-ddThh:mm:ss[.ffffff]Z (years outside
 * 0..9999 as +yyyyy or -yyyy). Returns the length, or -1 when the value
 * cannot be written (unknown type, scale out of range). */
int data_value_text(const quire_value *value, char *buf);

/* 1 if `value` is a FLOAT that is NaN or infinite. */
int data_value_nonfinite(const quire_value *value);

/* Length of the longest valid UTF-8 prefix of s[0..len). */
size_t data_utf8_valid_prefix(const unsigned char *s, size_t len);

/* At an invalid sequence at s[0..len) (len > 0): how many bytes one U+FFFD
 * replaces (the maximal subpart of a well-formed sequence, at least 1). */
size_t data_utf8_invalid_length(const unsigned char *s, size_t len);

/* ============================== Band instances (data.c) =================== */

/* 1 if the value is a named data value (not a static text, not unnamed):
 * the only values the data formats write. */
int data_value_is_data(const quire_band_value *value);

/* 1 if `band` is page furniture or a band kind this plugin does not know:
 * the data formats skip it. */
int data_band_skipped(uint32_t band);

/* Name of a band kind for messages ("detail", "group footer"). */
const char *data_band_name(uint32_t band);

/* Sets *err for a value data_value_text() refused ("detail band value
 * 'amount': decimal scale 40 is out of range (-38..38)") and returns
 * QUIRE_ERR. */
int data_value_error(const quire_host *host, quire_error *err, const char *band_name,
                     const char *name, const quire_value *value);

/* Maps the document's data column names to their indexes. */
typedef struct data_columns data_columns;

/* Builds the map of `names` (the document's data_columns, which must
 * outlive it). Returns NULL on allocation failure. Caller frees with
 * data_columns_free(). */
data_columns *data_columns_new(const quire_host *host, const char *const *names, size_t count);

/* Index of `name`, or -1 if it is not a column. */
ptrdiff_t data_columns_find(const data_columns *map, const char *name);

void data_columns_free(data_columns *map);

/* ============================== Formats =================================== */

typedef struct data_csv data_csv;
typedef struct data_json data_json;

/* csv (data_csv.c). new() writes the header row; returns NULL with *err
 * set. band() writes one row; end() flushes nothing itself (the caller
 * commits the output); free() releases. The output stays owned by the
 * caller and must outlive the writer. */
data_csv *data_csv_new(const quire_host *host, const data_settings *settings,
                       const quire_document *doc, support_out *out, quire_error *err);
int data_csv_band(data_csv *csv, const quire_band_instance *band, quire_error *err);
void data_csv_free(data_csv *csv);

/* json (data_json.c). new() opens the root object; band() writes one
 * instance where it belongs; end() closes every open group and the root.
 * Same ownership as the csv writer. */
data_json *data_json_new(const quire_host *host, const data_settings *settings,
                         const quire_document *doc, support_out *out, quire_error *err);
int data_json_band(data_json *json, const quire_band_instance *band, quire_error *err);
int data_json_end(data_json *json, quire_error *err);
void data_json_free(data_json *json);

#endif /* QUIRE_DATA_H */
